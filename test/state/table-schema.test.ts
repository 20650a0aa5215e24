import { describe, expect, it } from 'vitest';
import { SESSION_TABLE, sessionKey, tenantKey } from '../../lambda/state/table-schema.js';

const key = SESSION_TABLE.partitionKey;

describe('Function: sessionKey', () => {
  it('returns the partition key of the normalised email within its tenant', () => {
    expect(sessionKey('client:abc', ' Ada@Example.COM ')).toEqual({
      [key]: 'client%3Aabc#ada@example.com',
    });
  });

  it('cannot be spelled by another tenant/email split, however either is chosen', () => {
    // Without encoding, tenant "a#b" + email "c@x" and tenant "a" + email "b#c@x" would meet.
    expect(sessionKey('sub:a#b', 'c@x.com')).not.toEqual(sessionKey('sub:a', 'b#c@x.com'));
    expect(sessionKey('none', 'a@x.com')).not.toEqual(sessionKey('sub:none', 'a@x.com'));
  });
});

describe('Function: tenantKey', () => {
  it('returns a key no client record can have (it holds no unencoded #)', () => {
    expect(tenantKey('sub:a#b')).toEqual({ [key]: 'sub%3Aa%23b' });
    expect(tenantKey('client:abc')[key]).not.toContain('#');
  });
});
