import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../lambda/state/memory-session-store.js';
import { describeSessionStoreContract, uniqueEmail } from './session-store-contract.js';

describeSessionStoreContract('MemorySessionStore', () => new MemorySessionStore());

describe('Class: MemorySessionStore', () => {
  describe('Method: get', () => {
    it('returns a frozen copy that cannot change the stored record', async () => {
      // Prepare
      const store = new MemorySessionStore();
      const email = uniqueEmail();
      await store.recordAuthentication(email, 'client-a', 1);

      // Act
      const record = await store.get(email, 'client-a');

      // Assess
      expect(Object.isFrozen(record)).toBe(true);
      expect(() => Object.assign(record ?? {}, { owner: 'client-b' })).toThrow(TypeError);
      expect((await store.get(email, 'client-a'))?.owner).toBe('client-a');
    });
  });

  describe('Method: acquireLease', () => {
    it('returns timestamps from the injected clock', async () => {
      // Prepare
      const store = new MemorySessionStore({ now: () => 1_700_000_000_000, ttlSeconds: 60 });

      // Act
      const lease = await store.acquireLease(uniqueEmail(), 'client-a', {
        leaseMs: 1_000,
        waitMs: 0,
      });

      // Assess
      expect(lease.record).toMatchObject({
        updatedAt: 1_700_000_000_000,
        expiresAt: 1_700_000_060,
      });
    });
  });

  describe('Constructor', () => {
    it('throws RangeError for a TTL that is not a positive whole number of seconds', () => {
      // Act & Assess
      expect(() => new MemorySessionStore({ ttlSeconds: 0.5 })).toThrow(RangeError);
    });
  });
});
