/** W3C Trace Context `traceparent`: version-traceid-parentid-flags, lower-case hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A valid `traceparent` (W3C Trace Context §3.2), else `undefined`: never echo arbitrary input. */
export function validTraceparent(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || /^0+$/.test(traceId ?? '') || /^0+$/.test(parentId ?? ''))
    return undefined;
  return match[0];
}

/**
 * The caller's trace context for the log lines of one request: `params._meta.traceparent` of the
 * (first) JSON-RPC message that carries one, as MCP clients propagate it, else the HTTP
 * `traceparent` header.
 *
 * @example
 * traceparentOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { traceparent: '00-…-01' } } }, null);
 */
export function traceparentOf(body: unknown, header: string | null): string | undefined {
  for (const message of Array.isArray(body) ? body : [body]) {
    const meta = (message as { params?: { _meta?: { traceparent?: unknown } } } | null)?.params
      ?._meta;
    const found = validTraceparent(meta?.traceparent);
    if (found) return found;
  }
  return validTraceparent(header);
}
