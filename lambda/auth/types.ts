import type { JwksCache } from 'aws-jwt-verify/jwk';

/** Who called, as far as the access token tells. Agentforce has no end users here: one client. */
export interface Principal {
  /** `client_id` for client-credentials tokens, else `sub`; `anonymous` without authorization. */
  readonly subject: string;
  /** The OAuth client the token was issued to (`client_id`, or `azp`), when the token says. */
  readonly clientId?: string;
  /** Scopes granted to the token (`scope`, or `scp`), in token order. */
  readonly scopes: readonly string[];
}

/**
 * The result of authorizing one request: a principal, or the 401/403/503 answer to send with why
 * (`failure: reason`, claims only, never the token) for the caller's one log line of the request.
 */
export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; response: Response; reason: string };

/** Inbound authorization of the MCP endpoint (OAuth 2.1 resource server, RFC 6750 + RFC 9728). */
export interface InboundAuth {
  readonly mode: 'none' | 'cognito' | 'jwt';
  /**
   * Validates the bearer token of an MCP request. none-mode returns principal
   * `{ subject: 'anonymous', scopes: [] }`.
   */
  authorize(request: Request): Promise<AuthOutcome>;
  /**
   * For GET /.well-known/oauth-protected-resource and /.well-known/oauth-protected-resource/mcp:
   * the RFC 9728 document (200 JSON, with `resource`, `authorization_servers`, `scopes_supported`,
   * `bearer_methods_supported: ['header']`); undefined for any other path or in none-mode (the
   * caller answers 404 then).
   */
  protectedResourceMetadata(request: Request): Response | undefined;
}

/** The slice of a logger this module uses (Powertools' `Logger` fits). */
export interface AuthLogger {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Options of {@link createInboundAuth}. */
export interface InboundAuthOptions {
  /**
   * Receives the none-mode warning. Refusals are not logged here: their reason is in the outcome,
   * so a refused request costs one log line (written by the caller), not two.
   */
  readonly logger?: AuthLogger;
  /**
   * Where signing keys are cached. Defaults to one module-scope cache shared by every instance;
   * pass another to isolate tests or to pre-load keys.
   */
  readonly jwksCache?: JwksCache;
}
