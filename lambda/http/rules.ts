/**
 * Pure HTTP-edge rules of the MCP endpoint: media types, Host and Origin allowlists, CORS.
 * Kept free of I/O so each rule is unit-tested directly.
 */

import { isLoopbackHost } from '../shared/loopback.js';

/**
 * Media types of a header value, lower-cased, parameters dropped (`application/json; q=1` ->
 * `application/json`). An HTTP list (RFC 9110 §5.6.1) separates with commas only; unlike a
 * setting list (`parseList`), `application/json text/html` is one malformed type, not two.
 */
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

/**
 * Whether a `Host` value is a plain authority: a DNS name (a trailing dot allowed) or a bracketed
 * IP literal, with an optional port, and nothing else. Only such a value may be matched against
 * an allowlist or echoed into a URL (`evil.example/x?.allowed.suffix` and quotes are refused).
 */
export function isHostSyntax(host: string): boolean {
  return HOST_SYNTAX.test(host.trim());
}

/**
 * The scheme a request was served on, from the authority that served it (a Function URL event's
 * `requestContext.domainName`, which the caller cannot set, unlike `Host`): `http:` on a loopback
 * host (the local server), else `https:` (a Function URL serves nothing else).
 */
export function servedScheme(authority: string): 'http:' | 'https:' {
  return isLoopbackHost(hostName(authority)) ? 'http:' : 'https:';
}

/** Whether an answer is an event stream (`text/event-stream`): the only kind that is relayed as it is produced. */
export function isEventStream(response: Response): boolean {
  return mediaTypes(response.headers.get('content-type')).includes('text/event-stream');
}

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
  if (!host || !isHostSyntax(host)) return false;
  const name = hostName(host);
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) : name === allowed;
  });
}

/**
 * An `Origin` is allowed when it is on the list exactly, the list contains `*`, or it is the
 * request's own origin (scheme and host, RFC 6454 §4) and the `Host` was checked against a host
 * allowlist. Same-origin only counts with a host allowlist: without one, a DNS-rebinding page
 * sends a matching attacker Host and Origin.
 */
export function isOriginAllowed(
  origin: string,
  allowedOrigins: readonly string[],
  sameOrigin?: {
    host: string | null;
    allowedHosts: readonly string[];
    /** The scheme the request was served on (`https:`, or `http:` locally), with its colon. */
    protocol: string;
  }
): boolean {
  const normalized = origin.replace(/\/$/, '');
  if (allowedOrigins.includes('*') || allowedOrigins.includes(normalized)) return true;
  if (!sameOrigin?.host || sameOrigin.allowedHosts.length === 0) return false;
  if (!isHostAllowed(sameOrigin.host, sameOrigin.allowedHosts)) return false;
  try {
    const url = new URL(normalized);
    return (
      url.protocol === sameOrigin.protocol && url.host === sameOrigin.host.trim().toLowerCase()
    );
  } catch {
    return false;
  }
}

/**
 * Request headers a browser client may send: the MCP transport's own (both eras) and the bearer token. The
 * function's preflight answer and the Function URL's CORS settings (infra) both use this list.
 */
export const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'mcp-protocol-version',
  // 2026-07-28 standard request headers (`basic/transports/streamable-http.mdx`).
  'mcp-method',
  'mcp-name',
  'mcp-session-id',
  'last-event-id',
] as const;

/** Response headers a browser client may read: the session id, the protocol version and the auth challenge. */
export const CORS_EXPOSE_HEADERS = [
  'mcp-session-id',
  'mcp-protocol-version',
  'www-authenticate',
] as const;

/** How long a browser may cache a preflight answer. */
export const CORS_MAX_AGE_SECONDS = 600;

/** CORS headers for an allowed browser origin (MCP Inspector, web clients). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': CORS_EXPOSE_HEADERS.join(', '),
    vary: 'Origin',
  };
}

/**
 * Methods `/mcp` serves: stateless, so no GET stream and no DELETE of a session. The `Allow` header,
 * the preflight answer and the Function URL's CORS settings (infra) all use this list.
 */
export const MCP_METHODS = ['POST', 'OPTIONS'] as const;

/** Extra headers of a CORS preflight answer. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': MCP_METHODS.join(', '),
  'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
  'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
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
