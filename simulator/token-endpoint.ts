import { createHmac, randomUUID } from 'node:crypto';
import { OAuthError } from './errors.js';
import type { SimulatorState } from './state.js';

/** Scopes a JWT-issuing Agent API app gets (agent-api.md §3.2, §3.5). */
export const TOKEN_SCOPE = 'sfap_api chatbot_api api';

/** The 200 body of the token endpoint, key for key as in §3.2. */
export interface TokenResponse {
  readonly access_token: string;
  readonly signature: string;
  readonly token_format: 'jwt';
  /** Absent when the simulator is configured with `tokenScope: null`. */
  readonly scope?: string;
  readonly instance_url: string;
  readonly id: string;
  readonly token_type: 'Bearer';
  /** Epoch milliseconds, as a **string**. */
  readonly issued_at: string;
  readonly api_instance_url: string;
}

/** What the token endpoint reads from an HTTP request. */
export interface TokenRequest {
  /** The `Host` header. */
  readonly host: string | undefined;
  /** The `Authorization` header (HTTP Basic client authentication). */
  readonly authorization: string | undefined;
  /** The raw `application/x-www-form-urlencoded` body. */
  readonly body: string;
}

/**
 * Handles `POST /services/oauth2/token` (client credentials, §3). Throws `OAuthError` with the
 * §3.3 `error`/`error_description` pairs.
 *
 * @example
 * const token = issueToken(state, 'http://127.0.0.1:4010', { host, authorization, body });
 */
export function issueToken(
  state: SimulatorState,
  baseUrl: string,
  request: TokenRequest,
  now: number = Date.now()
): TokenResponse {
  const { settings, identity } = state;
  if (settings.tokenEndpointDown) {
    // The real endpoint's 503 body is unknown; RFC 6749's code is the least surprising guess.
    throw new OAuthError(503, 'temporarily_unavailable', 'service temporarily unavailable');
  }
  // Tests reach the simulator as `localhost` to play a non-My-Domain login host (§3.1).
  if (hostnameOf(request.host) === 'localhost') {
    throw new OAuthError(400, 'invalid_grant', 'request not supported on this domain');
  }
  const form = new URLSearchParams(request.body);
  if (form.get('grant_type') !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', 'grant type not supported');
  }
  // Form credentials win; HTTP Basic is accepted too because its support is unverified (§3.1, §7.11).
  const basic = parseBasic(request.authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  const clientSecret = form.get('client_secret') ?? basic?.clientSecret;
  if (clientId !== settings.clientId) {
    throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
  }
  if (clientSecret !== settings.clientSecret) {
    throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
  }
  if (settings.runAsUserDisabled) {
    throw new OAuthError(400, 'invalid_grant', 'no client credentials user enabled');
  }

  const iat = Math.floor(now / 1000);
  const jti = randomUUID();
  const accessToken = state.signer.sign({
    sub: `uid:${identity.userId}`,
    iss: baseUrl,
    sfdc_app_id: identity.appId,
    ...(settings.tokenScope === null ? {} : { scope: settings.tokenScope }),
    iat,
    exp: iat + settings.tokenTtlSeconds,
    jti,
  });
  state.noteTokenIssued(jti);
  const id = `${baseUrl}/id/${identity.orgId}/${identity.userId}`;
  const issuedAt = String(now);
  return {
    access_token: accessToken,
    // Salesforce signs `id + issued_at` with the client secret (HMAC-SHA256, base64).
    signature: createHmac('sha256', settings.clientSecret)
      .update(id + issuedAt)
      .digest('base64'),
    token_format: 'jwt',
    ...(settings.tokenScope === null ? {} : { scope: settings.tokenScope }),
    instance_url: baseUrl,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
    api_instance_url: baseUrl,
  };
}

/** The OAuth-style body for a fault injected on the token route (codes from §3.3 / RFC 6749). */
export function tokenFault(status: 429 | 500 | 503, retryAfterSeconds?: number): OAuthError {
  switch (status) {
    case 429:
      return new OAuthError(429, 'rate_limit_exceeded', 'rate limit exceeded', retryAfterSeconds);
    case 500:
      return new OAuthError(500, 'server_error', 'internal server error');
    case 503:
      return new OAuthError(
        503,
        'temporarily_unavailable',
        'service temporarily unavailable',
        retryAfterSeconds
      );
  }
}

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function parseBasic(
  authorization: string | undefined
): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1 form-encodes both parts before Base64; plain values decode to themselves.
  return {
    clientId: formDecode(decoded.slice(0, colon)),
    clientSecret: formDecode(decoded.slice(colon + 1)),
  };
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return value;
  }
}
