import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import {
  AgentforceAuthError,
  AgentforceConfigError,
  AgentforceError,
  AgentNotFoundError,
  AgentSessionLockedError,
  BadRequestError,
  BypassUserRejectedError,
  MalformedResponseError,
  RateLimitedError,
  SessionNotFoundError,
  UpstreamError,
} from './errors.js';
import {
  networkFailureCode,
  readText,
  requestIdOf,
  safeServerMessage,
  tryParseJson,
} from './http.js';
import {
  busyDelay,
  deadlineError,
  parseRetryAfter,
  type RetryPolicy,
  resolveRetryPolicy,
  retryDelay,
  sleepWithinDeadline,
} from './retry.js';
import {
  type AgentMessage,
  type AgentVariable,
  agentMessageSchema,
  apiErrorSchema,
  describeIssues,
  endSessionResponseSchema,
  sendMessageResponseSchema,
  startSessionResponseSchema,
  streamEnvelopeSchema,
} from './schemas.js';
import { readSseFrames } from './sse.js';
import type { AccessToken, TokenProvider } from './token-provider.js';
import { AGENT_API_PATH, DEFAULT_API_URL, normalizeApiUrl, normalizeMyDomainUrl } from './urls.js';

/** Value of the `x-session-end-reason` header (§2.4). */
export type EndSessionReason = 'UserRequest' | 'Transfer' | 'Expiration' | 'Error' | 'Other';

/** Everything the agent said in one turn, in order. */
export interface AgentTurn {
  readonly messages: AgentMessage[];
}

/** Progress of a streamed turn, passed to `onEvent` as it arrives. */
export type StreamEvent =
  | { readonly type: 'progress'; readonly message: string; readonly indicatorType?: string }
  | { readonly type: 'text-chunk'; readonly text: string; readonly offset?: number }
  /** Salesforce withdrew the chunks streamed so far: discard what was rendered (§2.3.1). */
  | { readonly type: 'validation-failure'; readonly reason?: string }
  | { readonly type: 'message'; readonly message: AgentMessage }
  | { readonly type: 'end-of-turn' };

/** The part of `TokenProvider` the client uses. */
export type TokenSource = Pick<TokenProvider, 'getToken' | 'invalidate'>;

/** Options of `AgentforceClient`. */
export interface AgentforceClientOptions {
  readonly tokens: TokenSource;
  /** The org's My Domain; sent as `instanceConfig.endpoint` when a session starts. */
  readonly myDomainUrl: string;
  /** Agent API host (`SALESFORCE_API_URL`); else the token's `api_instance_url`, else api.salesforce.com. */
  readonly apiUrl?: string;
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  readonly retry?: Partial<RetryPolicy>;
}

/** Input of `sendMessage`. */
export interface SendMessageInput {
  readonly sessionId: string;
  /** Must increase within a session; the caller owns it (§2.3.3). */
  readonly sequenceId: number;
  readonly text: string;
  readonly variables?: readonly AgentVariable[];
  /** The caller's deadline: every wait and request stops when it fires. */
  readonly signal?: AbortSignal;
}

/** Input of `streamMessage`. */
export interface StreamMessageInput extends SendMessageInput {
  /** Called for each event as it arrives; a throwing listener does not fail the turn. */
  readonly onEvent?: (event: StreamEvent) => void | Promise<void>;
}

type OperationKind = 'start' | 'message' | 'stream' | 'end' | 'feedback';

/** One Agent API call, described for the shared request loop. */
interface Operation {
  readonly kind: OperationKind;
  readonly method: 'POST' | 'DELETE';
  readonly path: string;
  readonly accept: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly agentId?: string;
  readonly sessionId?: string;
  /** The user's text: never repeated in an error, even when Salesforce echoes it. */
  readonly text?: string;
}

interface OkResponse {
  readonly response: Response;
  readonly requestId?: string;
}

const MESSAGE_EVENTS = new Set([
  'INFORM',
  'INQUIRE',
  'CONFIRM',
  'FAILURE',
  'ESCALATE',
  'SESSION_ENDED',
  'ERROR',
  'TEXT_CHUNK',
  'PROGRESS_INDICATOR',
  'VALIDATION_FAILURE_CHUNK',
]);

