import { decodeJwt, type MockIssuer, startMockIssuer } from '../../auth/oauth-issuer.js';
import { type LoadRig, startRig } from './load.js';

/** Audience, scope and client allowlist of the jwt-mode rig. */
export const AUDIENCE = 'https://agentforce-mcp.example.test/mcp';
export const SCOPE = 'mcp.invoke';
export const CLIENT_A = 'agentforce-org-a';
export const CLIENT_B = 'agentforce-org-b';

/** Claims of a genuine access token for `clientId`. */
export const claimsFor = (clientId: string) => ({
  aud: AUDIENCE,
  scope: SCOPE,
  client_id: clientId,
  sub: clientId,
});

/** The bridge with AUTH_MODE=jwt against a real OAuth server (oauth2-mock-server), plus a foreign one. */
export interface AuthRig {
  readonly rig: LoadRig;
  readonly issuer: MockIssuer;
  readonly foreign: MockIssuer;
  /** A client-credentials token from the issuer's token endpoint, with the scope and audience. */
  token(clientId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAuthRig(env: Record<string, string> = {}): Promise<AuthRig> {
  const [issuer, foreign] = await Promise.all([startMockIssuer(), startMockIssuer()]);
  const rig = await startRig({
    latencyMs: 5,
    env: {
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: issuer.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_CLIENT_IDS: `${CLIENT_A},${CLIENT_B}`,
      AUTH_REQUIRED_SCOPE: SCOPE,
      ...env,
    },
  });
  return {
    rig,
    issuer,
    foreign,
    token: (clientId) =>
      issuer.clientCredentialsToken({ clientId, scope: SCOPE, audience: AUDIENCE }),
    async close() {
      await rig.close();
      await Promise.all([issuer.stop(), foreign.stop()]);
    },
  };
}

/** The three segments of a JWT decoded to bytes (header, payload, signature). */
export function jwtBytes(token: string): string[] {
  return token.split('.').map((part) => Buffer.from(part, 'base64url').toString('hex'));
}

export { decodeJwt };
