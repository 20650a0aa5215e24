import { PROTOCOL_VERSION_META_KEY, specTypeSchemas } from '@modelcontextprotocol/server';

/**
 * Most messages one POST may carry. Batches left the protocol in 2025-06-18; older clients may
 * still send small ones, but one request must not fan out into dozens of agent sessions.
 */
export const MAX_BATCH_SIZE = 10;

/** The SDK's own request schemas for the methods this server serves. */
const REQUEST_SCHEMAS = {
  initialize: specTypeSchemas.InitializeRequest,
  ping: specTypeSchemas.PingRequest,
  'tools/list': specTypeSchemas.ListToolsRequest,
  'tools/call': specTypeSchemas.CallToolRequest,
} as const;

/** A JSON-RPC request whose params do not fit its method. */
export interface InvalidParams {
  readonly id: string | number | null;
  readonly message: string;
}

/**
 * Checks a request's params with the schema the SDK will apply. The SDK reports such a mismatch
 * as -32603 Internal error with the whole issue list as its message; a client mistake deserves
 * -32602 and one readable line.
 */
export function invalidParams(message: unknown): InvalidParams | undefined {
  if (!message || typeof message !== 'object' || !('method' in message) || !('id' in message)) {
    return undefined;
  }
  const { method, id } = message as { method: unknown; id: unknown };
  // In a 2026-07-28 message (the `_meta` envelope) `initialize` and `ping` are removed methods,
  // which the SDK's modern path answers 404 -32601 as the spec says, not bad params.
  if (REMOVED_IN_2026.has(method as string) && carriesModernEnvelope(message)) return undefined;
  const schema =
    typeof method === 'string' && Object.hasOwn(REQUEST_SCHEMAS, method)
      ? REQUEST_SCHEMAS[method as keyof typeof REQUEST_SCHEMAS]
      : undefined;
  if (!schema) return undefined;
  const parsed = schema['~standard'].validate(message);
  if (!parsed.issues) return undefined;
  const issue = parsed.issues[0];
  const where = issue?.path?.length
    ? issue.path.map((key) => (typeof key === 'object' ? key.key : key)).join('.')
    : 'params';
  return {
    id: typeof id === 'string' || typeof id === 'number' ? id : null,
    message: `Invalid params for ${method}: ${where}: ${issue?.message ?? 'invalid'}`.slice(0, 300),
  };
}

const REMOVED_IN_2026: ReadonlySet<string> = new Set(['initialize', 'ping']);

/** Whether a message claims the 2026-07-28 era: `params._meta` names a protocol version. */
function carriesModernEnvelope(message: object): boolean {
  const params = (message as { params?: { _meta?: Record<string, unknown> } }).params;
  return typeof params?._meta?.[PROTOCOL_VERSION_META_KEY] === 'string';
}

/** A JSON-RPC request id as the edge keeps it. */
export type RequestId = string | number;

/** JSON-RPC error code for a request the client cancelled before it ran (as LSP's `RequestCancelled`). */
export const REQUEST_CANCELLED = -32800;
/** JSON-RPC error code for a request the server could not answer in time (the SDK's `RequestTimeout`). */
export const REQUEST_TIMEOUT = -32001;

/** What the edge does with a POST's messages before the SDK sees them. */
export type MessagePlan =
  | { readonly kind: 'refuse'; readonly message: string }
  | {
      readonly kind: 'serve';
      /** The body for the SDK, without the requests cancelled in the same POST; `undefined` when nothing is left. */
      readonly forward: unknown;
      /** Ids of the requests the SDK must answer. */
      readonly requestIds: readonly RequestId[];
      /** Ids of requests the same POST cancelled: answered by the edge, never run. */
      readonly cancelled: readonly RequestId[];
    };

interface Message {
  readonly method?: unknown;
  readonly id?: unknown;
  readonly params?: unknown;
}

const isRequest = (m: unknown): m is Message & { id: RequestId; method: string } =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as Message).method === 'string' &&
  (typeof (m as Message).id === 'string' || typeof (m as Message).id === 'number');

