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
