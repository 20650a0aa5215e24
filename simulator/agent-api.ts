import type { ServerResponse } from 'node:http';
import { GREETING, type ScriptedTurn, scriptTurn } from './agent-script.js';
import {
  BadRequestError,
  EngineConfigLookupError,
  FeedbackNotFoundError,
  InvalidAgentIdError,
  InvalidUserIdError,
  NoActiveVersionError,
  SessionLimitError,
  SessionLockedError,
  SessionNotFoundError,
  TurnTimeoutError,
  UnauthorizedError,
  UnroutedRequestError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { isWritable, pause, sendEmpty, sendJson } from './http-util.js';
import { messageId, traceId as newTraceId, uuidV7 } from './ids.js';
import {
  type EndOfTurnMessage,
  type ProgressIndicatorMessage,
  type SessionEndedMessage,
  sessionLinks,
  splitIntoChunks,
  streamableText,
  type TextChunkMessage,
  type TurnContext,
  type TurnMessage,
  toTurnMessage,
  type ValidationFailureChunkMessage,
} from './messages.js';
import { eventNameFor, formatSseEvent } from './sse.js';
import type { SessionState, SimulatorState } from './state.js';

/** Path prefix of the Agent API (agent-api.md §2.0). */
export const API_PREFIX = '/einstein/ai-agent/v1';

/** The runtime gives up on a call after 120 s and answers 500 (§2.0, §2.8). */
export const TURN_TIMEOUT_MS = 120_000;

/** Values of the required `x-session-end-reason` header (§2.4). */
export const END_REASONS = ['UserRequest', 'Transfer', 'Expiration', 'Error', 'Other'] as const;

/** Everything a handler needs about the request being served. */
export interface ApiContext {
  readonly state: SimulatorState;
  /** `http://127.0.0.1:PORT`: the org's My Domain. */
  readonly baseUrl: string;
  readonly res: ServerResponse;
  /** Epoch ms the request arrived: the stream's `<ms>-REQ` event id. */
  readonly receivedAt: number;
  /** Aborted when the simulator closes: pending turns stop waiting. */
  readonly signal: AbortSignal;
}

/**
 * Checks the bearer token. Unusable tokens get the gateway's empty 404 (or a 401 envelope in
 * `json-401` style); a token that was valid but expired gets 401 (body unverified, §3.4, §7.4).
 */
export function authenticate(
  state: SimulatorState,
  authorization: string | undefined,
  now: number = Date.now()
): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const claims = match?.[1] === undefined ? undefined : state.signer.verify(match[1]);
  if (claims === undefined || lacksAgentApiScope(claims.scope)) {
    if (state.settings.unauthorizedStyle === 'json-401') {
      throw new UnauthorizedError('Access bearer token is missing or invalid');
    }
    throw new UnroutedRequestError();
  }
  if (state.isTokenRevoked(claims.jti) || now >= claims.exp * 1000) {
    throw new UnauthorizedError('Access token has expired or been revoked');
  }
}

/** Scopes the Agent API needs on a token (agent-api.md §3.5; docs/agent-api-notes.md "Token scopes"). */
export const AGENT_API_SCOPES = ['api', 'chatbot_api', 'sfap_api'] as const;

/**
 * A token whose `scope` claim lacks an Agent API scope is not routed (the gateway's empty 404, the
 * symptom S14 records); a token without the claim is let through, as nothing says it is refused.
 */
function lacksAgentApiScope(scope: string | undefined): boolean {
  if (scope === undefined) return false;
  const granted = new Set(scope.split(/\s+/));
  return AGENT_API_SCOPES.some((needed) => !granted.has(needed));
}

/** The runtime insists on JSON request bodies (§2.0). */
export function requireJsonContentType(contentType: string | undefined): void {
  if (mediaTypeOf(contentType) !== 'application/json') throw new UnsupportedMediaTypeError();
}

/**
 * Feedback also takes the JSON body that Salesforce's Developer Relations client posts without a
 * `Content-Type` (fetch then sends `text/plain;charset=UTF-8`): a Salesforce-written client is the
 * best evidence of what the endpoint accepts (docs/agent-api-notes.md, "Feedback content type").
 */
export function requireFeedbackContentType(contentType: string | undefined): void {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === undefined || mediaType === 'text/plain') return;
  requireJsonContentType(contentType);
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === '' ? undefined : mediaType;
}

