import { describe, expect, it, vi } from 'vitest';
import { createInboundAuth, toAuthConfig } from '../../lambda/auth/index.js';

const HOST = 'abc123xyz.lambda-url.eu-west-1.on.aws';
const ISSUER = 'https://login.example.com/oauth2/default';

const jwtEnv = {
  AUTH_MODE: 'jwt',
  AUTH_ISSUER: ISSUER,
  AUTH_JWKS_URL: `${ISSUER}/v1/keys`,
  AUTH_AUDIENCE: `https://${HOST}/mcp`,
  AUTH_REQUIRED_SCOPE: 'mcp.invoke',
};

const get = (path: string, host = HOST, method = 'GET') =>
  new Request(`https://${host}${path}`, { method, headers: { host } });

describe('Function: createInboundAuth', () => {
  describe('Method: protectedResourceMetadata', () => {
    it.each([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource/mcp/',
    ])('returns the RFC 9728 document at %s', async (path) => {
      // Prepare
      const auth = createInboundAuth(toAuthConfig(jwtEnv));

      // Act
      const response = auth.protectedResourceMetadata(get(path));

      // Assess
      expect(response?.status).toBe(200);
      expect(response?.headers.get('content-type')).toBe('application/json');
      expect(response?.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await response?.json()).toEqual({
        resource: `https://${HOST}/mcp`,
        authorization_servers: [ISSUER],
        scopes_supported: ['mcp.invoke'],
        bearer_methods_supported: ['header'],
      });
    });

    it('returns a resource built from the Host header of the request', async () => {
      const auth = createInboundAuth(toAuthConfig(jwtEnv));

      const response = auth.protectedResourceMetadata(
        get('/.well-known/oauth-protected-resource', 'other.lambda-url.us-east-1.on.aws')
      );

      expect(await response?.json()).toMatchObject({
        resource: 'https://other.lambda-url.us-east-1.on.aws/mcp',
      });
    });

    it('returns the configured AUTH_RESOURCE_URL at its path-specific metadata URL', async () => {
      const auth = createInboundAuth(
        toAuthConfig({ ...jwtEnv, AUTH_RESOURCE_URL: 'https://mcp.example.com/agentforce/mcp' })
      );

      const specific = auth.protectedResourceMetadata(
        get('/.well-known/oauth-protected-resource/agentforce/mcp', 'mcp.example.com')
      );
      const defaultPath = auth.protectedResourceMetadata(
        get('/.well-known/oauth-protected-resource/mcp', 'mcp.example.com')
      );

      expect(await specific?.json()).toMatchObject({
        resource: 'https://mcp.example.com/agentforce/mcp',
      });
      expect(defaultPath).toBeUndefined();
    });

    it.each([
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-protected-resource/other',
      '/.well-known/oauth-protected-resource/mcp/extra',
      '/mcp',
      '/',
    ])('returns undefined for %s', (path) => {
      const auth = createInboundAuth(toAuthConfig(jwtEnv));

      expect(auth.protectedResourceMetadata(get(path))).toBeUndefined();
    });

    it('returns undefined for a POST to the metadata path', () => {
      const auth = createInboundAuth(toAuthConfig(jwtEnv));

      const response = auth.protectedResourceMetadata(
        get('/.well-known/oauth-protected-resource/mcp', HOST, 'POST')
      );

      expect(response).toBeUndefined();
    });

    it('returns undefined in none-mode', () => {
      const auth = createInboundAuth(toAuthConfig({ AUTH_MODE: 'none' }));

      expect(auth.protectedResourceMetadata(get('/.well-known/oauth-protected-resource'))).toBe(
        undefined
      );
      expect(auth.protectedResourceMetadata(get('/.well-known/oauth-protected-resource/mcp'))).toBe(
        undefined
      );
    });

    it('ignores a Host header that is not a plain host name', async () => {
      const auth = createInboundAuth(toAuthConfig(jwtEnv));
      const request = new Request(`https://${HOST}/.well-known/oauth-protected-resource`, {
        headers: { host: 'evil.example", x="y' },
      });

      const response = auth.protectedResourceMetadata(request);

      expect(await response?.json()).toMatchObject({ resource: `https://${HOST}/mcp` });
    });
  });

  describe('none-mode', () => {
    it('returns the anonymous principal whatever the Authorization header', async () => {
      const auth = createInboundAuth(toAuthConfig({ AUTH_MODE: 'none' }), {
        logger: { warn: vi.fn() },
      });

      const without = await auth.authorize(new Request(`https://${HOST}/mcp`, { method: 'POST' }));
      const withJunk = await auth.authorize(
        new Request(`https://${HOST}/mcp`, {
          method: 'POST',
          headers: { authorization: 'Bearer junk' },
        })
      );

      expect(auth.mode).toBe('none');
      expect(without).toEqual({ ok: true, principal: { subject: 'anonymous', scopes: [] } });
      expect(withJunk).toEqual(without);
    });

    it('logs the unauthenticated warning once, when created', async () => {
      const logger = { warn: vi.fn() };

      const auth = createInboundAuth(toAuthConfig({ AUTH_MODE: 'none' }), { logger });
      await auth.authorize(new Request(`https://${HOST}/mcp`, { method: 'POST' }));
      await auth.authorize(new Request(`https://${HOST}/mcp`, { method: 'POST' }));

      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('AUTH_MODE=none'));
    });

    it('logs nothing when created in jwt mode', () => {
      const logger = { warn: vi.fn() };

      createInboundAuth(toAuthConfig(jwtEnv), { logger });

      expect(logger.warn).not.toHaveBeenCalled();
    });
  });
});