/** What an `ERROR` event without data becomes: an in-band error the caller can show. */
const EMPTY_ERROR_EVENT: AgentMessage = {
  type: 'Error',
  error: 'EmptyErrorEvent',
  message: 'The agent reported an error without details; try again or rephrase.',
};

const NOT_ROUTED_CAUSES =
  'Likely causes: the token is not accepted by the Agent API (the app needs the chatbot_api and ' +
  "sfap_api scopes and JWT-based access tokens, and must be added to the agent's connections), " +
  'the agent id is wrong, or the Agent API URL names the wrong gateway';

/**
 * Salesforce Agent API client (reference §2): sessions, synchronous and streamed turns, end and
 * feedback. Every response is validated; every failure is an `AgentforceError` subclass.
 *
 * Retries happen only where they are safe: one token refresh on 401 or an empty 404, a few short
 * waits on 423, and backoff on 429/503 honouring `Retry-After`. Every wait and request stops when
 * the caller's `signal` fires, which surfaces as `DeadlineExceededError`.
 *
 * @example
 * const client = new AgentforceClient({ tokens, myDomainUrl: 'acme.my.salesforce.com' });
 * const signal = AbortSignal.timeout(50_000);
 * const { sessionId } = await client.startSession({ agentId: '0XxSB000000IPCr0AO', signal });
 * const turn = await client.sendMessage({ sessionId, sequenceId: Date.now(), text: 'Hi', signal });
 * console.log(turnText(turn.messages));
 * await client.endSession({ sessionId, signal });
 */
export class AgentforceClient {
  readonly #tokens: TokenSource;
  readonly #myDomainUrl: string;
  readonly #apiUrl: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryPolicy;

  constructor(options: AgentforceClientOptions) {
    this.#tokens = options.tokens;
    this.#myDomainUrl = normalizeMyDomainUrl(options.myDomainUrl);
    this.#apiUrl =
      options.apiUrl === undefined || options.apiUrl.trim() === ''
        ? undefined
        : normalizeApiUrl(options.apiUrl);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#retry = resolveRetryPolicy(options.retry);
  }

