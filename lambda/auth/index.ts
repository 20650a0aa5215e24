import type { AuthConfig } from './config.js';
import { sharedJwksCache } from './jwks.js';
import {
  bearerChallenge,
  isMetadataPath,
  metadataDocument,
  metadataUrlOf,
  resourceUrlOf,
} from './protected-resource.js';
import { createTokenVerifier } from './token-verifier.js';
import type { AuthOutcome, InboundAuth, InboundAuthOptions, Principal } from './types.js';

export type {
  AuthConfig,
  AuthEnv,
  CognitoAuthConfig,
  JwtAuthConfig,
  NoAuthConfig,
} from './config.js';
export { authEnvSchema, isResourceScope, toAuthConfig } from './config.js';
export { AuthConfigError, InboundAuthError } from './errors.js';
export { NO_AUTH_TENANT, tenantOf } from './tenant.js';
export type {
  AuthLogger,
  AuthOutcome,
  InboundAuth,
  InboundAuthOptions,
  Principal,
} from './types.js';

const ANONYMOUS: Principal = Object.freeze({ subject: 'anonymous', scopes: Object.freeze([]) });

/** RFC 6750 §2.1: `b64token` after the scheme; the scheme name is case-insensitive. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const json = (status: number, body: object, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });

/**
 * Creates the inbound authorization of the MCP endpoint. Cheap: verifiers are built here, signing
 * keys are fetched on first use and cached at module scope, so create it once per container and
 * reuse it for every request.
 *
 * Tokens are read from the `Authorization: Bearer` header only, never from the query string or
 * the body. A missing or unusable token gets 401 with a `WWW-Authenticate` challenge naming the
 * metadata URL; a genuine token without the required scope gets 403 `insufficient_scope`; an
 * issuer whose keys cannot be loaded gets 503. Bodies are small JSON with no internal details.
 *
 * @example
 * const auth = createInboundAuth(toAuthConfig(process.env), { logger });
 * const outcome = await auth.authorize(request);
 * if (!outcome.ok) return outcome.response;
 * const owner = outcome.principal.subject;
 */
export function createInboundAuth(
  config: AuthConfig,
  options: InboundAuthOptions = {}
): InboundAuth {
  const { logger } = options;
  if (config.mode === 'none') {
    logger?.warn(
      'Inbound authorization is disabled (AUTH_MODE=none): anyone who can reach the MCP endpoint can use it.'
    );
    return {
      mode: 'none',
      authorize: async () => ({ ok: true, principal: ANONYMOUS }),
      protectedResourceMetadata: () => undefined,
    };
  }

  const verifier = createTokenVerifier(config, options.jwksCache ?? sharedJwksCache);
  const scope = config.requiredScopes.length > 0 ? config.requiredScopes.join(' ') : undefined;

  function unauthorized(metadataUrl: string, tokenPresent: boolean): Response {
    const challenge = bearerChallenge({
      // RFC 6750 §3.1: no error code when the client simply sent no token.
      error: tokenPresent ? 'invalid_token' : undefined,
      resource_metadata: metadataUrl,
      scope,
    });
    const body = tokenPresent
      ? { error: 'invalid_token', error_description: 'The access token is invalid or expired.' }
      : { error: 'unauthorized', error_description: 'This MCP server requires a bearer token.' };
    return json(401, body, { 'www-authenticate': challenge });
  }

  return {
    mode: config.mode,

    async authorize(request: Request): Promise<AuthOutcome> {
      const metadataUrl = metadataUrlOf(resourceUrlOf(request, config.resourceUrl));
      const header = request.headers.get('authorization');
      // Another scheme (Basic, …) is no attempt at bearer authentication: answer as if absent.
      if (header === null || !/^bearer\b/i.test(header.trim())) {
        return { ok: false, response: unauthorized(metadataUrl, false), reason: 'no bearer token' };
      }
      const token = BEARER.exec(header.trim())?.[1];
      if (token === undefined) {
        return {
          ok: false,
          response: unauthorized(metadataUrl, true),
          reason: 'invalid_token: malformed Authorization header',
        };
      }

      const result = await verifier.verify(token);
      if (result.ok) return { ok: true, principal: result.principal };
      const reason = `${result.failure}: ${result.reason}`;
      switch (result.failure) {
        case 'invalid_token':
          return { ok: false, response: unauthorized(metadataUrl, true), reason };
        case 'insufficient_scope':
          return {
            ok: false,
            reason,
            response: json(
              403,
              {
                error: 'insufficient_scope',
                error_description: `The access token lacks the required scope: ${scope}.`,
              },
              {
                'www-authenticate': bearerChallenge({
                  error: 'insufficient_scope',
                  scope,
                  resource_metadata: metadataUrl,
                }),
              }
            ),
          };
        case 'unavailable':
          return {
            ok: false,
            reason,
            response: json(
              503,
              {
                error: 'temporarily_unavailable',
                error_description: 'Access tokens cannot be verified right now. Retry shortly.',
              },
              { 'retry-after': '5' }
            ),
          };
      }
    },

    protectedResourceMetadata(request: Request): Response | undefined {
      if (request.method !== 'GET') return undefined;
      const resourceUrl = resourceUrlOf(request, config.resourceUrl);
      if (!isMetadataPath(new URL(request.url).pathname, resourceUrl)) return undefined;
      return json(200, metadataDocument(resourceUrl, config.issuer, config.requiredScopes), {
        // Public and stable: let clients and intermediaries cache it briefly.
        'cache-control': 'public, max-age=300',
      });
    },
  };
}