const cancelledId = (m: unknown): unknown =>
  typeof m === 'object' && m !== null && (m as Message).method === 'notifications/cancelled'
    ? ((m as Message).params as { requestId?: unknown } | undefined)?.requestId
    : undefined;

/**
 * Decides how a POST is served. The SDK answers a repeated id with whichever response comes first
 * (the other is lost), and never answers a request cancelled in the same POST (so the HTTP
 * response never completes). Both are settled here, in our own code, so the rules survive an SDK
 * upgrade:
 * - a batch that uses one request id twice is refused whole (nothing runs);
 * - a request cancelled by a `notifications/cancelled` in the same POST is not run and is answered
 *   with a `REQUEST_CANCELLED` error; the cancellation itself is consumed.
 * A cancellation of a request in another POST refers to nothing this stateless server holds and
 * goes to the SDK, which ignores it.
 */
export function planMessages(body: unknown): MessagePlan {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  const ids = new Set<RequestId>();
  for (const message of messages) {
    if (!isRequest(message)) continue;
    if (ids.has(message.id)) {
      return {
        kind: 'refuse',
        message: `Invalid Request: id ${JSON.stringify(message.id)} is used by more than one request in this batch. Give every request its own id; nothing was run.`,
      };
    }
    ids.add(message.id);
  }
  const cancelled = new Set<RequestId>();
  for (const message of messages) {
    const id = cancelledId(message);
    if ((typeof id === 'string' || typeof id === 'number') && ids.has(id)) cancelled.add(id);
  }
  if (cancelled.size === 0) {
    return { kind: 'serve', forward: body, requestIds: [...ids], cancelled: [] };
  }
  const kept = messages.filter((message) => {
    if (isRequest(message)) return !cancelled.has(message.id);
    const id = cancelledId(message);
    return !((typeof id === 'string' || typeof id === 'number') && cancelled.has(id));
  });
  return {
    kind: 'serve',
    forward: kept.length > 0 ? kept : undefined,
    requestIds: [...ids].filter((id) => !cancelled.has(id)),
    cancelled: [...cancelled],
  };
}

/** A JSON-RPC error response for one request id. */
export function errorResponse(id: RequestId, code: number, message: string) {
  return { jsonrpc: '2.0' as const, id, error: { code, message } };
}

/** The answer to a request cancelled in its own POST. */
export const cancelledResponse = (id: RequestId) =>
  errorResponse(
    id,
    REQUEST_CANCELLED,
    'Request cancelled by the client before it ran: it was not processed.'
  );

/**
 * The answer to a request the server gave up on at the edge deadline. Its work may have reached
 * Salesforce, so the text says exactly that.
 */
export const timedOutResponse = (id: RequestId, limitMs: number) =>
  errorResponse(
    id,
    REQUEST_TIMEOUT,
    `The server did not answer within ${Math.ceil(limitMs / 1000)} seconds. A tool call may have been processed by the agent; call get-session-status before sending it again.`
  );

/**
 * Completes the SDK's answer with the edge's own responses: the SDK's JSON (a response or an
 * array of them; empty for 202) plus `extra`, as an array when the POST was a batch.
 */
export function mergeResponses(
  sdkBody: string,
  extra: readonly unknown[],
  batch: boolean
): unknown {
  const parsed: unknown = sdkBody.length > 0 ? JSON.parse(sdkBody) : [];
  const all = [...(Array.isArray(parsed) ? parsed : [parsed]), ...extra];
  return batch || all.length !== 1 ? all : all[0];
}

/**
 * Whether a body is one `tools/call` asking for progress (`params._meta.progressToken`): the
 * only request whose answer may stream. A batch never streams.
 */
export function asksForProgress(body: unknown): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { method, params } = body as { method?: unknown; params?: { _meta?: unknown } };
  if (method !== 'tools/call' || !params || typeof params._meta !== 'object' || !params._meta) {
    return false;
  }
  const token = (params._meta as { progressToken?: unknown }).progressToken;
  return typeof token === 'string' || typeof token === 'number';
}