/** `POST /agents/{agentId}/sessions` (§2.1). */
export function startSession(
  ctx: ApiContext,
  agentId: string,
  rawBody: string,
  attributedClient?: string
): void {
  const { state } = ctx;
  const agent = state.settings.agents.get(agentId);
  if (agent === undefined) throw new InvalidAgentIdError(agentId);
  if (agent.state === 'inactive') throw new NoActiveVersionError(agentId);
  const body = parseJsonObject(rawBody);
  if (typeof body.externalSessionKey !== 'string' || body.externalSessionKey === '') {
    throw new BadRequestError('externalSessionKey is required');
  }
  const instanceConfig = asObject(body.instanceConfig);
  if (!sameOrigin(instanceConfig?.endpoint, ctx.baseUrl)) throw new EngineConfigLookupError();
  if (agent.kind === 'employee' && body.bypassUser === true) throw new InvalidUserIdError();
  const variables = parseVariables(body.variables);
  if (state.liveSessionCount() >= state.settings.maxLiveSessions) throw new SessionLimitError();

  const now = Date.now();
  const sessionId = uuidV7(now);
  // SF-lib documents the header as "removes markdown from responses" (agent-api.md §2.0).
  const plainText = attributedClient?.trim().toLowerCase() === 'no-builder';
  const session: SessionState = {
    id: sessionId,
    agentId,
    lastActivityAt: now,
    busy: false,
    expired: false,
    lastAcceptedSequenceId: undefined,
    feedbackIds: new Set(),
    plainText,
    variables: new Map(),
  };
  rememberVariables(session, variables);
  state.sessions.set(sessionId, session);
  state.counters.sessionsStarted += 1;
  if (plainText) state.counters.plainTextSessions += 1;
  const greeting = toTurnMessage(
    { type: 'Inform', message: GREETING },
    { feedbackId: '', traceId: newTraceId(), now, newId: messageId, plainText }
  );
  sendJson(ctx.res, 200, {
    sessionId,
    _links: sessionLinks(apiBase(ctx), sessionId, agentId),
    messages: [greeting],
  });
}

/** `POST /sessions/{id}/messages` and `…/messages/stream` (§2.2, §2.3). */
export async function sendMessage(
  ctx: ApiContext,
  sessionId: string,
  rawBody: string,
  streaming: boolean
): Promise<void> {
  const { state } = ctx;
  const body = parseJsonObject(rawBody);
  const message = asObject(body.message);
  if (message === undefined) throw new BadRequestError('message is required');
  const sequenceId = parseSequenceId(message.sequenceId);
  if (message.type !== 'Text') throw new BadRequestError('message.type must be Text');
  if (typeof message.text !== 'string') throw new BadRequestError('message.text is required');
  const variables = parseVariables(body.variables);

  const session = requireSession(state, sessionId);
  if (sequenceId !== undefined) state.recordSequenceId(sessionId, sequenceId);
  refuseIfBusy(state, session);
  if (sequenceId === undefined) {
    throw new BadRequestError('message.sequenceId must be an integer or a numeric string');
  }
  const last = session.lastAcceptedSequenceId;
  // Upstream enforcement is unverified (§2.3.3, §7.5): `strict` lets a client prove it increases.
  if (state.settings.sequenceIdMode === 'strict' && last !== undefined && sequenceId <= last) {
    throw new BadRequestError(`Invalid sequenceId ${sequenceId}: must be greater than ${last}`);
  }

  session.busy = true;
  session.lastAcceptedSequenceId = sequenceId;
  session.lastActivityAt = Date.now();
  rememberVariables(session, variables);
  try {
    const turn = scriptTurn(message.text, { variables: session.variables });
    const latency = state.pickLatency() * turn.latencyFactor;
    // The lock outlives a client that hangs up: upstream keeps working on the turn.
    if (latency > TURN_TIMEOUT_MS) {
      await pause(TURN_TIMEOUT_MS, ctx.signal);
      throw new TurnTimeoutError(TURN_TIMEOUT_MS);
    }
    if (streaming) await streamTurn(ctx, session, turn, latency);
    else await syncTurn(ctx, session, turn, latency);
  } finally {
    session.busy = false;
    session.lastActivityAt = Date.now();
  }
}

