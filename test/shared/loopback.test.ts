import { describe, expect, it } from 'vitest';
import { normalizeMyDomainUrl } from '../../lambda/agentforce/index.js';
import { toAuthConfig } from '../../lambda/auth/index.js';
import { isLoopbackHost } from '../../lambda/shared/loopback.js';

/** What counts as this machine; the reasons are in lambda/shared/loopback.ts. */
const HOSTS: [host: string, loopback: boolean][] = [
  ['127.0.0.1', true],
  ['127.255.0.9', true],
  ['127.0.0.2', true],
  ['localhost', true],
  ['LOCALHOST', true],
  ['api.localhost', true],
  ['[::1]', true],
  ['128.0.0.1', false],
  ['10.0.0.1', false],
  ['0.0.0.0', false],
  ['[::]', false],
  ['[::ffff:7f00:1]', false],
  ['localhost.example.com', false],
  ['127.0.0.1.example.com', false],
  ['example.com', false],
];

describe('Function: isLoopbackHost', () => {
  it.each(HOSTS)('returns %s -> %s', (host, expected) => {
    // Act
    const result = isLoopbackHost(host);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(HOSTS)('is the rule of both http:// exceptions (%s -> %s)', (host, expected) => {
    // Prepare
    const url = `http://${host}:8080`;
    const agentforceAccepts = (): boolean => {
      try {
        normalizeMyDomainUrl(url);
        return true;
      } catch {
        return false;
      }
    };
    const authAccepts = (): boolean => {
      try {
        toAuthConfig({
          AUTH_MODE: 'jwt',
          AUTH_ISSUER: url,
          AUTH_JWKS_URL: `${url}/jwks`,
          AUTH_AUDIENCE: 'mcp',
        });
        return true;
      } catch {
        return false;
      }
    };

    // Act
    const results = { agentforce: agentforceAccepts(), auth: authAccepts() };

    // Assess
    expect(results).toEqual({ agentforce: expected, auth: expected });
  });
});
