import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInboundAuth, type InboundAuth, toAuthConfig } from '../../lambda/auth/index.js';
import {
  decodeJwt,
  hmacWithPublicKey,
  type MockIssuer,
  startMockIssuer,
  unsignedCopy,
  withPayload,
} from './oauth-issuer.js';

const HOST = 'abc123xyz.lambda-url.eu-west-1.on.aws';
const RESOURCE = `https://${HOST}/mcp`;
const METADATA = `https://${HOST}/.well-known/oauth-protected-resource/mcp`;
const SCOPE = 'mcp.invoke';
const CLIENT = 'agentforce-org';

const MISSING_CHALLENGE = `Bearer resource_metadata="${METADATA}", scope="${SCOPE}"`;
const INVALID_CHALLENGE = `Bearer error="invalid_token", resource_metadata="${METADATA}", scope="${SCOPE}"`;
const SCOPE_CHALLENGE = `Bearer error="insufficient_scope", scope="${SCOPE}", resource_metadata="${METADATA}"`;

/** A POST to /mcp as the Function URL adapter builds it. */
function mcpRequest(headers: Record<string, string> = {}, url = RESOURCE): Request {
  return new Request(url, {
    method: 'POST',
    headers: { host: HOST, 'content-type': 'application/json', ...headers },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let issuer: MockIssuer;
let otherIssuer: MockIssuer;

function jwtAuth(extraEnv: Record<string, string> = {}, logger = { warn: vi.fn() }) {
  const config = toAuthConfig({
    AUTH_MODE: 'jwt',
    AUTH_ISSUER: issuer.url,
    AUTH_JWKS_URL: issuer.jwksUrl,
    AUTH_AUDIENCE: RESOURCE,
    AUTH_REQUIRED_SCOPE: SCOPE,
    ...extraEnv,
  });
  return { auth: createInboundAuth(config, { logger }), logger };
}

async function expectRejection(
  auth: InboundAuth,
  request: Request,
  status: number,
  challenge: string
) {
  const outcome = await auth.authorize(request);
  if (outcome.ok) throw new Error(`expected ${status}, got principal ${outcome.principal.subject}`);
  expect(outcome.response.status).toBe(status);
  expect(outcome.response.headers.get('www-authenticate')).toBe(challenge);
  expect(outcome.response.headers.get('content-type')).toBe('application/json');
  return (await outcome.response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  [issuer, otherIssuer] = await Promise.all([startMockIssuer(), startMockIssuer()]);
});
afterAll(async () => {
  await Promise.all([issuer.stop(), otherIssuer.stop()]);
});

describe('Function: createInboundAuth (jwt mode, real OAuth server)', () => {
  describe('Method: authorize', () => {
    it('returns the client as principal for a client-credentials token from the token endpoint', async () => {
      // Prepare
      const { auth, logger } = jwtAuth();
      const token = await issuer.clientCredentialsToken({
        clientId: CLIENT,
        scope: SCOPE,
        audience: RESOURCE,
      });

      // Act
      const outcome = await auth.authorize(mcpRequest(bearer(token)));

      // Assess
      expect(outcome).toEqual({
        ok: true,
        principal: { subject: CLIENT, clientId: CLIENT, scopes: [SCOPE] },
      });
      expect(logger.warn).not.toHaveBeenCalled();
    });

    it('returns 401 without an error code when the request has no Authorization header', async () => {
      const { auth, logger } = jwtAuth();

      const body = await expectRejection(auth, mcpRequest(), 401, MISSING_CHALLENGE);

      expect(body).toEqual({ error: 'unauthorized', error_description: expect.any(String) });
      expect(logger.warn).not.toHaveBeenCalled();
    });

    it('returns 401 without an error code for another authentication scheme', async () => {
      const { auth } = jwtAuth();

      await expectRejection(
        auth,
        mcpRequest({ authorization: 'Basic YTpi' }),
        401,
        MISSING_CHALLENGE
      );
    });

    it('returns 401 for a valid token sent in the query string instead of the header', async () => {
      const { auth } = jwtAuth();
      const token = await issuer.clientCredentialsToken({
        clientId: CLIENT,
        scope: SCOPE,
        audience: RESOURCE,
      });

      await expectRejection(
        auth,
        mcpRequest({}, `${RESOURCE}?access_token=${token}`),
        401,
        MISSING_CHALLENGE
      );
    });

    it('returns 401 invalid_token for a malformed Bearer header', async () => {
      const { auth } = jwtAuth();

      await expectRejection(
        auth,
        mcpRequest({ authorization: 'Bearer a b' }),
        401,
        INVALID_CHALLENGE
      );
    });

    const validClaims = { aud: RESOURCE, scope: SCOPE, client_id: CLIENT, sub: CLIENT };
    /** Each case names the check that must reject it, so a test cannot pass for another reason. */
    const invalidTokens: { name: string; reason: string; token: () => Promise<string> }[] = [
      {
        name: 'an expired token',
        reason: 'Token expired',
        token: () => issuer.sign(validClaims, { expiresIn: -60 }),
      },
      {
        name: 'a token not valid yet',
        reason: "can't be used before",
        token: () => issuer.sign({ ...validClaims, nbf: Math.floor(Date.now() / 1000) + 600 }),
      },
      {
        name: 'a token without exp',
        reason: 'no exp claim',
        token: () => issuer.sign(validClaims, { drop: ['exp'] }),
      },
      {
        name: 'a token from another issuer',
        reason: 'not found in the JWKS',
        token: () => otherIssuer.sign(validClaims),
      },
      {
        name: 'a token signed with a foreign key under our kid and issuer',
        reason: 'Invalid signature',
        token: () => otherIssuer.sign({ ...validClaims, iss: issuer.url }, { kid: issuer.kid }),
      },
      {
        name: 'a token whose iss is not our issuer',
        reason: 'Issuer not allowed',
        token: () => issuer.sign({ ...validClaims, iss: 'https://evil.example' }),
      },
      {
        name: 'a token for another audience',
        reason: 'Audience not allowed',
        token: () => issuer.sign({ ...validClaims, aud: 'https://other.example/mcp' }),
      },
      {
        name: 'a token without audience',
        reason: 'Missing Audience',
        token: () => issuer.sign(validClaims, { drop: ['aud'] }),
      },
      {
        name: 'a token with a tampered payload',
        reason: 'Invalid signature',
        token: async () => {
          const token = await issuer.sign({ ...validClaims, scope: 'read' });
          return withPayload(token, { ...decodeJwt(token).payload, scope: SCOPE });
        },
      },
      {
        name: 'an unsigned token (alg none)',
        reason: 'exactly 3 parts',
        token: async () => unsignedCopy(await issuer.sign(validClaims)),
      },
      {
        name: 'a token relabelled alg none with its signature kept',
        reason: 'algorithm not allowed: none',
        token: async () => unsignedCopy(await issuer.sign(validClaims), true),
      },
      {
        name: 'a token HMAC-signed with the public key (alg confusion)',
        reason: 'algorithm not allowed: HS256',
        token: async () =>
          hmacWithPublicKey(
            await issuer.sign(validClaims),
            issuer.server.issuer.keys.toJSON()[0] ?? {}
          ),
      },
      {
        name: 'an ID token of a Cognito-style issuer',
        reason: 'token_use is id',
        token: () => issuer.sign({ ...validClaims, token_use: 'id' }),
      },
      { name: 'a string that is not a JWT', reason: 'Invalid JWT', token: async () => 'not.a.jwt' },
    ];

    it.each(invalidTokens)(
      'returns 401 invalid_token for $name',
      async ({ reason, token: make }) => {
        // Prepare
        const { auth, logger } = jwtAuth();
        const token = await make();

        // Act
        const outcome = await auth.authorize(mcpRequest(bearer(token)));

        // Assess: the reason is for the caller's one log line; the module logs nothing itself.
        if (outcome.ok) throw new Error('expected a rejection');
        expect(outcome.response.status).toBe(401);
        expect(outcome.response.headers.get('www-authenticate')).toBe(INVALID_CHALLENGE);
        expect(await outcome.response.json()).toEqual({
          error: 'invalid_token',
          error_description: expect.any(String),
        });
        expect(outcome.reason).toMatch(/^invalid_token: /);
        expect(outcome.reason).toContain(reason);
        expect(outcome.reason).not.toContain(token);
        expect(logger.warn).not.toHaveBeenCalled();
      }
    );

    it('returns 403 insufficient_scope for a genuine token without the required scope', async () => {
      const { auth } = jwtAuth();
      const token = await issuer.clientCredentialsToken({
        clientId: CLIENT,
        scope: 'other',
        audience: RESOURCE,
      });

      const body = await expectRejection(auth, mcpRequest(bearer(token)), 403, SCOPE_CHALLENGE);

      expect(body).toEqual({
        error: 'insufficient_scope',
        error_description: expect.stringContaining(SCOPE),
      });
    });

    it('returns 401, not 403, for an expired token that also lacks the scope', async () => {
      const { auth } = jwtAuth();
      const token = await issuer.sign({ aud: RESOURCE, sub: CLIENT }, { expiresIn: -60 });

      await expectRejection(auth, mcpRequest(bearer(token)), 401, INVALID_CHALLENGE);
    });

    it('returns the principal when every required scope is among several granted', async () => {
      const { auth } = jwtAuth({ AUTH_REQUIRED_SCOPE: 'mcp.invoke, mcp.admin' });
      const token = await issuer.sign({
        aud: RESOURCE,
        sub: CLIENT,
        scope: 'mcp.admin openid mcp.invoke',
      });

      const outcome = await auth.authorize(mcpRequest(bearer(token)));

      expect(outcome).toEqual({
        ok: true,
        principal: { subject: CLIENT, scopes: ['mcp.admin', 'openid', 'mcp.invoke'] },
      });
    });

    it('refuses to start with only AUTH_CLIENT_IDS, which would accept tokens for any API of the issuer', async () => {
      // Prepare: a token of an allowed client, issued for another API, and one with no aud.
      const forOtherApi = await issuer.sign({
        client_id: CLIENT,
        aud: 'https://billing.example/api',
        scope: SCOPE,
      });
      const withoutAud = await issuer.clientCredentialsToken({ clientId: CLIENT, scope: SCOPE });

      // Act
      const start = () => jwtAuth({ AUTH_AUDIENCE: '', AUTH_CLIENT_IDS: CLIENT });

      // Assess: neither token reaches a server configured this way, because none starts.
      expect(start).toThrow(/AUTH_AUDIENCE: is required when AUTH_MODE=jwt/);
      expect(decodeJwt(forOtherApi).payload.aud).toBe('https://billing.example/api');
      expect(decodeJwt(withoutAud).payload.aud).toBeUndefined();
    });

    it('binds tokens by a resource-server scope when no audience is set (Cognito style)', async () => {
      // Prepare
      const resourceScope = 'agentforce-mcp/mcp.invoke';
      const { auth } = jwtAuth({
        AUTH_AUDIENCE: '',
        AUTH_CLIENT_IDS: `${CLIENT},backup-client`,
        AUTH_REQUIRED_SCOPE: resourceScope,
      });
      const allowed = await issuer.clientCredentialsToken({
        clientId: CLIENT,
        scope: resourceScope,
      });
      const viaAzp = await issuer.sign({
        azp: 'backup-client',
        sub: 'user-1',
        scope: resourceScope,
      });
      const otherApi = await issuer.clientCredentialsToken({
        clientId: CLIENT,
        scope: 'billing-api/read',
      });
      const foreign = await issuer.clientCredentialsToken({
        clientId: 'someone-else',
        scope: resourceScope,
      });

      // Act
      const allowedOutcome = await auth.authorize(mcpRequest(bearer(allowed)));
      const azpOutcome = await auth.authorize(mcpRequest(bearer(viaAzp)));
      const otherApiOutcome = await auth.authorize(mcpRequest(bearer(otherApi)));
      const foreignOutcome = await auth.authorize(mcpRequest(bearer(foreign)));

      // Assess
      expect(allowedOutcome).toMatchObject({ ok: true, principal: { subject: CLIENT } });
      expect(azpOutcome).toEqual({
        ok: true,
        principal: { subject: 'user-1', clientId: 'backup-client', scopes: [resourceScope] },
      });
      expect(otherApiOutcome).toMatchObject({ ok: false, response: { status: 403 } });
      expect(foreignOutcome).toMatchObject({ ok: false, response: { status: 401 } });
    });

    it('names the configured resource URL in the challenge when AUTH_RESOURCE_URL is set', async () => {
      const { auth } = jwtAuth({ AUTH_RESOURCE_URL: 'https://mcp.example.com/agentforce/mcp/' });

      await expectRejection(
        auth,
        mcpRequest(),
        401,
        `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/agentforce/mcp", scope="${SCOPE}"`
      );
    });

    it('returns 401 without a scope parameter when no scope is required', async () => {
      const { auth } = jwtAuth({ AUTH_REQUIRED_SCOPE: '' });
      const token = await issuer.sign({ aud: RESOURCE, sub: CLIENT });

      const outcome = await auth.authorize(mcpRequest(bearer(token)));
      const missing = await auth.authorize(mcpRequest());

      expect(outcome).toEqual({ ok: true, principal: { subject: CLIENT, scopes: [] } });
      expect(missing.ok ? undefined : missing.response.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${METADATA}"`
      );
    });

    it('returns 503 with the cause (for the log line of the request) when the issuer keys cannot be fetched', async () => {
      // Prepare: a JWKS URL on a port where nothing listens.
      const { auth, logger } = jwtAuth({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks' });
      const token = await issuer.sign({ aud: RESOURCE, sub: CLIENT, scope: SCOPE });

      // Act
      const outcome = await auth.authorize(mcpRequest(bearer(token)));

      // Assess
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.response.status).toBe(503);
      expect(outcome.response.headers.get('retry-after')).toBe('5');
      expect(outcome.response.headers.get('www-authenticate')).toBeNull();
      expect(await outcome.response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: expect.any(String),
      });
      expect(outcome.reason).toMatch(/^unavailable: .*127\.0\.0\.1:9/);
      expect(logger.warn).not.toHaveBeenCalled();
    });
  });
});
