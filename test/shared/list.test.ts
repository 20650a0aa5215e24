import { describe, expect, it } from 'vitest';
import { parseStackConfig } from '../../infra/config.js';
import { toAuthConfig } from '../../lambda/auth/index.js';
import { loadConfig } from '../../lambda/config.js';
import { parseList } from '../../lambda/shared/list.js';
import { MINIMAL_FUNCTION_ENV } from '../helpers/env.js';

const LISTS: [raw: string | undefined, items: string[]][] = [
  [undefined, []],
  ['', []],
  [' , ,', []],
  ['a', ['a']],
  ['a,b', ['a', 'b']],
  [' a , b ', ['a', 'b']],
  ['a b\tc', ['a', 'b', 'c']],
  ['a,,b, c d', ['a', 'b', 'c', 'd']],
  ['b,a,b', ['b', 'a']],
];

describe('Function: parseList', () => {
  it.each(LISTS)('splits %j into %j', (raw, items) => {
    // Act
    const result = parseList(raw);

    // Assess
    expect(result).toEqual(items);
  });

  it.each(LISTS.filter(([raw]) => raw !== undefined))(
    'is the rule of every list setting (%j)',
    (raw, items) => {
      // Act
      const fn = loadConfig({ ...MINIMAL_FUNCTION_ENV, ALLOWED_HOSTS: raw });
      const auth = toAuthConfig({
        AUTH_MODE: 'cognito',
        COGNITO_USER_POOL_ID: 'eu-west-1_AbC123xyz',
        AUTH_CLIENT_IDS: 'client',
        AUTH_REQUIRED_SCOPE: raw,
      });
      const stack = parseStackConfig({
        agentId: '0XxKZ000000abcdEFG',
        myDomainUrl: 'https://acme.my.salesforce.com',
        authMode: 'jwt',
        jwtIssuer: 'https://issuer.example.com',
        jwtJwksUrl: 'https://issuer.example.com/jwks',
        jwtAudience: 'api://agentforce-mcp',
        jwtClientIds: raw,
      });

      // Assess
      expect({
        allowedHosts: fn.http.allowedHosts,
        requiredScopes: auth.mode === 'cognito' ? auth.requiredScopes : undefined,
        jwtClientIds: stack.jwtClientIds,
      }).toEqual({ allowedHosts: items, requiredScopes: items, jwtClientIds: items });
    }
  );
});
