import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentforceAuthError,
  AgentforceClient,
  AgentforceConfigError,
  AgentNotFoundError,
  AgentSessionLockedError,
  BadRequestError,
  BypassUserRejectedError,
  DeadlineExceededError,
  MalformedResponseError,
  RateLimitedError,
  type RetryPolicy,
  SessionNotFoundError,
  type StreamEvent,
  staticCredentials,
  TokenProvider,
  type TokenSource,
  turnText,
  UpstreamError,
} from '../../lambda/agentforce/index.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { caught, instantRetry } from './helpers.js';

const INACTIVE_AGENT = '0XxSIM000000002CAI';
const EMPLOYEE_AGENT = '0XxSIM000000003CAI';
const UNKNOWN_AGENT = '0XxSIM000000009CAI';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    agents: [
      { id: '0XxSIM000000001CAI' },
      { id: INACTIVE_AGENT, state: 'inactive' },
      { id: EMPLOYEE_AGENT, kind: 'employee' },
    ],
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.configure({
    latencyMs: 0,
    tokenTtlSeconds: 1800,
    sequenceIdMode: 'lenient',
    unauthorizedStyle: 'empty-404',
    maxLiveSessions: Number.POSITIVE_INFINITY,
    streamTextChunks: true,
    streamShape: 'rich',
    escalateTargetShape: 'reference',
    tokenScope: 'sfap_api chatbot_api api',
    tokenEndpointDown: false,
    runAsUserDisabled: false,
  });
  sim.resetCounters();
});

interface Connection {
  readonly client: AgentforceClient;
  readonly tokens: TokenProvider;
  readonly sleeps: number[];
}

