import { describe, expect, it } from 'vitest';
import { NO_AUTH_TENANT, tenantOf } from '../../lambda/auth/index.js';

describe('Function: tenantOf', () => {
  it('returns the one no-auth tenant in none mode, whatever the principal says', () => {
    expect(tenantOf('none', { subject: 'anonymous', scopes: [] })).toBe(NO_AUTH_TENANT);
  });

  it('returns client:<id> for a token whose subject is its client', () => {
    expect(tenantOf('cognito', { subject: 'app1', clientId: 'app1', scopes: [] })).toBe(
      'client:app1'
    );
  });

  it('returns sub:<sub> for a token whose subject is a user or another principal', () => {
    expect(tenantOf('jwt', { subject: 'user-7', clientId: 'app1', scopes: [] })).toBe('sub:user-7');
    expect(tenantOf('jwt', { subject: 'user-7', scopes: [] })).toBe('sub:user-7');
  });

  it.each(['anonymous', 'none', NO_AUTH_TENANT])(
    'never lets a token with the reserved value %s share the no-auth tenant',
    (value) => {
      const tenants = [
        tenantOf('jwt', { subject: value, scopes: [] }),
        tenantOf('jwt', { subject: value, clientId: value, scopes: [] }),
        tenantOf('cognito', { subject: value, clientId: value, scopes: [] }),
      ];
      for (const tenant of tenants) expect(tenant).not.toBe(NO_AUTH_TENANT);
    }
  );

  it('keeps a client and a subject with the same name apart', () => {
    expect(tenantOf('jwt', { subject: 'x', clientId: 'x', scopes: [] })).not.toBe(
      tenantOf('jwt', { subject: 'x', clientId: 'y', scopes: [] })
    );
  });
});
