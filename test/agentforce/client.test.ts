import { describe, expect, it } from 'vitest';
import {
  AgentforceAuthError,
  AgentforceClient,
  AgentforceConfigError,
  AgentNotFoundError,
  AgentSessionLockedError,
  BadRequestError,
  DeadlineExceededError,
  MalformedResponseError,
  RateLimitedError,
  type RetryPolicy,
  SessionNotFoundError,
  type StreamEvent,
  staticCredentials,
  TokenProvider,
  UpstreamError,
} from '../../lambda/agentforce/index.js';
import {
  caught,
  empty,
  type FakeHandler,
  fakeFetch,
  instantRetry,
  json,
  makeJwt,
  type SeenRequest,
  sseEvent,
  sseResponse,
  tokenBody,
} from './helpers.js';

const AGENT_ID = '0XxSB000000IPCr0AO';
const SESSION_ID = '019d0aac-dcd0-7368-936c-106bffe75e84';
const USER_TEXT = 'my confidential question about invoice 4711';
const API = 'https://api.salesforce.com/einstein/ai-agent/v1';

const inform = (message: string, extra: Record<string, unknown> = {}) => ({
  type: 'Inform',
  id: 'm-1',
  feedbackId: 'fb-1',
  planId: 'fb-1',
  isContentSafe: true,
  message,
  result: [],
  citedReferences: [],
  ...extra,
});

const notFoundEnvelope = {
  status: 404,
  path: `v6.0.0/sessions/${SESSION_ID}/messages`,
  mode: 'unknown',
  requestId: 'body-req',
  error: 'NotFoundException',
  message: `V6Session not found for sessionId: ${SESSION_ID}`,
  timestamp: 1,
  expected: true,
};

interface Setup {
  readonly client: AgentforceClient;
  readonly tokens: TokenProvider;
  readonly api: SeenRequest[];
  readonly tokenCalls: SeenRequest[];
  readonly sleeps: number[];
  readonly issued: string[];
}

/**
 * A client wired to a fake Salesforce: token requests get a fresh JWT each time, Agent API
 * requests go to `handler`.
 */
