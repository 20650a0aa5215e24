/**
 * RFC 9728 protected-resource metadata and the RFC 6750 `WWW-Authenticate` challenges that point
 * clients at it. Pure functions of the request and the configuration.
 */

import { isHostSyntax } from '../http/rules.js';

/** Root of the well-known metadata URIs (RFC 9728 §3). */
export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Where the MCP endpoint lives when no canonical URL is configured. */
const DEFAULT_RESOURCE_PATH = '/mcp';

/**
 * The canonical URL of the MCP endpoint for this request: the configured one, else the scheme of
 * the request URL with its `Host` header and `/mcp`.
 */
export function resourceUrlOf(request: Request, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const url = new URL(request.url);
  const host = request.headers.get('host');
  const authority = host !== null && isHostSyntax(host) ? host.trim().toLowerCase() : url.host;
  return `${url.protocol}//${authority}${DEFAULT_RESOURCE_PATH}`;
}

/** The path-specific metadata URL of a resource (RFC 9728 §3.1): well-known segment first. */
export function metadataUrlOf(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${METADATA_PATH}${path}`;
}

/**
 * True for the two metadata paths a client may try: the root one and the one specific to the
 * resource's path (`/.well-known/oauth-protected-resource/mcp` by default).
 */
export function isMetadataPath(pathname: string, resourceUrl: string): boolean {
  const path = pathname.replace(/\/+$/, '');
  const resourcePath = new URL(resourceUrl).pathname;
  return path === METADATA_PATH || path === `${METADATA_PATH}${resourcePath}`;
}

/** The RFC 9728 document for this server. */
export function metadataDocument(
  resourceUrl: string,
  issuer: string,
  scopes: readonly string[]
): Record<string, unknown> {
  return {
    resource: resourceUrl,
    authorization_servers: [issuer],
    scopes_supported: [...scopes],
    // RFC 6750 §2.1 only: tokens in bodies or query strings are refused.
    bearer_methods_supported: ['header'],
  };
}

/** A `WWW-Authenticate: Bearer …` value; parameters with an undefined value are left out. */
export function bearerChallenge(params: Readonly<Record<string, string | undefined>>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}="${value.replace(/["\\]/g, '')}"`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}
