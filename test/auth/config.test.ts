import { describe, expect, it } from 'vitest';
import { AuthConfigError, isResourceScope, toAuthConfig } from '../../lambda/auth/index.js';

/** The error `toAuthConfig` throws for `env`, or a failure when it does not throw one. */
function configError(env: Record<string, string>): AuthConfigError {
  try {
    toAuthConfig(env);
  } catch (err) {
    if (err instanceof AuthConfigError) return err;
    throw err;
  }
  throw new Error('expected an AuthConfigError');
}

describe('Function: toAuthConfig', () => {
  it('throws naming the Cognito variables when nothing is set (cognito is the default)', () => {
    const error = configError({});

    expect(error.variables).toEqual(['COGNITO_USER_POOL_ID', 'AUTH_CLIENT_IDS']);
    expect(error.message).toBe(
      'COGNITO_USER_POOL_ID: is required when AUTH_MODE=cognito; AUTH_CLIENT_IDS: is required when AUTH_MODE=cognito'
    );
  });

  it('returns none-mode only when chosen explicitly', () => {
    expect(toAuthConfig({ AUTH_MODE: 'none' })).toEqual({ mode: 'none' });
  });

  it('returns the normalised cognito configuration with the pool issuer', () => {
    const config = toAuthConfig({
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: 'us-gov-west-1_AbC123',
      AUTH_CLIENT_IDS: ' client-a, client-b,client-a ',
      AUTH_REQUIRED_SCOPE: 'agentforce-mcp/mcp.invoke',
    });

    expect(config).toEqual({
      mode: 'cognito',
      userPoolId: 'us-gov-west-1_AbC123',
      issuer: 'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC123',
      clientIds: ['client-a', 'client-b'],
      requiredScopes: ['agentforce-mcp/mcp.invoke'],
    });
  });

  it('throws for a user pool id that is not <region>_<id>', () => {
    const error = configError({ COGNITO_USER_POOL_ID: 'AbC123', AUTH_CLIENT_IDS: 'a' });

    expect(error.variables).toEqual(['COGNITO_USER_POOL_ID']);
  });

  it('returns the jwt configuration with lists split on commas and spaces', () => {
    const config = toAuthConfig({
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: 'https://idp.example.com/',
      AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      AUTH_AUDIENCE: 'https://mcp.example.com/mcp',
      AUTH_REQUIRED_SCOPE: 'mcp.invoke mcp.read,  mcp.invoke',
      AUTH_RESOURCE_URL: 'https://mcp.example.com/mcp/',
    });

    expect(config).toEqual({
      mode: 'jwt',
      issuer: 'https://idp.example.com/',
      jwksUrl: 'https://idp.example.com/.well-known/jwks.json',
      audience: ['https://mcp.example.com/mcp'],
      clientIds: [],
      requiredScopes: ['mcp.invoke', 'mcp.read'],
      resourceUrl: 'https://mcp.example.com/mcp',
    });
  });

  it('throws naming issuer and JWKS URL when jwt mode lacks them', () => {
    const error = configError({ AUTH_MODE: 'jwt', AUTH_AUDIENCE: 'x' });

    expect(error.variables).toEqual(['AUTH_ISSUER', 'AUTH_JWKS_URL']);
  });

  it.each([
    ['no audience and no scope', {}],
    ['only a client allowlist', { AUTH_CLIENT_IDS: 'agentforce-org' }],
    ['a plain scope, which any API of the issuer may grant', { AUTH_REQUIRED_SCOPE: 'mcp.invoke' }],
  ])('throws naming AUTH_AUDIENCE when jwt mode has %s', (_name, extra) => {
    const error = configError({
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: 'https://idp.example.com',
      AUTH_JWKS_URL: 'https://idp.example.com/jwks',
      AUTH_AUDIENCE: ' ',
      ...extra,
    });

    expect(error.variables).toEqual(['AUTH_AUDIENCE']);
    expect(error.message).toContain('resource-server scope like <server>/<scope>');
  });

  it('returns a jwt configuration bound by a resource-server scope instead of an audience', () => {
    const config = toAuthConfig({
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      AUTH_JWKS_URL:
        'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json',
      AUTH_CLIENT_IDS: 'agentforce-org',
      AUTH_REQUIRED_SCOPE: 'agentforce-mcp/mcp.invoke',
    });

    expect(config).toMatchObject({
      audience: [],
      clientIds: ['agentforce-org'],
      requiredScopes: ['agentforce-mcp/mcp.invoke'],
    });
  });

  it.each([
    ['AUTH_ISSUER', 'http://idp.example.com'],
    ['AUTH_JWKS_URL', 'ftp://idp.example.com/jwks'],
    ['AUTH_JWKS_URL', 'idp.example.com/jwks'],
    ['AUTH_ISSUER', 'https://user:pass@idp.example.com'],
    ['AUTH_RESOURCE_URL', 'https://mcp.example.com/mcp?tenant=a'],
    ['AUTH_RESOURCE_URL', 'https://mcp.example.com/mcp#frag'],
    ['AUTH_MODE', 'oauth'],
  ])('throws naming %s for %s', (variable, value) => {
    const env = {
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: 'https://idp.example.com',
      AUTH_JWKS_URL: 'https://idp.example.com/jwks',
      AUTH_AUDIENCE: 'a',
      [variable]: value,
    };

    expect(configError(env).variables).toEqual([variable]);
  });

  it('returns loopback http URLs, for a local issuer', () => {
    const config = toAuthConfig({
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: 'http://localhost:8080',
      AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks',
      AUTH_AUDIENCE: 'http://127.0.0.1:3000/mcp',
      AUTH_CLIENT_IDS: 'local-client',
    });

    expect(config).toMatchObject({ issuer: 'http://localhost:8080', clientIds: ['local-client'] });
  });
});

describe('Function: isResourceScope', () => {
  it.each([
    ['agentforce-mcp/mcp.invoke', true],
    ['https://api.example.com/read', true],
    ['mcp.invoke', false],
    ['/read', false],
    ['agentforce-mcp/', false],
    ['', false],
  ])('returns %s -> %s', (scope, expected) => {
    expect(isResourceScope(scope)).toBe(expected);
  });
});
