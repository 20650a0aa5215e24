import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksValidationError, JwtBaseError } from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { CognitoAuthConfig, JwtAuthConfig } from './config.js';
import type { Principal } from './types.js';

/** Tolerated clock skew between the issuer and Lambda for `exp` and `nbf`. */
const GRACE_SECONDS = 5;

/** The verdict on one access token. `reason` is for logs: claims, never the token itself. */
export type TokenCheck =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly failure: 'invalid_token' | 'insufficient_scope' | 'unavailable';
      readonly reason: string;
    };

/** Checks signature, expiry, issuer, audience or client, and scope of an access token. */
export interface TokenVerifier {
  verify(token: string): Promise<TokenCheck>;
}

const stringClaim = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Scopes from `scope` (RFC 9068, space-separated) or `scp` (string or array, Okta/Entra style). */
function tokenScopes(payload: JwtPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return items.filter((item): item is string => typeof item === 'string' && item !== '');
}

/** Log reasons may quote parts of a caller-supplied token; keep them short. */
const MAX_REASON_LENGTH = 200;

function rejected(
  failure: 'invalid_token' | 'insufficient_scope' | 'unavailable',
  reason: string
): TokenCheck {
  return { ok: false, failure, reason: reason.slice(0, MAX_REASON_LENGTH) };
}

/**
 * Builds the verifier for a mode. Signature, `exp`/`nbf`, issuer and (jwt) audience are checked
 * by `aws-jwt-verify`; the client allowlist, the scope and the presence of `exp` here, after the
 * token is known to be genuine, so a 403 is never given for a token that deserves a 401.
 */
export function createTokenVerifier(
  config: CognitoAuthConfig | JwtAuthConfig,
  jwksCache: JwksCache
): TokenVerifier {
  let verifyJwt: (token: string) => Promise<JwtPayload>;
  if (config.mode === 'cognito') {
    // Access tokens only: an ID token of the same client must not open the MCP endpoint.
    const verifier = CognitoJwtVerifier.create(
      {
        userPoolId: config.userPoolId,
        tokenUse: 'access',
        clientId: [...config.clientIds],
        graceSeconds: GRACE_SECONDS,
      },
      { jwksCache }
    );
    verifyJwt = (token) => verifier.verify(token);
  } else {
    const verifier = JwtVerifier.create(
      {
        issuer: config.issuer,
        jwksUri: config.jwksUrl,
        audience: config.audience.length > 0 ? [...config.audience] : null,
        graceSeconds: GRACE_SECONDS,
      },
      { jwksCache }
    );
    verifyJwt = (token) => verifier.verify(token);
  }

  function check(payload: JwtPayload): TokenCheck {
    // aws-jwt-verify only checks `exp` when present; a token without one would never expire.
    if (typeof payload.exp !== 'number') return rejected('invalid_token', 'token has no exp claim');
    const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
    if (config.mode === 'jwt') {
      // Cognito-style issuers label ID tokens; those are for the client, not for this resource.
      const tokenUse = stringClaim(payload.token_use);
      if (tokenUse !== undefined && tokenUse !== 'access') {
        return rejected('invalid_token', `token_use is ${tokenUse}, expected access`);
      }
      if (config.clientIds.length > 0 && !config.clientIds.includes(clientId ?? '')) {
        return rejected('invalid_token', `client ${clientId ?? '(none)'} is not allowed`);
      }
    }
    // Cognito client-credentials tokens carry no `username`; their subject is the client.
    const isClientCredentials =
      config.mode === 'cognito' && stringClaim(payload.username) === undefined;
    const subject = isClientCredentials
      ? clientId
      : (stringClaim(payload.sub) ?? (config.mode === 'jwt' ? clientId : undefined));
    if (subject === undefined) return rejected('invalid_token', 'token names no subject');

    const scopes = tokenScopes(payload);
    const missing = config.requiredScopes.filter((scope) => !scopes.includes(scope));
    if (missing.length > 0) {
      return rejected('insufficient_scope', `missing scope ${missing.join(' ')}`);
    }
    return {
      ok: true,
      principal: clientId === undefined ? { subject, scopes } : { subject, clientId, scopes },
    };
  }

  return {
    async verify(token) {
      let payload: JwtPayload;
      try {
        payload = await verifyJwt(token);
      } catch (err) {
        // The issuer's keys could not be loaded: our problem (or the issuer's), not the caller's.
        if (err instanceof FetchError || err instanceof JwksValidationError) {
          return rejected('unavailable', err.message);
        }
        // The library's messages name claims, algorithms and kids; none repeats the signature.
        if (err instanceof JwtBaseError) return rejected('invalid_token', err.message);
        throw err;
      }
      return check(payload);
    },
  };
}
