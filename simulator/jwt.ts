import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Claims of a simulated access token. `@salesforce/agents` requires `sub` and `iss` and reads
 * `sfdc_app_id`, `scope`, `iat` and `exp` (agent-api.md §3.2); `jti` lets the simulator revoke
 * tokens one by one. Times are epoch seconds.
 */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly iss: string;
  readonly sfdc_app_id: string;
  /** Absent when the simulator is configured with `tokenScope: null`. */
  readonly scope?: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

// `tnk` first so the token starts with `eyJ0bmsiOi`, like Salesforce JWT access tokens (§3.2).
const HEADER = base64url(
  JSON.stringify({ tnk: 'core/sim/1', ver: '1.0', kid: 'SIM', typ: 'JWT', alg: 'HS256' })
);

/**
 * Mints and checks JWT-shaped access tokens, HMAC-SHA256-signed with a key drawn at construction,
 * so a token from another simulator instance or a tampered token fails `verify`.
 *
 * @example
 * const signer = new TokenSigner();
 * const token = signer.sign(claims);
 * signer.verify(token)?.exp; // claims.exp
 */
export class TokenSigner {
  readonly #key = randomBytes(32);

  sign(claims: AccessTokenClaims): string {
    const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${this.#mac(signingInput).toString('base64url')}`;
  }

  /** The claims of a token this signer issued, or `undefined` if malformed or not signed by it. */
  verify(token: string): AccessTokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = this.#mac(`${header}.${payload}`);
    const actual = Buffer.from(signature, 'base64url');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return isClaims(claims) ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  #mac(input: string): Buffer {
    return createHmac('sha256', this.#key).update(input).digest();
  }
}

/** Decodes a JWT's payload without checking its signature (for tests and diagnostics). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new TypeError('Not a JWT: expected three dot-separated parts');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function isClaims(value: unknown): value is AccessTokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.sub === 'string' &&
    typeof claims.jti === 'string' &&
    typeof claims.iat === 'number' &&
    typeof claims.exp === 'number'
  );
}