/** `DELETE /sessions/{id}` (§2.4). */
export function endSession(ctx: ApiContext, sessionId: string, reason: string | undefined): void {
  const { state } = ctx;
  // Required per the reference; the status for a missing one is unverified (§6, §7.4).
  if (reason === undefined) throw new BadRequestError('Missing header x-session-end-reason');
  if (!(END_REASONS as readonly string[]).includes(reason)) {
    throw new BadRequestError(
      `Invalid x-session-end-reason, expected one of ${END_REASONS.join(', ')}`
    );
  }
  const session = requireSession(state, sessionId);
  refuseIfBusy(state, session);
  state.sessions.delete(sessionId);
  state.counters.sessionsEnded += 1;
  // Only `ClientRequest` has been observed, for every client-initiated end (§2.4, §7.8).
  const ended: SessionEndedMessage = {
    type: 'SessionEnded',
    id: messageId(),
    reason: 'ClientRequest',
    feedbackId: messageId(),
  };
  sendJson(ctx.res, 200, {
    messages: [ended],
    _links: sessionLinks(apiBase(ctx), sessionId, session.agentId),
  });
}

/** `POST /sessions/{id}/feedback` (§2.5): 201, empty body. */
export function submitFeedback(ctx: ApiContext, sessionId: string, rawBody: string): void {
  const { state } = ctx;
  const body = parseJsonObject(rawBody);
  if (typeof body.feedbackId !== 'string') throw new BadRequestError('feedbackId is required');
  if (body.feedback !== 'GOOD' && body.feedback !== 'BAD') {
    throw new BadRequestError('feedback must be GOOD or BAD');
  }
  if (body.text !== undefined && typeof body.text !== 'string') {
    throw new BadRequestError('text must be a string');
  }
  // Ended sessions answer 404 here too; whether upstream accepts late feedback is unverified (§7.4).
  const session = requireSession(state, sessionId);
  refuseIfBusy(state, session);
  if (!session.feedbackIds.has(body.feedbackId)) throw new FeedbackNotFoundError(body.feedbackId);
  session.lastActivityAt = Date.now();
  sendEmpty(ctx.res, 201);
}

async function syncTurn(
  ctx: ApiContext,
  session: SessionState,
  turn: ScriptedTurn,
  latency: number
): Promise<void> {
  await pause(latency, ctx.signal);
  const turnContext = newTurnContext(session, ctx.state, turn);
  const messages = turn.messages.map((draft) => toTurnMessage(draft, turnContext));
  sendJson(ctx.res, 200, {
    messages,
    _links: sessionLinks(apiBase(ctx), session.id, session.agentId),
  });
}

type StreamStep = { readonly message: StreamedMessage; readonly offset: number };
type StreamedMessage = TurnMessage | TextChunkMessage | ValidationFailureChunkMessage;

/** Chunks of a withdrawn draft that are streamed before the `ValidationFailureChunk`. */
const WITHDRAWN_CHUNKS = 2;

/**
 * Streams one turn: PROGRESS_INDICATOR, then per message its TEXT_CHUNKs and its own event, then
 * END_OF_TURN, then closes (§2.3.1). The latency is spread like upstream's: the indicator early,
 * the text late.
 */
async function streamTurn(
  ctx: ApiContext,
  session: SessionState,
  turn: ScriptedTurn,
  latency: number
): Promise<void> {
  const { res, state } = ctx;
  const originEventId = `${ctx.receivedAt}-REQ`;
  const turnContext = newTurnContext(session, state, turn);
  const informOnly = state.settings.streamShape === 'inform-only';
  const chunked = state.settings.streamTextChunks && !informOnly;

  const steps: StreamStep[] = [];
  let offset = 1; // TextChunk offset semantics are unverified (§7.3): a running index from 1.
  const addChunks = (text: string, limit = Number.POSITIVE_INFINITY): void => {
    if (!chunked) return;
    for (const piece of splitIntoChunks(text).slice(0, limit)) {
      steps.push({
        message: { type: 'TextChunk', id: messageId(), offset, message: piece, formatType: 'Text' },
        offset,
      });
      offset += 1;
    }
  };
  if (turn.withdrawn !== undefined) {
    addChunks(turn.withdrawn.draft, WITHDRAWN_CHUNKS);
    steps.push({
      message: {
        type: 'ValidationFailureChunk',
        id: messageId(),
        offset,
        reason: turn.withdrawn.reason,
      },
      offset,
    });
  }
  for (const draft of turn.messages) {
    const message = toTurnMessage(draft, turnContext);
    addChunks(streamableText(message));
    steps.push({ message, offset: 0 });
  }

  res.writeHead(200, {
    'content-type': 'text/event-stream;charset=UTF-8',
    'cache-control': 'no-cache',
  });
  res.flushHeaders();
  const emit = (
    message: StreamedMessage | ProgressIndicatorMessage | EndOfTurnMessage,
    at: number
  ) => {
    if (!isWritable(res)) return;
    if (message.type === 'Error' && turn.errorEventWithoutData) {
      // DevRel's README: an ERROR event's data "can be empty" (docs/agent-api-notes.md).
      res.write(`event: ERROR\nid: ${originEventId}\ndata: \n\n`);
      return;
    }
    const envelope = {
      timestamp: Date.now(),
      originEventId,
      traceId: turnContext.traceId,
      offset: at,
      message,
    };
    const name = eventNameFor(message.type);
    res.write(formatSseEvent(name, originEventId, envelope));
    state.settings.onStreamEvent?.(name);
  };

  await pause(latency * 0.25, ctx.signal);
  if (!informOnly) {
    emit(
      {
        type: 'ProgressIndicator',
        id: messageId(),
        indicatorType: 'ACTION',
        message: turn.progress,
      },
      0
    );
  }
  const gap = (latency * 0.4) / Math.max(steps.length, 1);
  await pause(latency * 0.35, ctx.signal);
  for (const step of steps) {
    await pause(gap, ctx.signal);
    emit(step.message, step.offset);
  }
  emit({ type: 'EndOfTurn', id: messageId() }, 0);
  if (isWritable(res)) res.end();
}

