import { type Jwk, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { OAuth2Issuer } from 'oauth2-mock-server';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createInboundAuth, toAuthConfig } from '../../lambda/auth/index.js';

const REGION = 'eu-west-1';
const POOL_ID = `${REGION}_AbC123xyz`;
const COGNITO_ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;
const CLIENT = '3n4b5urk1ft4fl3mg5e62d9ado';
const SCOPE = 'agentforce-mcp/mcp.invoke';
const HOST = 'abc123xyz.lambda-url.eu-west-1.on.aws';
const METADATA = `https://${HOST}/.well-known/oauth-protected-resource/mcp`;

const cognitoEnv = {
  AUTH_MODE: 'cognito',
  COGNITO_USER_POOL_ID: POOL_ID,
  AUTH_CLIENT_IDS: CLIENT,
  AUTH_REQUIRED_SCOPE: SCOPE,
};

/**
 * Offline stand-in for the user pool: a local key pair whose public half is pre-loaded into the
 * JWKS cache under the pool's real JWKS URL, so nothing is fetched from AWS.
 */
const pool = new OAuth2Issuer();
let jwksCache: SimpleJwksCache;

beforeAll(async () => {
  await pool.keys.generate('RS256');
  pool.url = COGNITO_ISSUER;
  jwksCache = new SimpleJwksCache();
  jwksCache.addJwks(`${COGNITO_ISSUER}/.well-known/jwks.json`, {
    keys: pool.keys.toJSON() as unknown as Jwk[],
  });
});

/** A Cognito access token as the token endpoint issues it for client credentials. */
const clientCredentialsClaims = {
  sub: CLIENT,
  client_id: CLIENT,
  token_use: 'access',
  scope: SCOPE,
  auth_time: Math.floor(Date.now() / 1000),
  jti: 'b5f7a6a1-1111-4d5e-9f00-000000000000',
  version: 2,
};

const sign = (claims: Record<string, unknown>) =>
  pool.buildToken({
    scopesOrTransform: (_header, payload) => {
      Object.assign(payload, claims);
    },
  });

const mcpRequest = (token: string) =>
  new Request(`https://${HOST}/mcp`, {
    method: 'POST',
    headers: { host: HOST, authorization: `Bearer ${token}` },
  });

describe('Function: createInboundAuth (cognito mode, offline)', () => {
  describe('Method: authorize', () => {
    it('returns the app client as principal for a client-credentials access token', async () => {
      // Prepare
      const auth = createInboundAuth(toAuthConfig(cognitoEnv), { jwksCache });

      // Act
      const outcome = await auth.authorize(mcpRequest(await sign(clientCredentialsClaims)));

      // Assess
      expect(auth.mode).toBe('cognito');
      expect(outcome).toEqual({
        ok: true,
        principal: { subject: CLIENT, clientId: CLIENT, scopes: [SCOPE] },
      });
    });

    it('returns the user as principal for a user access token of the same client', async () => {
      const auth = createInboundAuth(toAuthConfig(cognitoEnv), { jwksCache });
      const token = await sign({
        ...clientCredentialsClaims,
        sub: '6f1c1a3e-0000-4000-8000-000000000001',
        username: 'jane',
      });

      const outcome = await auth.authorize(mcpRequest(token));

      expect(outcome).toMatchObject({
        ok: true,
        principal: { subject: '6f1c1a3e-0000-4000-8000-000000000001', clientId: CLIENT },
      });
    });

    it.each([
      ['an ID token', { token_use: 'id', aud: CLIENT }, 'Token use not allowed'],
      ['a token of another app client', { client_id: 'other-client' }, 'Client ID not allowed'],
      ['a token of another pool', { iss: `${COGNITO_ISSUER}x` }, 'issuer not configured'],
    ])('returns 401 invalid_token for %s', async (_name, claims, reason) => {
      const logger = { warn: vi.fn() };
      const auth = createInboundAuth(toAuthConfig(cognitoEnv), { jwksCache, logger });

      const outcome = await auth.authorize(
        mcpRequest(await sign({ ...clientCredentialsClaims, ...claims }))
      );

      expect(outcome.ok ? 200 : outcome.response.status).toBe(401);
      expect(outcome.ok ? '' : outcome.response.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", resource_metadata="${METADATA}", scope="${SCOPE}"`
      );
      expect(outcome).toMatchObject({
        ok: false,
        reason: expect.stringMatching(new RegExp(`^invalid_token: .*${reason}`)),
      });
      expect(logger.warn).not.toHaveBeenCalled();
    });

    it('returns 403 insufficient_scope for a token without the resource-server scope', async () => {
      const auth = createInboundAuth(toAuthConfig(cognitoEnv), { jwksCache });
      const token = await sign({ ...clientCredentialsClaims, scope: 'agentforce-mcp/other' });

      const outcome = await auth.authorize(mcpRequest(token));

      expect(outcome.ok ? 200 : outcome.response.status).toBe(403);
      expect(outcome.ok ? '' : outcome.response.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", scope="${SCOPE}", resource_metadata="${METADATA}"`
      );
    });
  });

  describe('Method: protectedResourceMetadata', () => {
    it('returns the user pool issuer as the authorization server', async () => {
      const auth = createInboundAuth(toAuthConfig(cognitoEnv), { jwksCache });

      const response = auth.protectedResourceMetadata(
        new Request(`https://${HOST}/.well-known/oauth-protected-resource/mcp`, {
          headers: { host: HOST },
        })
      );

      expect(await response?.json()).toEqual({
        resource: `https://${HOST}/mcp`,
        authorization_servers: [COGNITO_ISSUER],
        scopes_supported: [SCOPE],
        bearer_methods_supported: ['header'],
      });
    });
  });
});