/** A token provider and client against the simulator; sleeps are instant unless `realSleep`. */
function connect(
  options: {
    myDomainUrl?: string;
    clientMyDomainUrl?: string;
    credentials?: { clientId: string; clientSecret: string };
    retry?: Partial<RetryPolicy>;
    realSleep?: boolean;
    fetch?: typeof fetch;
    tokens?: TokenSource;
    apiUrl?: string;
  } = {}
): Connection {
  const instant = instantRetry(options.retry);
  const retry = options.realSleep ? { random: () => 0.5, ...options.retry } : instant.retry;
  const tokens = new TokenProvider({
    myDomainUrl: options.myDomainUrl ?? sim.url,
    credentials: staticCredentials(options.credentials ?? sim.credentials),
    retry,
  });
  const client = new AgentforceClient({
    tokens: options.tokens ?? tokens,
    myDomainUrl: options.clientMyDomainUrl ?? sim.url,
    retry,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  return { client, tokens, sleeps: instant.sleeps };
}

async function openSession(client: AgentforceClient): Promise<string> {
  const { sessionId } = await client.startSession({ agentId: sim.agentId });
  return sessionId;
}

describe('Class: AgentforceClient (against the simulator)', () => {
  describe('Method: startSession', () => {
    it('returns a session id and the greeting', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const started = await client.startSession({ agentId: sim.agentId });

      // Assess
      expect(started.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(started.messages).toEqual([
        expect.objectContaining({ type: 'Inform', feedbackId: '' }),
      ]);
      expect(turnText(started.messages)).toContain('Agentforce simulator');
      expect(sim.counters.sessionsStarted).toBe(1);
    });

    it('starts a session with an employee agent when bypassUser is false', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const started = await client.startSession({ agentId: EMPLOYEE_AGENT, bypassUser: false });

      // Assess
      expect(started.sessionId).not.toBe('');
    });

    it('throws BypassUserRejectedError for an employee agent started with bypassUser true (400 Invalid user ID)', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const error = await caught(() => client.startSession({ agentId: EMPLOYEE_AGENT }));

      // Assess
      expect(error).toBeInstanceOf(BypassUserRejectedError);
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({
        status: 400,
        requestId: expect.any(String),
        agentId: EMPLOYEE_AGENT,
      });
      expect(error.message).toContain('bypassUser');
    });

    it('sends x-attributed-client: no-builder when asked for plain text, and the replies lose their markdown', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const { sessionId } = await client.startSession({ agentId: sim.agentId, plainText: true });
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'steps please' });

      // Assess
      expect(sim.counters.plainTextSessions).toBe(1);
      expect(turnText(turn.messages)).not.toContain('**');
    });

    it('does not send x-attributed-client by default, so markdown stays', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const { sessionId } = await client.startSession({ agentId: sim.agentId });
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'steps please' });

      // Assess
      expect(sim.counters.plainTextSessions).toBe(0);
      expect(turnText(turn.messages)).toContain('**Describe**');
    });

    it('sends start variables that the agent then reads', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const { sessionId } = await client.startSession({
        agentId: sim.agentId,
        variables: [{ name: '$Context.EndUserLanguage', type: 'Text', value: 'de' }],
      });
      const turn = await client.sendMessage({
        sessionId,
        sequenceId: 1,
        text: 'variables?',
        variables: [{ name: 'Tier', type: 'Number', value: 2 }],
      });

      // Assess
      expect(turnText(turn.messages)).toBe(
        'The variables I know: $Context.EndUserLanguage="de", Tier=2.'
      );
    });

    it('throws AgentNotFoundError for an unknown agent id (400 not a valid agent ID)', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const error = await caught(() => client.startSession({ agentId: UNKNOWN_AGENT }));

      // Assess
      expect(error).toBeInstanceOf(AgentNotFoundError);
      expect(error).toMatchObject({ agentId: UNKNOWN_AGENT, status: 400 });
    });

    it('throws AgentNotFoundError for an agent without an active version (404)', async () => {
      // Prepare
      const { client } = connect();

      // Act
      const error = await caught(() => client.startSession({ agentId: INACTIVE_AGENT }));

      // Assess
      expect(error).toBeInstanceOf(AgentNotFoundError);
      expect(error).toMatchObject({ status: 404 });
      expect(error.message).toContain('no active version');
    });

    it('throws BadRequestError advising to end sessions when the org refuses more (empty 400)', async () => {
      // Prepare
      const { client } = connect();
      sim.configure({ maxLiveSessions: sim.counters.liveSessions });

      // Act
      const error = await caught(() => client.startSession({ agentId: sim.agentId }));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 400 });
      expect(error.message).toContain('end sessions');
    });

    it('throws AgentforceConfigError when instanceConfig.endpoint is not the org (500 EngineConfigLookupException)', async () => {
      // Prepare
      const port = new URL(sim.url).port;
      const { client } = connect({ clientMyDomainUrl: `http://127.0.0.2:${port}` });

      // Act
      const error = await caught(() => client.startSession({ agentId: sim.agentId }));

      // Assess
      expect(error).toBeInstanceOf(AgentforceConfigError);
      expect(error).toMatchObject({ status: 500, setting: 'myDomainUrl' });
    });
  });

  describe('Method: sendMessage', () => {
    it.each([
      ['hello there', ['Inform']],
      ['please create a new account', ['Inquire']],
      ['book the table', ['Confirm']],
      ['this will fail', ['Failure']],
      ['I want a human', ['Inform', 'Escalate']],
      ['show me the steps', ['Inform', 'Inform', 'Inform']],
      ['trigger an internal error', ['Error']],
    ])('returns every typed message of the turn for %j', async (text, types) => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);

      // Act
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text });

      // Assess
      expect(turn.messages.map((message) => message.type)).toEqual(types);
      expect(turnText(turn.messages)).not.toBe('');
    });

    it('returns the Failure errors as the turn text', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);

      // Act
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'fail please' });

      // Assess
      const [failure] = turn.messages;
      expect(failure).toMatchObject({ type: 'Failure', message: '', code: 'ACTION_FAILED' });
      expect(turnText(turn.messages)).toBe(
        failure?.type === 'Failure' ? failure.errors.join('\n') : ''
      );
    });

    it('sends the caller-supplied sequence ids', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);

      // Act
      await client.sendMessage({ sessionId, sequenceId: 1, text: 'one' });
      await client.sendMessage({ sessionId, sequenceId: 2, text: 'two' });

      // Assess
      expect(sim.counters.sequenceIds.get(sessionId)).toEqual([1, 2]);
    });

    it('throws BadRequestError with Salesforce’s reason for a non-increasing sequence id (strict)', async () => {
      // Prepare
      sim.configure({ sequenceIdMode: 'strict' });
      const { client } = connect();
      const sessionId = await openSession(client);
      await client.sendMessage({ sessionId, sequenceId: 5, text: 'first' });

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 3, text: 'second' })
      );

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toContain('Invalid sequenceId 3');
    });

    it('fetches the token once and reuses it across calls', async () => {
      // Prepare
      const { client, tokens } = connect();

      // Act
      const sessionId = await openSession(client);
      await client.sendMessage({ sessionId, sequenceId: 1, text: 'a' });
      await client.sendMessage({ sessionId, sequenceId: 2, text: 'b' });
      await client.endSession({ sessionId });

      // Assess
      expect(sim.counters.tokenRequests).toBe(1);
      expect(tokens.stats.tokenFetches).toBe(1);
    });

    it('refreshes the token once and retries once after expireAllTokens (401)', async () => {
      // Prepare
      const { client, tokens } = connect();
      const sessionId = await openSession(client);
      sim.expireAllTokens();

      // Act
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'still there?' });

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(sim.counters.tokenRequests).toBe(2);
      expect(sim.counters.messagesReceived).toBe(2);
      expect(tokens.stats.tokenFetches).toBe(2);
    });

    it('refreshes the token shortly before its JWT exp, before the Agent API rejects it', async () => {
      // Prepare
      let skewMs = 0;
      const tokens = new TokenProvider({
        myDomainUrl: sim.url,
        credentials: staticCredentials(sim.credentials),
        now: () => Date.now() + skewMs,
      });
      const { client } = connect({ tokens });
      const sessionId = await openSession(client);
      skewMs = 30 * 60_000 - 59_000;

      // Act
      await client.sendMessage({ sessionId, sequenceId: 1, text: 'later' });

      // Assess
      expect(sim.counters.tokenRequests).toBe(2);
      expect(sim.counters.messagesReceived).toBe(1);
    });

    it('throws SessionNotFoundError after expireSession (404 NotFoundException)', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.expireSession(sessionId);

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(SessionNotFoundError);
      expect(error).toMatchObject({ sessionId, status: 404, requestId: expect.any(String) });
      expect(sim.counters.tokenRequests).toBe(1);
    });

    it('throws SessionNotFoundError for a session that idled out', async () => {
      // Prepare
      sim.configure({ idleSessionExpiryMs: 50 });
      const { client } = connect();
      const sessionId = await openSession(client);
      await new Promise((resolve) => setTimeout(resolve, 80));

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );
      sim.configure({ idleSessionExpiryMs: 600_000 });

      // Assess
      expect(error).toBeInstanceOf(SessionNotFoundError);
    });

    it('waits briefly on 423 and returns the turn once the other request finished', async () => {
      // Prepare
      sim.configure({ latencyMs: 150 });
      const { client } = connect({ realSleep: true, retry: { busyDelayMs: 100, busyAttempts: 6 } });
      const sessionId = await openSession(client);

      // Act
      const [first, second] = await Promise.all([
        client.sendMessage({ sessionId, sequenceId: 1, text: 'first' }),
        new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
          client.sendMessage({ sessionId, sequenceId: 2, text: 'second' })
        ),
      ]);

      // Assess
      expect(first.messages).toHaveLength(1);
      expect(second.messages).toHaveLength(1);
      expect(sim.counters.refusedBusy).toBeGreaterThanOrEqual(1);
    });

    it('throws AgentSessionLockedError when the session stays locked (423)', async () => {
      // Prepare
      sim.configure({ latencyMs: 400 });
      const { client } = connect({ realSleep: true, retry: { busyDelayMs: 40, busyAttempts: 3 } });
      const sessionId = await openSession(client);
      const first = client.sendMessage({ sessionId, sequenceId: 1, text: 'long one' });
      await new Promise((resolve) => setTimeout(resolve, 20));

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 2, text: 'overlap' })
      );

      // Assess
      expect(error).toBeInstanceOf(AgentSessionLockedError);
      expect(error).toMatchObject({ sessionId, status: 423 });
      expect(sim.counters.refusedBusy).toBe(3);
      await first;
    });

    it('retries a 429 after its Retry-After and returns the turn', async () => {
      // Prepare
      const { client, sleeps } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'message', status: 429, times: 1, retryAfterSeconds: 1 });

      // Act
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' });

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(sleeps).toEqual([1_050]);
      expect(sim.counters.messagesReceived).toBe(2);
    });

    it('throws RateLimitedError when 429 outlasts the retry budget', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'message', status: 429, times: 10, retryAfterSeconds: 1 });

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({ status: 429, retryAfterMs: 1_000 });
      expect(sim.counters.messagesReceived).toBe(3);
    });

    it('retries a 503 and returns the turn', async () => {
      // Prepare
      const { client, sleeps } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'message', status: 503, times: 2 });

      // Act
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' });

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(sleeps).toHaveLength(2);
    });

    it('throws an UpstreamError when 503 outlasts the retry budget', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'any-api', status: 503, times: 10 });

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 503 });
      expect(sim.counters.messagesReceived).toBe(3);
    });

    it('throws DeadlineExceededError instead of waiting for a Retry-After past the deadline', async () => {
      // Prepare
      const { client } = connect({ realSleep: true });
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'message', status: 429, times: 1, retryAfterSeconds: 3 });
      const started = Date.now();

      // Act
      const error = await caught(() =>
        client.sendMessage({
          sessionId,
          sequenceId: 1,
          text: 'hi',
          signal: AbortSignal.timeout(200),
        })
      );

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('throws UpstreamError without retrying a 500', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'message', status: 500, times: 1 });

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 500 });
      expect(sim.counters.messagesReceived).toBe(1);
    });

    it('throws UpstreamError without retrying when the connection drops', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'message', status: 'network', times: 1 });

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(sim.counters.messagesReceived).toBe(1);
    });

    it('throws DeadlineExceededError promptly when the deadline is shorter than the turn', async () => {
      // Prepare
      sim.configure({ latencyMs: 300 });
      const { client } = connect();
      const sessionId = await openSession(client);
      const started = Date.now();

      // Act
      const error = await caught(() =>
        client.sendMessage({
          sessionId,
          sequenceId: 1,
          text: 'a slow question',
          signal: AbortSignal.timeout(150),
        })
      );

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(Date.now() - started).toBeLessThan(700);
    });

    it('throws MalformedResponseError when the response body is corrupted in transit', async () => {
      // Prepare
      const corrupting: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('/messages')) return response;
        const body = (await response.json()) as { messages: Array<Record<string, unknown>> };
        for (const message of body.messages) message.message = 42;
        return new Response(JSON.stringify(body), {
          status: response.status,
          headers: response.headers,
        });
      };
      const { client } = connect({ fetch: corrupting });
      const sessionId = await openSession(client);

      // Act
      const error = await caught(() =>
        client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error).toMatchObject({ status: 200, requestId: expect.any(String) });
    });
  });

  describe('Method: streamMessage', () => {
    async function streamTurn(text: string, client = connect().client) {
      const sessionId = await openSession(client);
      const events: StreamEvent[] = [];
      const turn = await client.streamMessage({
        sessionId,
        sequenceId: 1,
        text,
        onEvent: (event) => {
          events.push(event);
        },
      });
      return { turn, events };
    }

    it('returns the INFORM text and reports progress, chunks and the end of the turn', async () => {
      // Act
      const { turn, events } = await streamTurn('what is my order status');

      // Assess
      expect(turn.messages.map((message) => message.type)).toEqual(['Inform']);
      const types = events.map((event) => event.type);
      expect(types[0]).toBe('progress');
      expect(types).toContain('text-chunk');
      expect(types.at(-1)).toBe('end-of-turn');
      const chunks = events.flatMap((event) => (event.type === 'text-chunk' ? [event.text] : []));
      expect(chunks.join('')).toBe(turnText(turn.messages));
    });

    it('returns the INFORM when the stream sends only INFORM then END_OF_TURN (the recorded shape)', async () => {
      // Prepare
      sim.configure({ streamShape: 'inform-only' });

      // Act
      const { turn, events } = await streamTurn('hello');

      // Assess
      expect(turn.messages.map((message) => message.type)).toEqual(['Inform']);
      expect(events.map((event) => event.type)).toEqual(['message', 'end-of-turn']);
    });

    it('returns an Error message, not a malformed-response failure, for an ERROR event with empty data', async () => {
      // Act
      const { turn, events } = await streamTurn('empty error');

      // Assess
      expect(turn.messages).toEqual([
        expect.objectContaining({ type: 'Error', error: 'EmptyErrorEvent' }),
      ]);
      expect(turnText(turn.messages)).toMatch(/error without details/);
      expect(events.at(-1)?.type).toBe('end-of-turn');
    });

    it('keeps MuleSoft-shaped Escalate targets whole', async () => {
      // Prepare
      sim.configure({ escalateTargetShape: 'mulesoft' });

      // Act
      const { turn } = await streamTurn('a human please');

      // Assess
      const escalate = turn.messages.find((message) => message.type === 'Escalate');
      expect(escalate).toMatchObject({
        targets: [{ id: expect.any(String), type: 'Flow', label: expect.any(String) }],
      });
    });

    it('returns the INFORM text when the stream carries no chunks', async () => {
      // Prepare
      sim.configure({ streamTextChunks: false });

      // Act
      const { turn, events } = await streamTurn('hello');

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(events.some((event) => event.type === 'text-chunk')).toBe(false);
      expect(turnText(turn.messages)).not.toBe('');
    });

    it('returns the final text, not the withdrawn draft, after a validation-failure chunk', async () => {
      // Act
      const { turn, events } = await streamTurn('validation check');

      // Assess
      const failureAt = events.findIndex((event) => event.type === 'validation-failure');
      expect(failureAt).toBeGreaterThan(0);
      const draft = events
        .slice(0, failureAt)
        .flatMap((event) => (event.type === 'text-chunk' ? [event.text] : []))
        .join('');
      expect(turnText(turn.messages)).not.toContain(draft);
    });

    it('returns every message of a multi-message streamed turn', async () => {
      // Act
      const { turn } = await streamTurn('escalate to a human');

      // Assess
      expect(turn.messages.map((message) => message.type)).toEqual(['Inform', 'Escalate']);
    });

    it('refreshes the token once and retries once after expireAllTokens (401)', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.expireAllTokens();

      // Act
      const turn = await client.streamMessage({ sessionId, sequenceId: 1, text: 'hi' });

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(sim.counters.tokenRequests).toBe(2);
    });

    it('throws SessionNotFoundError for an expired session', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.expireSession(sessionId);

      // Act
      const error = await caught(() =>
        client.streamMessage({ sessionId, sequenceId: 1, text: 'hi' })
      );

      // Assess
      expect(error).toBeInstanceOf(SessionNotFoundError);
    });

    it('retries a 503 on the stream route and returns the turn', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      sim.injectFault({ route: 'stream', status: 503, times: 1 });

      // Act
      const turn = await client.streamMessage({ sessionId, sequenceId: 1, text: 'hi' });

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(sim.counters.messagesReceived).toBe(2);
    });

    it('throws DeadlineExceededError promptly when the deadline fires mid-stream', async () => {
      // Prepare
      sim.configure({ latencyMs: 600 });
      const { client } = connect();
      const sessionId = await openSession(client);
      const events: StreamEvent[] = [];
      const started = Date.now();

      // Act
      const error = await caught(() =>
        client.streamMessage({
          sessionId,
          sequenceId: 1,
          text: 'hi',
          signal: AbortSignal.timeout(300),
          onEvent: (event) => {
            events.push(event);
          },
        })
      );

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(events.map((event) => event.type)).toEqual(['progress']);
      expect(Date.now() - started).toBeLessThan(800);
    });
  });

  describe('Method: endSession', () => {
    it('ends the session and returns SessionEnded', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);

      // Act
      const messages = await client.endSession({ sessionId });

      // Assess
      expect(messages).toEqual([
        expect.objectContaining({ type: 'SessionEnded', reason: 'ClientRequest' }),
      ]);
      expect(sim.counters.sessionsEnded).toBe(1);
    });

    it('throws SessionNotFoundError when ending or using an ended session', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      await client.endSession({ sessionId, reason: 'Other' });

      // Act
      const errors = [
        await caught(() => client.endSession({ sessionId })),
        await caught(() => client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' })),
      ];

      // Assess
      expect(errors.map((error) => error.name)).toEqual([
        'SessionNotFoundError',
        'SessionNotFoundError',
      ]);
    });
  });

  describe('Method: submitFeedback', () => {
    it('submits feedback on a turn (201)', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);
      const turn = await client.sendMessage({ sessionId, sequenceId: 1, text: 'hi' });
      const [answer] = turn.messages;
      const feedbackId = answer?.type === 'Inform' ? answer.feedbackId : undefined;

      // Act
      await client.submitFeedback({
        sessionId,
        feedbackId: feedbackId ?? 'missing',
        feedback: 'GOOD',
        text: 'Helpful',
      });

      // Assess
      expect(sim.counters.feedbackReceived).toBe(1);
    });

    it('throws BadRequestError for a feedback id the session never issued', async () => {
      // Prepare
      const { client } = connect();
      const sessionId = await openSession(client);

      // Act
      const error = await caught(() =>
        client.submitFeedback({ sessionId, feedbackId: 'not-a-feedback-id', feedback: 'BAD' })
      );

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 404 });
    });
  });

  describe('Token not accepted by the Agent API', () => {
    let other: Simulator;

    beforeAll(async () => {
      other = await startSimulator();
    });

    afterAll(async () => {
      await other.close();
    });

    /**
     * Tokens from another org, which this simulator cannot verify. Their `api_instance_url` names
     * the other simulator, so the client pins `apiUrl` to this one (the explicit setting wins).
     */
    function foreignTokens(): TokenProvider {
      return new TokenProvider({
        myDomainUrl: other.url,
        credentials: staticCredentials(other.credentials),
      });
    }

    it('throws AgentforceAuthError naming the likely causes after an empty 404, retried once', async () => {
      // Prepare
      const tokens = foreignTokens();
      const { client } = connect({ tokens, apiUrl: sim.url });

      // Act
      const error = await caught(() => client.startSession({ agentId: sim.agentId }));

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason: 'token-rejected', status: 404 });
      expect(error.message).toContain('chatbot_api');
      expect(tokens.stats.tokenFetches).toBe(2);
      expect(sim.counters.sessionsStarted).toBe(0);
    });

    it('throws AgentforceAuthError after a 401, retried once with a new token', async () => {
      // Prepare
      sim.configure({ unauthorizedStyle: 'json-401' });
      const tokens = foreignTokens();
      const { client } = connect({ tokens, apiUrl: sim.url });

      // Act
      const error = await caught(() => client.startSession({ agentId: sim.agentId }));

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason: 'token-rejected', status: 401 });
      expect(tokens.stats.tokenFetches).toBe(2);
    });

    it('returns the session when the refreshed token is accepted after an empty 404', async () => {
      // Prepare
      const stale = foreignTokens();
      const fresh = connect().tokens;
      let useFresh = false;
      const tokens: TokenSource = {
        getToken: (signal) => (useFresh ? fresh : stale).getToken(signal),
        invalidate: (token) => {
          useFresh = true;
          stale.invalidate(token);
        },
      };
      const { client } = connect({ tokens, apiUrl: sim.url });

      // Act
      const started = await client.startSession({ agentId: sim.agentId });

      // Assess
      expect(started.sessionId).not.toBe('');
      expect(fresh.stats.tokenFetches).toBe(1);
    });
  });
});

