/**
 * Pure HTTP-edge rules of the MCP endpoint: media types, Host and Origin allowlists, CORS.
 * Kept free of I/O so each rule is unit-tested directly.
 */

/** Media types of a header value, lower-cased, parameters dropped (`application/json; q=1` -> `application/json`). */
export function mediaTypes(header: string | null): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '')
    .filter((type) => type.length > 0);
}

/**
 * How to treat the request's `Accept` header, given that this server always answers JSON.
 * The SDK insists on both `application/json` and `text/event-stream` and answers 406 otherwise,
 * which real clients (curl, Java SDK, several IDEs) hit; a client that accepts JSON gets JSON.
 */
export function acceptDecision(accept: string | null): 'as-is' | 'normalize' | 'reject' {
  const types = mediaTypes(accept);
  if (types.includes('application/json') && types.includes('text/event-stream')) return 'as-is';
  if (types.length === 0) return 'normalize';
  if (
    types.some((type) => type === 'application/json' || type === '*/*' || type === 'application/*')
  ) {
    return 'normalize';
  }
  return 'reject';
}

/** True for `application/json` (any parameters); the SDK needs JSON bodies. */
export function isJsonContentType(contentType: string | null): boolean {
  return mediaTypes(contentType)[0] === 'application/json';
}

/** `name[:port]` or `[ipv6][:port]`, as a `Host` header carries it. */
const HOST_SYNTAX = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Host name of a `Host` header, without port, lower-cased (`[::1]:3000` -> `[::1]`). */
export function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0] ?? '';
}

/**
 * DNS-rebinding protection: the `Host` must be on the allowlist when one is configured.
 * Entries are host names (`localhost`) or suffix wildcards (`*.lambda-url.eu-west-1.on.aws`).
 */
export function isHostAllowed(host: string | null, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.length === 0) return true;
  // Only a real host[:port] may match: `evil.example/x?.allowed.suffix` must not.
  if (!host || !HOST_SYNTAX.test(host.trim())) return false;
  const name = hostName(host);
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) : name === allowed;
  });
}

/**
 * An `Origin` is allowed when it is on the list exactly, the list contains `*`, or it is the
 * request's own origin and the `Host` was checked against a host allowlist. Same-origin only
 * counts with a host allowlist: without one, a DNS-rebinding page sends a matching attacker
 * Host and Origin.
 */
export function isOriginAllowed(
  origin: string,
  allowedOrigins: readonly string[],
  sameOrigin?: { host: string | null; allowedHosts: readonly string[] }
): boolean {
  const normalized = origin.replace(/\/$/, '');
  if (allowedOrigins.includes('*') || allowedOrigins.includes(normalized)) return true;
  if (!sameOrigin?.host || sameOrigin.allowedHosts.length === 0) return false;
  if (!isHostAllowed(sameOrigin.host, sameOrigin.allowedHosts)) return false;
  try {
    return new URL(normalized).host === sameOrigin.host.trim().toLowerCase();
  } catch {
    return false;
  }
}

/** CORS headers for an allowed browser origin (MCP Inspector, web clients). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'mcp-session-id, mcp-protocol-version, www-authenticate',
    vary: 'Origin',
  };
}

/** Extra headers of a CORS preflight answer. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id',
  'access-control-max-age': '600',
};

/** Longest header value a log line carries. */
const LOG_VALUE_MAX = 100;

/**
 * A request header value as it may appear in a log line: anything outside printable ASCII
 * becomes `?` (no control characters or look-alikes reach the log viewer) and it is cut to
 * 100 characters, ending in `…` when cut. For values that are not secret (Host, Origin).
 */
export function logSafe(value: string | null): string {
  if (value === null) return '(none)';
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > LOG_VALUE_MAX ? `${printable.slice(0, LOG_VALUE_MAX - 1)}…` : printable;
}