  /**
   * Starts a session with a random `externalSessionKey`; returns its id and the greeting.
   * `bypassUser` defaults to `true` (run as the agent's user); employee agents need `false`.
   * `plainText` sends `x-attributed-client: no-builder`, which Salesforce's own library documents
   * as removing markdown from the session's responses.
   */
  async startSession(input: {
    agentId: string;
    bypassUser?: boolean;
    plainText?: boolean;
    variables?: readonly AgentVariable[];
    signal?: AbortSignal;
  }): Promise<{ sessionId: string; messages: AgentMessage[] }> {
    const body = {
      externalSessionKey: randomUUID(),
      instanceConfig: { endpoint: this.#myDomainUrl },
      streamingCapabilities: { chunkTypes: ['Text'] },
      bypassUser: input.bypassUser ?? true,
      ...(input.variables ? { variables: input.variables } : {}),
    };
    const operation: Operation = {
      kind: 'start',
      method: 'POST',
      path: `/agents/${encodeURIComponent(input.agentId)}/sessions`,
      accept: 'application/json',
      body,
      agentId: input.agentId,
      ...(input.plainText ? { headers: { 'x-attributed-client': 'no-builder' } } : {}),
    };
    const ok = await this.#request(operation, input.signal);
    const data = await this.#json(ok, startSessionResponseSchema, input.signal, 'start session');
    return { sessionId: data.sessionId, messages: data.messages };
  }

  /** Sends one text message and waits for the whole turn. */
  async sendMessage(input: SendMessageInput): Promise<AgentTurn> {
    const ok = await this.#request(this.#messageOperation('message', input), input.signal);
    const data = await this.#json(ok, sendMessageResponseSchema, input.signal, 'send message');
    return { messages: data.messages };
  }

  /**
   * Sends one text message over the streaming endpoint, reporting progress through `onEvent`. The
   * result is the same as `sendMessage`'s: the turn's messages, taken from INFORM and its siblings,
   * never from the chunks (which may be absent or withdrawn, §5.8).
   */
  async streamMessage(input: StreamMessageInput): Promise<AgentTurn> {
    const ok = await this.#request(this.#messageOperation('stream', input), input.signal);
    const contentType = ok.response.headers.get('content-type') ?? '';
    // A server that answers the stream endpoint with plain JSON still answered the turn.
    if (contentType.toLowerCase().startsWith('application/json')) {
      const data = await this.#json(ok, sendMessageResponseSchema, input.signal, 'stream message');
      for (const message of data.messages) emit(input.onEvent, { type: 'message', message });
      return { messages: data.messages };
    }
    return this.#readStream(ok, input);
  }

  /** Ends a session; returns Salesforce's closing messages (normally one `SessionEnded`). */
  async endSession(input: {
    sessionId: string;
    reason?: EndSessionReason;
    signal?: AbortSignal;
  }): Promise<AgentMessage[]> {
    const operation: Operation = {
      kind: 'end',
      method: 'DELETE',
      path: `/sessions/${encodeURIComponent(input.sessionId)}`,
      accept: 'application/json',
      headers: { 'x-session-end-reason': input.reason ?? 'UserRequest' },
      sessionId: input.sessionId,
    };
    const ok = await this.#request(operation, input.signal);
    const data = await this.#json(ok, endSessionResponseSchema, input.signal, 'end session', {
      emptyBody: { messages: [] },
    });
    return data.messages;
  }

  /** Rates one agent answer (by its `feedbackId`); Salesforce answers 201 with no documented body. */
  async submitFeedback(input: {
    sessionId: string;
    feedbackId: string;
    feedback: 'GOOD' | 'BAD';
    text?: string;
    signal?: AbortSignal;
  }): Promise<void> {
    const operation: Operation = {
      kind: 'feedback',
      method: 'POST',
      path: `/sessions/${encodeURIComponent(input.sessionId)}/feedback`,
      accept: 'application/json',
      body: {
        feedbackId: input.feedbackId,
        feedback: input.feedback,
        ...(input.text !== undefined ? { text: input.text } : {}),
      },
      sessionId: input.sessionId,
      ...(input.text !== undefined ? { text: input.text } : {}),
    };
    const ok = await this.#request(operation, input.signal);
    // The body is undocumented (§7.4); drain it so the connection can be reused.
    await readText(ok.response, input.signal);
  }

  #messageOperation(kind: 'message' | 'stream', input: SendMessageInput): Operation {
    const stream = kind === 'stream';
    return {
      kind,
      method: 'POST',
      path: `/sessions/${encodeURIComponent(input.sessionId)}/messages${stream ? '/stream' : ''}`,
      accept: stream ? 'text/event-stream' : 'application/json',
      body: {
        message: { sequenceId: input.sequenceId, type: 'Text', text: input.text },
        ...(input.variables ? { variables: input.variables } : {}),
      },
      sessionId: input.sessionId,
      text: input.text,
    };
  }

  /**
   * Sends `operation` until it succeeds or fails for good, and returns the successful response
   * with its body unread.
   */
  async #request(operation: Operation, signal: AbortSignal | undefined): Promise<OkResponse> {
    let token = await this.#tokens.getToken(signal);
    let refreshed = false;
    let throttled = 0;
    let busy = 0;
    for (;;) {
      const response = await this.#send(operation, token, signal);
      if (response.ok) {
        const requestId = requestIdOf(response);
        return { response, ...(requestId ? { requestId } : {}) };
      }
      const text = await readText(response, signal);
      const requestId = requestIdOf(response);
      const status = response.status;
      // §2.7/§5.2: the gateway answers an empty 404 when it does not accept the token at all.
      const notRouted = status === 404 && text.trim() === '';

      if (status === 401 || notRouted) {
        if (!refreshed) {
          refreshed = true;
          this.#tokens.invalidate(token);
          token = await this.#tokens.getToken(signal);
          continue;
        }
        throw this.#tokenRejected(operation, status, text, requestId, token);
      }

      if (status === 423 && operation.sessionId !== undefined) {
        busy++;
        const failure = new AgentSessionLockedError(operation.sessionId, {
          status,
          ...(requestId ? { requestId } : {}),
        });
        if (busy >= this.#retry.busyAttempts) throw failure;
        await sleepWithinDeadline(this.#retry, busyDelay(this.#retry), signal, failure);
        continue;
      }

      if (status === 429 || status === 503) {
        throttled++;
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const failure = this.#throttledError(operation, status, retryAfterMs, requestId);
        const delay = retryDelay(this.#retry, throttled, retryAfterMs);
        if (delay === undefined) throw failure;
        await sleepWithinDeadline(this.#retry, delay, signal, failure);
        continue;
      }

      throw this.#statusError(operation, status, text, requestId, token);
    }
  }

  async #send(
    operation: Operation,
    token: AccessToken,
    signal: AbortSignal | undefined
  ): Promise<Response> {
    const base = this.#baseUrl(token);
    const headers: Record<string, string> = {
      authorization: `Bearer ${token.accessToken}`,
      'content-type': 'application/json',
      accept: operation.accept,
      ...operation.headers,
    };
    try {
      return await this.#fetch(`${base}${AGENT_API_PATH}${operation.path}`, {
        method: operation.method,
        headers,
        ...(operation.body !== undefined ? { body: JSON.stringify(operation.body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw deadlineError(err);
      // Not retried: the request may have reached Salesforce before the connection broke.
      throw new UpstreamError(
        `Could not reach the Agent API at ${base} (${networkFailureCode(err)}).`,
        { cause: err }
      );
    }
  }

  #baseUrl(token: AccessToken): string {
    if (this.#apiUrl) return this.#apiUrl;
    if (token.apiInstanceUrl) return normalizeApiUrl(token.apiInstanceUrl, 'api_instance_url');
    return DEFAULT_API_URL;
  }

  async #json<S extends z.ZodType>(
    ok: OkResponse,
    schema: S,
    signal: AbortSignal | undefined,
    what: string,
    options: { emptyBody?: z.output<S> } = {}
  ): Promise<z.output<S>> {
    const text = await readText(ok.response, signal);
    const context = {
      status: ok.response.status,
      ...(ok.requestId ? { requestId: ok.requestId } : {}),
    };
    if (text.trim() === '' && options.emptyBody !== undefined) return options.emptyBody;
    const body = tryParseJson(text);
    if (body === undefined) {
      throw new MalformedResponseError(
        `The Agent API answered ${what} with a body that is not JSON.`,
        context
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new MalformedResponseError(
        `The Agent API answered ${what} with an unexpected body shape.`,
        { ...context, issues: describeIssues(parsed.error) }
      );
    }
    return parsed.data;
  }

  async #readStream(ok: OkResponse, input: StreamMessageInput): Promise<AgentTurn> {
    const { signal, onEvent } = input;
    const context = {
      status: ok.response.status,
      ...(ok.requestId ? { requestId: ok.requestId } : {}),
    };
    const body = ok.response.body;
    if (!body) throw new MalformedResponseError('The Agent API stream had no body.', context);
    const messages: AgentMessage[] = [];
    let chunks: string[] = [];
    try {
      frames: for await (const frame of readSseFrames(body)) {
        const event = frame.event?.toUpperCase();
        const data = tryParseJson(frame.data);
        if (event === 'END_OF_TURN' && !isRecord(data)) {
          emit(onEvent, { type: 'end-of-turn' });
          break;
        }
        // Salesforce's DevRel client documents that an ERROR event's data "can be empty".
        if (event === 'ERROR' && frame.data.trim() === '') {
          messages.push(EMPTY_ERROR_EVENT);
          emit(onEvent, { type: 'message', message: EMPTY_ERROR_EVENT });
          continue;
        }
        if (data === undefined) {
          // Keep-alives and events this client does not know may carry anything.
          if (event !== undefined && MESSAGE_EVENTS.has(event)) {
            throw new MalformedResponseError(
              `The Agent API stream sent a ${event} event whose data is not JSON.`,
              context
            );
          }
          continue;
        }
        for (const message of parseStreamData(data, event, context)) {
          switch (message.type) {
            case 'ProgressIndicator':
              emit(onEvent, {
                type: 'progress',
                message: message.message,
                ...(message.indicatorType ? { indicatorType: message.indicatorType } : {}),
              });
              break;
            case 'TextChunk':
              chunks.push(message.message);
              emit(onEvent, {
                type: 'text-chunk',
                text: message.message,
                ...(typeof message.offset === 'number' ? { offset: message.offset } : {}),
              });
              break;
            case 'ValidationFailureChunk':
              chunks = [];
              emit(onEvent, {
                type: 'validation-failure',
                ...(message.reason ? { reason: message.reason } : {}),
              });
              break;
            case 'EndOfTurn':
              emit(onEvent, { type: 'end-of-turn' });
              break frames;
            default:
              messages.push(message);
              emit(onEvent, { type: 'message', message });
          }
        }
      }
    } catch (err) {
      if (signal?.aborted) throw deadlineError(err);
      if (err instanceof AgentforceError) throw err;
      throw new UpstreamError('The Agent API stream broke off before the turn ended.', {
        ...context,
        cause: err,
      });
    }
    if (messages.length > 0) return { messages };
    // No INFORM arrived but chunks did (an unverified stream shape, §7.1-§7.2): keep the text.
    if (chunks.length > 0) return { messages: [{ type: 'Inform', message: chunks.join('') }] };
    throw new MalformedResponseError(
      'The Agent API stream ended without any agent message.',
      context
    );
  }

  #throttledError(
    operation: Operation,
    status: 429 | 503,
    retryAfterMs: number | undefined,
    requestId: string | undefined
  ): AgentforceError {
    const context = { status, ...(requestId ? { requestId } : {}) };
    if (status === 429) {
      return new RateLimitedError(
        `The Agent API is rate limiting requests (429) to ${describeOperation(operation)}; try again later.`,
        { ...context, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
      );
    }
    return new UpstreamError(
      `The Agent API is unavailable (503) for ${describeOperation(operation)}; try again shortly.`,
      context
    );
  }

  #tokenRejected(
    operation: Operation,
    status: number,
    text: string,
    requestId: string | undefined,
    token: AccessToken
  ): AgentforceAuthError {
    const context = { status, ...(requestId ? { requestId } : {}) };
    if (status === 404) {
      return new AgentforceAuthError(
        `The Agent API did not accept the request to ${describeOperation(operation)} (HTTP 404 with an ` +
          `empty body, also with a new token). ${NOT_ROUTED_CAUSES} (${this.#baseUrl(token)}).`,
        'token-rejected',
        context
      );
    }
    const said = safeServerMessage(apiErrorSchema.safeParse(tryParseJson(text)).data?.message, [
      token.accessToken,
      operation.text,
    ]);
    return new AgentforceAuthError(
      `The Agent API rejected a freshly issued token (HTTP 401${said ? `: ${said}` : ''}). ` +
        "Check that the app is added to the agent's connections and has the chatbot_api and " +
        'sfap_api scopes with JWT-based access tokens.',
      'token-rejected',
      context
    );
  }

  #statusError(
    operation: Operation,
    status: number,
    text: string,
    headerRequestId: string | undefined,
    token: AccessToken
  ): AgentforceError {
    const envelope = apiErrorSchema.safeParse(tryParseJson(text)).data;
    const requestId = headerRequestId ?? envelope?.requestId ?? undefined;
    const context = { status, ...(requestId ? { requestId } : {}) };
    const rawMessage = envelope?.message ?? '';
    const said = safeServerMessage(rawMessage, [token.accessToken, operation.text]);
    const detail = said ? `: ${said}` : '';
    const { agentId, sessionId } = operation;
    const starting = operation.kind === 'start' && agentId !== undefined;

    switch (true) {
      case status === 400 && starting && /not a valid agent id/i.test(rawMessage):
        return new AgentNotFoundError(
          agentId ?? '',
          'Salesforce says it is not a valid agent id.',
          context
        );
      case status === 400 && starting && /invalid user id/i.test(rawMessage):
        return new BypassUserRejectedError(agentId ?? '', context);
      case status === 400 && text.trim() === '' && starting:
        // §2.7 (anecdotal, S14): empty 400s followed many sessions left open.
        return new BadRequestError(
          'Salesforce refused to start a session (HTTP 400, empty body). This has been seen when ' +
            'many sessions were left open: end sessions that are no longer used, then try again.',
          context
        );
      case status === 400 && text.trim() === '':
        return new BadRequestError(
          `Salesforce rejected the request to ${describeOperation(operation)} (HTTP 400, empty body); the ` +
            'session may be stale: start a new session.',
          context
        );
      case status === 400:
        return new BadRequestError(
          `Salesforce rejected the request to ${describeOperation(operation)} (HTTP 400${detail}).`,
          context
        );
      case status === 403:
        return new AgentforceAuthError(
          `Salesforce refused access to ${describeOperation(operation)} (HTTP 403${detail}). Check the Run ` +
            "As user's permissions and the agent's API connection.",
          'other',
          context
        );
      case status === 404 && starting:
        return new AgentNotFoundError(
          agentId ?? '',
          /no valid version/i.test(rawMessage)
            ? 'it has no active version; activate the agent in Agent Builder.'
            : `Salesforce did not find it (HTTP 404${detail}).`,
          context
        );
      case status === 404 && operation.kind === 'feedback' && !/session/i.test(rawMessage):
        return new BadRequestError(
          `Salesforce did not find the feedback id for ${describeOperation(operation)} (HTTP 404${detail}).`,
          context
        );
      case status === 404 && sessionId !== undefined:
        return new SessionNotFoundError(sessionId ?? '', context);
      case status === 500 && envelope?.error === 'EngineConfigLookupException':
        return new AgentforceConfigError(
          `Salesforce could not match the session's instanceConfig.endpoint (${this.#myDomainUrl}) ` +
            "to an org. Set the My Domain URL to the org's https://<name>.my.salesforce.com.",
          { ...context, setting: 'myDomainUrl' }
        );
      case status === 500 && starting && envelope?.error === 'HttpServerErrorException':
        return new UpstreamError(
          `Salesforce failed to start a session with agent ${agentId} (HTTP 500${detail}). Check ` +
            'that the agent id is right and the agent is active.',
          context
        );
      default:
        return new UpstreamError(
          `The Agent API failed to ${describeOperation(operation)} (HTTP ${status}${detail}).`,
          context
        );
    }
  }
}

function describeOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'start':
      return `start a session with agent ${operation.agentId}`;
    case 'message':
    case 'stream':
      return `send a message in session ${operation.sessionId}`;
    case 'end':
      return `end session ${operation.sessionId}`;
    case 'feedback':
      return `submit feedback in session ${operation.sessionId}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The messages in one SSE `data:` payload, whichever of the shapes of §2.3.1 it has: the recorded
 * envelope `{…, message}`, the docs' sync-style `{messages: […]}`, or a bare message.
 */
function parseStreamData(
  data: unknown,
  event: string | undefined,
  context: { status: number; requestId?: string }
): AgentMessage[] {
  const fail = (error: z.ZodError): never => {
    throw new MalformedResponseError(
      `The Agent API stream sent ${event ? `a ${event} event` : 'an event'} with an unexpected shape.`,
      { ...context, issues: describeIssues(error) }
    );
  };
  if (isRecord(data) && isRecord(data.message)) {
    const parsed = streamEnvelopeSchema.safeParse(data);
    return parsed.success ? [parsed.data.message] : fail(parsed.error);
  }
  if (isRecord(data) && Array.isArray(data.messages)) {
    const parsed = sendMessageResponseSchema.safeParse(data);
    return parsed.success ? parsed.data.messages : fail(parsed.error);
  }
  // A bare payload without a type takes it from the event name (`ERROR` → `Error`, §7.1, §7.8).
  const typed =
    isRecord(data) && data.type === undefined && event ? { ...data, type: event } : data;
  const parsed = agentMessageSchema.safeParse(typed);
  return parsed.success ? [parsed.data] : fail(parsed.error);
}

/** Calls a progress listener without letting it fail the turn (sync throw or async rejection). */
function emit(onEvent: StreamMessageInput['onEvent'], event: StreamEvent): void {
  if (!onEvent) return;
  try {
    const result = onEvent(event);
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // A broken progress listener (e.g. a closed MCP connection) must not lose the agent's answer.
  }
}