describe('Class: TokenProvider (against the simulator)', () => {
  describe('Method: getToken', () => {
    it('returns a token whose URLs name the simulator and caches it', async () => {
      // Prepare
      const { tokens } = connect();

      // Act
      const first = await tokens.getToken();
      const second = await tokens.getToken();

      // Assess
      expect(first).toBe(second);
      expect(first).toMatchObject({ instanceUrl: sim.url, apiInstanceUrl: sim.url });
      expect(first.expiresAt).toBeGreaterThan(Date.now() + 29 * 60_000);
      expect(sim.counters.tokenRequests).toBe(1);
    });

    it('returns the granted scopes of the token response', async () => {
      // Prepare
      const { tokens } = connect();

      // Act
      const token = await tokens.getToken();

      // Assess
      expect(token.scopes).toEqual(['sfap_api', 'chatbot_api', 'api']);
    });

    it('throws AgentforceAuthError naming the missing scopes when the token lacks Agent API scopes', async () => {
      // Prepare
      sim.configure({ tokenScope: 'api refresh_token' });
      const { tokens } = connect();

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason: 'missing-scopes', status: 200 });
      expect(error.message).toContain('chatbot_api, sfap_api');
      expect(error.message).toContain('OAuth Scopes');
      expect(sim.counters.tokenRequests).toBe(1);
    });

    it('returns a token whose response names no scope, leaving the check to the Agent API', async () => {
      // Prepare
      sim.configure({ tokenScope: null });
      const { tokens, client } = connect();

      // Act
      const token = await tokens.getToken();
      const started = await client.startSession({ agentId: sim.agentId });

      // Assess
      expect(token.scopes).toBeUndefined();
      expect(started.sessionId).not.toBe('');
    });

    it('shares one token request between concurrent callers', async () => {
      // Prepare
      const { tokens } = connect();

      // Act
      await Promise.all(Array.from({ length: 8 }, () => tokens.getToken()));

      // Assess
      expect(sim.counters.tokenRequests).toBe(1);
    });

    it.each([
      [
        'an unknown client id',
        () => ({ clientId: 'nope', clientSecret: sim.credentials.clientSecret }),
        'unknown-client',
      ],
      [
        'a wrong client secret',
        () => ({ clientId: sim.credentials.clientId, clientSecret: 'wrong-secret-xyz' }),
        'wrong-secret',
      ],
    ])('throws AgentforceAuthError for %s', async (_case, credentials, reason) => {
      // Prepare
      const { tokens } = connect({ credentials: credentials() });

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason, status: 400 });
      expect(error.message).not.toContain('wrong-secret-xyz');
      expect(error.message).not.toContain(sim.credentials.clientSecret);
    });

    it('throws AgentforceAuthError (no-run-as-user) when the app has no Run As user', async () => {
      // Prepare
      sim.configure({ runAsUserDisabled: true });
      const { tokens } = connect();

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toMatchObject({ name: 'AgentforceAuthError', reason: 'no-run-as-user' });
      expect(error.message).toContain('Run As user');
    });

    it('throws AgentforceAuthError (wrong-domain) when the host is not the My Domain', async () => {
      // Prepare
      const port = new URL(sim.url).port;
      const { tokens } = connect({ myDomainUrl: `http://localhost:${port}` });

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toMatchObject({ name: 'AgentforceAuthError', reason: 'wrong-domain' });
      expect(error.message).toContain('request not supported on this domain');
    });

    it('retries a token endpoint that is down, then throws an UpstreamError', async () => {
      // Prepare
      sim.configure({ tokenEndpointDown: true });
      const { tokens, sleeps } = connect();

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 503 });
      expect(sim.counters.tokenRequests).toBe(3);
      expect(sleeps).toHaveLength(2);
    });

    it.each([
      [429, 1],
      [500, undefined],
      ['network', undefined],
    ] as const)(
      'retries a %s from the token endpoint and returns the token',
      async (status, retryAfterSeconds) => {
        // Prepare
        const { tokens } = connect();
        sim.injectFault({
          route: 'token',
          status,
          times: 1,
          ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
        });

        // Act
        const token = await tokens.getToken();

        // Assess
        expect(token.accessToken).not.toBe('');
        expect(sim.counters.tokenRequests).toBe(2);
        expect(sim.counters.tokensIssued).toBe(1);
      }
    );
  });
});
