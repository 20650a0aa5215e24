import { describe, expect, it } from 'vitest';
import { SESSION_TABLE, sessionKey } from '../../lambda/state/table-schema.js';

describe('Function: sessionKey', () => {
  it('returns the partition key of the normalised email', () => {
    expect(sessionKey(' Ada@Example.COM ')).toEqual({
      [SESSION_TABLE.partitionKey]: 'ada@example.com',
    });
  });
});