function newTurnContext(
  session: SessionState,
  state: SimulatorState,
  turn: ScriptedTurn
): TurnContext {
  const feedbackId = messageId();
  session.feedbackIds.add(feedbackId);
  return {
    feedbackId,
    traceId: newTraceId(),
    now: Date.now(),
    newId: messageId,
    plainText: session.plainText,
    escalateTargetShape: state.settings.escalateTargetShape,
    isContentSafe: turn.contentFlagged !== true,
  };
}

/** Variable types of the Agent API (agent-api.md §2.6). */
export const VARIABLE_TYPES = [
  'Text',
  'Number',
  'Boolean',
  'Date',
  'DateTime',
  'Money',
  'Object',
  'Json',
  'Ref',
  'List',
] as const;

type ParsedVariable = { readonly name: string; readonly type: string; readonly value: unknown };

/** `variables` of a start or message body: absent, or `[{name, type, value}]` (§2.6). */
function parseVariables(value: unknown): ParsedVariable[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequestError('variables must be an array');
  return value.map((item, index) => {
    const variable = asObject(item);
    if (typeof variable?.name !== 'string' || variable.name === '') {
      throw new BadRequestError(`variables[${index}].name is required`);
    }
    if (!(VARIABLE_TYPES as readonly unknown[]).includes(variable.type)) {
      throw new BadRequestError(
        `variables[${index}].type must be one of ${VARIABLE_TYPES.join(', ')}`
      );
    }
    if (!('value' in variable)) throw new BadRequestError(`variables[${index}].value is required`);
    return { name: variable.name, type: variable.type as string, value: variable.value };
  });
}

function rememberVariables(session: SessionState, variables: readonly ParsedVariable[]): void {
  for (const { name, type, value } of variables) session.variables.set(name, { type, value });
}

function requireSession(state: SimulatorState, sessionId: string): SessionState {
  const session = state.findLiveSession(sessionId);
  if (session === undefined) throw new SessionNotFoundError(sessionId);
  return session;
}

function refuseIfBusy(state: SimulatorState, session: SessionState): void {
  if (!session.busy) return;
  state.counters.refusedBusy += 1;
  throw new SessionLockedError(session.id);
}

function apiBase(ctx: ApiContext): string {
  return `${ctx.baseUrl}${API_PREFIX}`;
}

/** Numbers and numeric strings are both seen on the wire (§2.3.3); anything else is rejected. */
export function parseSequenceId(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

function parseJsonObject(rawBody: string): Record<string, unknown> {
  if (rawBody.trim() === '') throw new BadRequestError('Required request body is missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('Malformed JSON request body');
  }
  const object = asObject(parsed);
  if (object === undefined) throw new BadRequestError('Request body must be a JSON object');
  return object;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `instanceConfig.endpoint` must name the org's My Domain; a trailing slash and case do not matter. */
function sameOrigin(endpoint: unknown, baseUrl: string): boolean {
  if (typeof endpoint !== 'string') return false;
  return endpoint.trim().replace(/\/+$/, '').toLowerCase() === baseUrl.toLowerCase();
}