function setup(
  handler: FakeHandler,
  options: { apiUrl?: string; retry?: Partial<RetryPolicy>; token?: Record<string, unknown> } = {}
): Setup {
  const api: SeenRequest[] = [];
  const tokenCalls: SeenRequest[] = [];
  const issued: string[] = [];
  const fake = fakeFetch((request) => {
    if (request.url.pathname === '/services/oauth2/token') {
      tokenCalls.push(request);
      const accessToken = makeJwt({ exp: Math.floor(Date.now() / 1000) + 1800, n: issued.length });
      issued.push(accessToken);
      return json(200, tokenBody({ access_token: accessToken, ...options.token }));
    }
    api.push(request);
    return handler(request, api.length - 1);
  });
  const { retry, sleeps } = instantRetry(options.retry);
  const tokens = new TokenProvider({
    myDomainUrl: 'https://acme.my.salesforce.com/',
    credentials: staticCredentials({ clientId: 'id', clientSecret: 'secret-value' }),
    fetch: fake.fetch,
  });
  const client = new AgentforceClient({
    tokens,
    myDomainUrl: 'acme.my.salesforce.com',
    fetch: fake.fetch,
    retry,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  return { client, tokens, api, tokenCalls, sleeps, issued };
}

/** Answers from a list, repeating the last answer. */
function sequence(...answers: Array<() => Response>): FakeHandler {
  return (_request, index) => {
    const answer = answers[Math.min(index, answers.length - 1)];
    if (!answer) throw new Error('no answer configured');
    return answer();
  };
}

const send = (client: AgentforceClient, signal?: AbortSignal) =>
  client.sendMessage({
    sessionId: SESSION_ID,
    sequenceId: 7,
    text: USER_TEXT,
    ...(signal ? { signal } : {}),
  });

function expectSafe(error: Error, issued: readonly string[]): void {
  expect(error.message).not.toContain(USER_TEXT);
  expect(error.message).not.toContain('secret-value');
  for (const token of issued) expect(error.message).not.toContain(token);
}

describe('Class: AgentforceClient', () => {
  describe('Method: constructor', () => {
    it('throws AgentforceConfigError for an http API URL on a non-loopback host', () => {
      // Prepare
      const tokens = new TokenProvider({
        myDomainUrl: 'acme.my.salesforce.com',
        credentials: staticCredentials({ clientId: 'a', clientSecret: 'b' }),
      });

      // Act
      const create = () =>
        new AgentforceClient({
          tokens,
          myDomainUrl: 'acme.my.salesforce.com',
          apiUrl: 'http://x.io',
        });

      // Assess
      expect(create).toThrow(AgentforceConfigError);
    });
  });

  describe('Method: startSession', () => {
    it('posts the documented start body with a random key and the normalised My Domain', async () => {
      // Prepare
      const { client, api } = setup(() => json(200, { sessionId: SESSION_ID, messages: [] }));

      // Act
      await client.startSession({ agentId: AGENT_ID });
      await client.startSession({
        agentId: AGENT_ID,
        bypassUser: false,
        variables: [{ name: '$Context.EndUserLanguage', type: 'Text', value: 'en_US' }],
      });

      // Assess
      const [first, second] = api;
      expect(first?.method).toBe('POST');
      expect(first?.url.href).toBe(`${API}/agents/${AGENT_ID}/sessions`);
      expect(first?.headers.get('content-type')).toBe('application/json');
      expect(first?.headers.get('authorization')).toMatch(/^Bearer ey/);
      const body = JSON.parse(first?.body ?? '');
      expect(body).toEqual({
        externalSessionKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
        instanceConfig: { endpoint: 'https://acme.my.salesforce.com' },
        streamingCapabilities: { chunkTypes: ['Text'] },
        bypassUser: true,
      });
      const secondBody = JSON.parse(second?.body ?? '');
      expect(secondBody.bypassUser).toBe(false);
      expect(secondBody.variables).toEqual([
        { name: '$Context.EndUserLanguage', type: 'Text', value: 'en_US' },
      ]);
      expect(secondBody.externalSessionKey).not.toBe(body.externalSessionKey);
    });

    it('returns the session id and the typed greeting', async () => {
      // Prepare
      const { client } = setup(() =>
        json(200, {
          sessionId: SESSION_ID,
          _links: { self: null },
          messages: [inform('Hi, how can I help?', { feedbackId: '', planId: '' })],
        })
      );

      // Act
      const started = await client.startSession({ agentId: AGENT_ID });

      // Assess
      expect(started.sessionId).toBe(SESSION_ID);
      expect(started.messages).toEqual([
        expect.objectContaining({ type: 'Inform', message: 'Hi, how can I help?', feedbackId: '' }),
      ]);
    });

    it('sends requests to the apiUrl option over the token api_instance_url', async () => {
      // Prepare
      const { client, api } = setup(() => json(200, { sessionId: SESSION_ID }), {
        apiUrl: 'https://api.gov.salesforce.com/',
        token: { api_instance_url: 'https://test.api.salesforce.com' },
      });

      // Act
      await client.startSession({ agentId: AGENT_ID });

      // Assess
      expect(api[0]?.url.origin).toBe('https://api.gov.salesforce.com');
    });

    it('sends requests to the token api_instance_url when no apiUrl is set', async () => {
      // Prepare
      const { client, api } = setup(() => json(200, { sessionId: SESSION_ID }), {
        token: { api_instance_url: 'https://test.api.salesforce.com' },
      });

      // Act
      await client.startSession({ agentId: AGENT_ID });

      // Assess
      expect(api[0]?.url.origin).toBe('https://test.api.salesforce.com');
    });

    it('sends requests to api.salesforce.com when neither names a host', async () => {
      // Prepare
      const { client, api } = setup(() => json(200, { sessionId: SESSION_ID }), {
        token: { api_instance_url: undefined },
      });

      // Act
      await client.startSession({ agentId: AGENT_ID });

      // Assess
      expect(api[0]?.url.origin).toBe('https://api.salesforce.com');
    });

    it('throws AgentNotFoundError for a 400 "not a valid agent ID"', async () => {
      // Prepare
      const { client } = setup(() =>
        json(400, {
          status: 400,
          error: 'BadRequestException',
          message: `${AGENT_ID} is not a valid agent ID`,
        })
      );

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(AgentNotFoundError);
      expect(error).toMatchObject({ agentId: AGENT_ID, status: 400, requestId: 'req-1' });
    });

    it('throws AgentNotFoundError for a 404 "No valid version available"', async () => {
      // Prepare
      const { client } = setup(() =>
        json(404, {
          status: 404,
          error: 'HttpClientErrorException',
          message: '404 [{"errorCode":"NOT_FOUND","message":"No valid version available"}]',
        })
      );

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(AgentNotFoundError);
      expect(error.message).toContain('no active version');
    });

    it('throws BadRequestError advising bypassUser false for "Invalid user ID"', async () => {
      // Prepare
      const { client } = setup(() => json(400, { status: 400, message: 'Invalid user ID' }));

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toContain('bypassUser set to false');
    });

    it('throws BadRequestError advising to end sessions for an empty 400', async () => {
      // Prepare
      const { client } = setup(() => empty(400));

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toContain('end sessions');
    });

    it('throws AgentforceConfigError for a 500 EngineConfigLookupException', async () => {
      // Prepare
      const { client, api } = setup(() =>
        json(500, { status: 500, error: 'EngineConfigLookupException', message: 'lookup failed' })
      );

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(AgentforceConfigError);
      expect(error).toMatchObject({ setting: 'myDomainUrl', status: 500 });
      expect(api).toHaveLength(1);
    });

    it('throws UpstreamError hinting at the agent id for a 500 HttpServerErrorException', async () => {
      // Prepare
      const { client } = setup(() =>
        json(500, {
          status: 500,
          error: 'HttpServerErrorException',
          message:
            '500 [{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]',
        })
      );

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toContain('agent id');
    });

    it('throws MalformedResponseError for a 200 without a sessionId', async () => {
      // Prepare
      const { client } = setup(() => json(200, { messages: [] }));

      // Act
      const error = await caught(() => client.startSession({ agentId: AGENT_ID }));

      // Assess
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect((error as MalformedResponseError).issues).toEqual(['sessionId: invalid_type']);
    });
  });

  describe('Method: sendMessage', () => {
    it('posts the text message with its sequenceId to the session', async () => {
      // Prepare
      const { client, api } = setup(() => json(200, { messages: [inform('ok')] }));

      // Act
      await client.sendMessage({
        sessionId: SESSION_ID,
        sequenceId: 1753966805123,
        text: 'Hello',
        variables: [{ name: 'lang', type: 'Text', value: 'fr' }],
      });

      // Assess
      expect(api[0]?.url.href).toBe(`${API}/sessions/${SESSION_ID}/messages`);
      expect(api[0]?.headers.get('accept')).toBe('application/json');
      expect(JSON.parse(api[0]?.body ?? '')).toEqual({
        message: { sequenceId: 1753966805123, type: 'Text', text: 'Hello' },
        variables: [{ name: 'lang', type: 'Text', value: 'fr' }],
      });
    });

    it('returns every message of the turn, typed, with unknown types preserved', async () => {
      // Prepare
      const { client } = setup(() =>
        json(200, {
          messages: [
            inform('Let me get someone for you.'),
            {
              type: 'Escalate',
              id: 'e',
              targets: [{ type: 'Salesforce:Core:Queue:Id', value: '00G' }],
            },
            {
              type: 'Failure',
              code: 'ACTION_FAILED',
              errors: ['A system error occurred.'],
              message: '',
            },
            { type: 'Hologram', id: 'h', message: 'from the future', extra: { a: 1 } },
          ],
          _links: {},
        })
      );

      // Act
      const turn = await send(client);

      // Assess
      expect(turn.messages.map((message) => message.type)).toEqual([
        'Inform',
        'Escalate',
        'Failure',
        'Unknown',
      ]);
      expect(turn.messages[2]).toMatchObject({ errors: ['A system error occurred.'] });
      expect(turn.messages[3]).toEqual({
        type: 'Unknown',
        originalType: 'Hologram',
        id: 'h',
        data: { message: 'from the future', extra: { a: 1 } },
      });
    });

    it.each([
      [
        'a non-JSON body',
        () => new Response('<html>oops</html>', { status: 200, headers: { 'x-request-id': 'r' } }),
      ],
      ['a body without messages', () => json(200, { message: 'hi' })],
      [
        'an Inform whose message is a number',
        () => json(200, { messages: [{ type: 'Inform', message: 42 }] }),
      ],
      ['a message without a type', () => json(200, { messages: [{ message: 'x' }] })],
    ])('throws MalformedResponseError for %s', async (_case, answer) => {
      // Prepare
      const { client } = setup(answer);

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error).toMatchObject({ status: 200, requestId: expect.any(String) });
    });

    it('refreshes the token once and retries once after a 401', async () => {
      // Prepare
      const { client, api, tokenCalls, issued } = setup(
        sequence(
          () => json(401, { message: 'expired' }),
          () => json(200, { messages: [inform('ok')] })
        )
      );

      // Act
      const turn = await send(client);

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(tokenCalls).toHaveLength(2);
      expect(api.map((request) => request.headers.get('authorization'))).toEqual(
        issued.map((token) => `Bearer ${token}`)
      );
    });

    it('throws AgentforceAuthError (token-rejected) when the new token gets 401 too', async () => {
      // Prepare
      const { client, api, tokenCalls, issued } = setup(() =>
        json(401, { message: 'Connected app is not attached to Agent' })
      );

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason: 'token-rejected', status: 401 });
      expect(error.message).toContain('Connected app is not attached to Agent');
      expect(api).toHaveLength(2);
      expect(tokenCalls).toHaveLength(2);
      expectSafe(error, issued);
    });

    it('refreshes the token once and retries once after an empty 404', async () => {
      // Prepare
      const { client, api, tokenCalls } = setup(
        sequence(
          () => empty(404),
          () => json(200, { messages: [inform('ok')] })
        )
      );

      // Act
      await send(client);

      // Assess
      expect(api).toHaveLength(2);
      expect(tokenCalls).toHaveLength(2);
    });

    it('throws AgentforceAuthError naming the likely causes when the empty 404 persists', async () => {
      // Prepare
      const { client, api } = setup(() => empty(404));

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason: 'token-rejected', status: 404 });
      expect(error.message).toContain('chatbot_api');
      expect(error.message).toContain('agent id');
      expect(error.message).toContain('https://api.salesforce.com');
      expect(api).toHaveLength(2);
    });

    it('throws SessionNotFoundError for a 404 NotFoundException without refreshing the token', async () => {
      // Prepare
      const { client, tokenCalls } = setup(() =>
        json(404, notFoundEnvelope, { 'x-request-id': 'hdr' })
      );

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(SessionNotFoundError);
      expect(error).toMatchObject({ sessionId: SESSION_ID, status: 404, requestId: 'hdr' });
      expect(tokenCalls).toHaveLength(1);
    });

    it('waits briefly on 423 and returns the turn once the session is free', async () => {
      // Prepare
      const { client, api, sleeps } = setup(
        sequence(
          () => empty(423),
          () => empty(423),
          () => json(200, { messages: [inform('ok')] })
        )
      );

      // Act
      await send(client);

      // Assess
      expect(api).toHaveLength(3);
      expect(sleeps).toEqual([300, 300]);
    });

    it('throws AgentSessionLockedError when the session stays locked', async () => {
      // Prepare
      const { client, api } = setup(() =>
        json(423, { status: 423, message: 'Session Already Locked Exception' })
      );

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(AgentSessionLockedError);
      expect(error).toMatchObject({ sessionId: SESSION_ID, status: 423 });
      expect(api).toHaveLength(4);
    });

    it('waits for Retry-After on 429 and returns the turn', async () => {
      // Prepare
      const { client, sleeps } = setup(
        sequence(
          () => empty(429, { 'retry-after': '2' }),
          () => json(200, { messages: [inform('ok')] })
        )
      );

      // Act
      await send(client);

      // Assess
      expect(sleeps).toEqual([2_100]);
    });

    it('throws RateLimitedError with retryAfterMs when 429 persists', async () => {
      // Prepare
      const { client, api, sleeps } = setup(() => empty(429, { 'retry-after': '1' }));

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({ retryAfterMs: 1_000, status: 429 });
      expect(api).toHaveLength(3);
      expect(sleeps).toEqual([1_050, 1_050]);
    });

    it('throws RateLimitedError at once when Retry-After is longer than the policy allows', async () => {
      // Prepare
      const { client, api } = setup(() => empty(429, { 'retry-after': '3600' }));

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 3_600_000 });
      expect(api).toHaveLength(1);
    });

    it('retries 503 with jittered backoff, then throws an UpstreamError', async () => {
      // Prepare
      const { client, api, sleeps } = setup(() => empty(503));

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 503 });
      expect(api).toHaveLength(3);
      expect(sleeps).toEqual([188, 375]);
    });

    it.each([
      [500, 'UpstreamError'],
      [502, 'UpstreamError'],
      [422, 'UpstreamError'],
      [403, 'AgentforceAuthError'],
    ])('throws without retrying for HTTP %s', async (status, name) => {
      // Prepare
      const { client, api } = setup(() => json(status, { status, message: 'nope' }));

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error.name).toBe(name);
      expect(error).toMatchObject({ status });
      expect(api).toHaveLength(1);
    });

    it('throws BadRequestError with the Salesforce message of a 400', async () => {
      // Prepare
      const { client } = setup(() =>
        json(400, { status: 400, message: 'Invalid sequenceId 7: must be greater than 9' })
      );

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toContain('Invalid sequenceId 7: must be greater than 9');
    });

    it('throws BadRequestError without a Salesforce message that echoes the user text', async () => {
      // Prepare
      const { client, issued } = setup(() =>
        json(400, { status: 400, message: `Cannot process "${USER_TEXT}"` })
      );

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expectSafe(error, issued);
    });

    it('throws UpstreamError without retrying when the connection breaks', async () => {
      // Prepare
      const { client, api } = setup(() => {
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      });

      // Act
      const error = await caught(() => send(client));

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toContain('ECONNRESET');
      expect(api).toHaveLength(1);
    });

    it('throws DeadlineExceededError promptly when the signal fires during the request', async () => {
      // Prepare
      const { client } = setup(() => new Promise<Response>(() => undefined));
      const started = Date.now();

      // Act
      const error = await caught(() => send(client, AbortSignal.timeout(50)));

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('throws DeadlineExceededError instead of sleeping past the deadline', async () => {
      // Prepare
      const { client } = setup(() => empty(429, { 'retry-after': '4' }), {
        retry: { sleep: (ms, signal) => abortable(ms, signal) },
      });
      const started = Date.now();

      // Act
      const error = await caught(() => send(client, AbortSignal.timeout(60)));

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(RateLimitedError);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('throws DeadlineExceededError without a request when the signal already fired', async () => {
      // Prepare
      const { client, api } = setup(() => json(200, { messages: [] }));

      // Act
      const error = await caught(() => send(client, AbortSignal.abort()));

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(api).toHaveLength(0);
    });
  });

  describe('Method: streamMessage', () => {
    const progress = {
      type: 'ProgressIndicator',
      id: 'p',
      indicatorType: 'ACTION',
      message: 'Working on it',
    };
    const chunk = (text: string, offset: number) => ({
      type: 'TextChunk',
      id: `c${offset}`,
      offset,
      message: text,
      formatType: 'Text',
    });
    const endOfTurn = { type: 'EndOfTurn', id: 'eot' };

    function stream(parts: readonly string[]) {
      const events: StreamEvent[] = [];
      const { client, api } = setup(() => sseResponse(parts));
      const run = () =>
        client.streamMessage({
          sessionId: SESSION_ID,
          sequenceId: 3,
          text: USER_TEXT,
          onEvent: (event) => {
            events.push(event);
          },
        });
      return { run, events, api };
    }

    it('posts to the stream endpoint asking for text/event-stream', async () => {
      // Prepare
      const { run, api } = stream([
        sseEvent('INFORM', inform('ok')),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      await run();

      // Assess
      expect(api[0]?.url.href).toBe(`${API}/sessions/${SESSION_ID}/messages/stream`);
      expect(api[0]?.headers.get('accept')).toBe('text/event-stream');
      expect(JSON.parse(api[0]?.body ?? '').message).toEqual({
        sequenceId: 3,
        type: 'Text',
        text: USER_TEXT,
      });
    });

    it('returns the INFORM message and reports progress, chunks and the end in order', async () => {
      // Prepare
      const { run, events } = stream([
        sseEvent('PROGRESS_INDICATOR', progress),
        sseEvent('TEXT_CHUNK', chunk('Here ', 1)),
        sseEvent('TEXT_CHUNK', chunk('you go', 2)),
        sseEvent('INFORM', inform('Here you go')),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([
        expect.objectContaining({ type: 'Inform', message: 'Here you go' }),
      ]);
      expect(events.map((event) => event.type)).toEqual([
        'progress',
        'text-chunk',
        'text-chunk',
        'message',
        'end-of-turn',
      ]);
      expect(events[0]).toEqual({
        type: 'progress',
        message: 'Working on it',
        indicatorType: 'ACTION',
      });
      expect(events[1]).toEqual({ type: 'text-chunk', text: 'Here ', offset: 1 });
    });

    it('returns the INFORM message when the stream has no chunks', async () => {
      // Prepare
      const { run } = stream([
        sseEvent('INFORM', inform('Only the final text')),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([expect.objectContaining({ message: 'Only the final text' })]);
    });

    it('returns the INFORM text, not withdrawn chunks, after a validation failure', async () => {
      // Prepare
      const { run, events } = stream([
        sseEvent('TEXT_CHUNK', chunk('Draft that', 1)),
        sseEvent('VALIDATION_FAILURE_CHUNK', {
          type: 'ValidationFailureChunk',
          id: 'v',
          offset: 2,
          reason: 'unsafe',
        }),
        sseEvent('INFORM', inform('Clean answer')),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([expect.objectContaining({ message: 'Clean answer' })]);
      expect(events[1]).toEqual({ type: 'validation-failure', reason: 'unsafe' });
    });

    it('returns messages from the docs-style {messages:[…]} INFORM data', async () => {
      // Prepare
      const data = JSON.stringify({ messages: [inform('Docs shape')], _links: {} });
      const { run } = stream([
        `event: INFORM\ndata: ${data}\n\n`,
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([
        expect.objectContaining({ type: 'Inform', message: 'Docs shape' }),
      ]);
    });

    it('returns every message event of the turn, including ESCALATE, ERROR and unknown ones', async () => {
      // Prepare
      const { run } = stream([
        sseEvent('INFORM', inform('Transferring you')),
        sseEvent('ESCALATE', { type: 'Escalate', id: 'e', targets: [] }),
        sseEvent('ERROR', {
          type: 'Error',
          error: 'INTERNAL_SERVER_ERROR',
          httpStatus: 500,
          message: 'boom',
        }),
        sseEvent('UNKNOWN', { type: 'Telepathy', id: 't' }),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages.map((message) => message.type)).toEqual([
        'Inform',
        'Escalate',
        'Error',
        'Unknown',
      ]);
    });

    it('returns an Error message from an untyped ERROR event or an ERROR-spelled type', async () => {
      // Prepare
      const { run } = stream([
        'event: ERROR\ndata: {"error":"INTERNAL_SERVER_ERROR","message":"untyped"}\n\n',
        sseEvent('ERROR', { type: 'ERROR', message: 'shouting' }),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([
        { type: 'Error', error: 'INTERNAL_SERVER_ERROR', message: 'untyped' },
        { type: 'Error', message: 'shouting' },
      ]);
    });

    it('returns the turn when the stream ends without END_OF_TURN', async () => {
      // Prepare
      const { run } = stream([sseEvent('INFORM', inform('No end marker'))]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toHaveLength(1);
    });

    it('returns at END_OF_TURN even when the server keeps the stream open', async () => {
      // Prepare
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(sseEvent('INFORM', inform('done'))));
          controller.enqueue(encoder.encode(sseEvent('END_OF_TURN', endOfTurn)));
        },
      });
      const { client } = setup(
        () => new Response(body, { headers: { 'content-type': 'text/event-stream' } })
      );

      // Act
      const turn = await client.streamMessage({ sessionId: SESSION_ID, sequenceId: 1, text: 'x' });

      // Assess
      expect(turn.messages).toHaveLength(1);
    });

    it('returns an Inform built from the chunks when no message event arrives', async () => {
      // Prepare
      const { run } = stream([
        sseEvent('TEXT_CHUNK', chunk('Partial ', 1)),
        sseEvent('TEXT_CHUNK', chunk('answer', 2)),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([{ type: 'Inform', message: 'Partial answer' }]);
    });

    it('returns an Inform built only from the chunks after a validation failure', async () => {
      // Prepare
      const { run } = stream([
        sseEvent('TEXT_CHUNK', chunk('Withdrawn ', 1)),
        sseEvent('VALIDATION_FAILURE_CHUNK', { type: 'ValidationFailureChunk', offset: 2 }),
        sseEvent('TEXT_CHUNK', chunk('Kept', 3)),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toEqual([{ type: 'Inform', message: 'Kept' }]);
    });

    it('returns the turn even when the onEvent listener throws or rejects', async () => {
      // Prepare
      const { client } = setup(() =>
        sseResponse([
          sseEvent('PROGRESS_INDICATOR', progress),
          sseEvent('INFORM', inform('still here')),
          sseEvent('END_OF_TURN', endOfTurn),
        ])
      );
      let calls = 0;

      // Act
      const turn = await client.streamMessage({
        sessionId: SESSION_ID,
        sequenceId: 1,
        text: 'x',
        onEvent: (event) => {
          calls++;
          if (event.type === 'progress') throw new Error('listener broke');
          return Promise.reject(new Error('async listener broke'));
        },
      });

      // Assess
      expect(turn.messages).toHaveLength(1);
      expect(calls).toBe(3);
    });

    it('returns the turn from a plain JSON answer to the stream endpoint', async () => {
      // Prepare
      const { client } = setup(() => json(200, { messages: [inform('json instead')] }));

      // Act
      const turn = await client.streamMessage({ sessionId: SESSION_ID, sequenceId: 1, text: 'x' });

      // Assess
      expect(turn.messages).toEqual([expect.objectContaining({ message: 'json instead' })]);
    });

    it.each([
      ['an empty stream', [] as string[]],
      ['only an END_OF_TURN', [sseEvent('END_OF_TURN', { type: 'EndOfTurn' })]],
      ['an INFORM whose data is not JSON', ['event: INFORM\ndata: {not json\n\n']],
      [
        'an INFORM with a broken message',
        [sseEvent('INFORM', { type: 'Inform', message: { no: 1 } })],
      ],
    ])('throws MalformedResponseError for %s', async (_case, parts) => {
      // Prepare
      const { run } = stream(parts);

      // Act
      const error = await caught(run);

      // Assess
      expect(error).toBeInstanceOf(MalformedResponseError);
    });

    it('ignores keep-alive events whose data is not JSON', async () => {
      // Prepare
      const { run } = stream([
        'event: PING\ndata: keep-alive\n\n',
        sseEvent('INFORM', inform('ok')),
        sseEvent('END_OF_TURN', endOfTurn),
      ]);

      // Act
      const turn = await run();

      // Assess
      expect(turn.messages).toHaveLength(1);
    });

    it('throws SessionNotFoundError when the stream endpoint answers 404 NotFoundException', async () => {
      // Prepare
      const { client } = setup(() => json(404, notFoundEnvelope));

      // Act
      const error = await caught(() =>
        client.streamMessage({ sessionId: SESSION_ID, sequenceId: 1, text: 'x' })
      );

      // Assess
      expect(error).toBeInstanceOf(SessionNotFoundError);
    });

    it('throws UpstreamError when the stream breaks off mid-turn', async () => {
      // Prepare
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(sseEvent('PROGRESS_INDICATOR', progress)));
          controller.error(new TypeError('terminated'));
        },
      });
      const { client } = setup(
        () => new Response(body, { headers: { 'content-type': 'text/event-stream' } })
      );

      // Act
      const error = await caught(() =>
        client.streamMessage({ sessionId: SESSION_ID, sequenceId: 1, text: 'x' })
      );

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toContain('broke off');
    });

    it('throws DeadlineExceededError when the signal fires while the stream is open', async () => {
      // Prepare
      const encoder = new TextEncoder();
      const controller = new AbortController();
      const { client } = setup(() => {
        const body = new ReadableStream<Uint8Array>({
          start(stream) {
            stream.enqueue(encoder.encode(sseEvent('PROGRESS_INDICATOR', progress)));
            controller.signal.addEventListener('abort', () =>
              stream.error(controller.signal.reason)
            );
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      });

      // Act
      const pending = client.streamMessage({
        sessionId: SESSION_ID,
        sequenceId: 1,
        text: 'x',
        signal: controller.signal,
        onEvent: () => controller.abort(),
      });

      // Assess
      await expect(pending).rejects.toBeInstanceOf(DeadlineExceededError);
    });
  });

  describe('Method: endSession', () => {
    it('sends DELETE with x-session-end-reason UserRequest by default', async () => {
      // Prepare
      const { client, api } = setup(() =>
        json(200, {
          messages: [{ type: 'SessionEnded', id: 's', reason: 'ClientRequest', feedbackId: '' }],
        })
      );

      // Act
      const messages = await client.endSession({ sessionId: SESSION_ID });
      await client.endSession({ sessionId: SESSION_ID, reason: 'Transfer' });

      // Assess
      expect(api[0]?.method).toBe('DELETE');
      expect(api[0]?.url.href).toBe(`${API}/sessions/${SESSION_ID}`);
      expect(api.map((request) => request.headers.get('x-session-end-reason'))).toEqual([
        'UserRequest',
        'Transfer',
      ]);
      expect(messages).toEqual([
        expect.objectContaining({ type: 'SessionEnded', reason: 'ClientRequest' }),
      ]);
    });

    it('returns no messages for an empty 200 body', async () => {
      // Prepare
      const { client } = setup(() => empty(200));

      // Act
      const messages = await client.endSession({ sessionId: SESSION_ID });

      // Assess
      expect(messages).toEqual([]);
    });

    it('throws SessionNotFoundError for an already ended session', async () => {
      // Prepare
      const { client } = setup(() => json(404, notFoundEnvelope));

      // Act
      const error = await caught(() => client.endSession({ sessionId: SESSION_ID }));

      // Assess
      expect(error).toBeInstanceOf(SessionNotFoundError);
    });
  });

  describe('Method: submitFeedback', () => {
    it('posts the feedback and resolves on 201', async () => {
      // Prepare
      const { client, api } = setup(() => empty(201));

      // Act
      await client.submitFeedback({
        sessionId: SESSION_ID,
        feedbackId: 'fb-1',
        feedback: 'GOOD',
        text: 'Email looks great',
      });

      // Assess
      expect(api[0]?.url.href).toBe(`${API}/sessions/${SESSION_ID}/feedback`);
      expect(JSON.parse(api[0]?.body ?? '')).toEqual({
        feedbackId: 'fb-1',
        feedback: 'GOOD',
        text: 'Email looks great',
      });
    });

    it('throws BadRequestError for an unknown feedback id', async () => {
      // Prepare
      const { client } = setup(() =>
        json(404, {
          status: 404,
          error: 'NotFoundException',
          message: 'Feedback id fb-x not found',
        })
      );

      // Act
      const error = await caught(() =>
        client.submitFeedback({ sessionId: SESSION_ID, feedbackId: 'fb-x', feedback: 'BAD' })
      );

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 404 });
    });
  });
});

/** A real timer sleep that stops when the signal fires. */
function abortable(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true }
    );
  });
}
