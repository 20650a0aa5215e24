import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDocumentClient,
  DynamoDbSessionStore,
} from '../../lambda/state/dynamodb-session-store.js';
import {
  createSessionTable,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
} from '../../local/dynamodb-local.js';
import { uniqueEmail } from './session-store-contract.js';

const endpoint = inject('dynamoDbEndpoint');
const tableName = `sessions-concurrency-${randomUUID()}`;
const client = createDocumentClient({
  endpoint,
  region: LOCAL_AWS_REGION,
  credentials: LOCAL_AWS_CREDENTIALS,
});
// Generous: 49 waiters polling one item slow DynamoDB Local down on a loaded machine.
const LEASE = { leaseMs: 30_000, waitMs: 50_000 } as const;
const SLOW = { timeout: 60_000 } as const;

beforeAll(() => createSessionTable(endpoint, tableName));
afterAll(() => client.destroy());

describe('Class: DynamoDbSessionStore (concurrency)', () => {
  describe('Method: acquireLease', () => {
    it(
      'returns 50 distinct, increasing sequence ids to 50 overlapping turns on one email',
      SLOW,
      async () => {
        // Prepare
        const store = new DynamoDbSessionStore({ tableName, client });
        const email = uniqueEmail();
        const sequenceIdsInLeaseOrder: number[] = [];
        let holders = 0;
        let maxHolders = 0;
        const turn = async () => {
          const lease = await store.acquireLease(email, 'client-a', LEASE);
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          sequenceIdsInLeaseOrder.push(lease.sequenceId);
          await sleep(2);
          holders--;
          await store.release(lease, { lastTurnAt: Date.now() });
        };

        // Act
        await Promise.all(Array.from({ length: 50 }, turn));

        // Assess
        expect(sequenceIdsInLeaseOrder).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(maxHolders).toBe(1);
        expect((await store.get(email, 'client-a'))?.lastSequenceId).toBe(50);
      }
    );

    it('returns sequence id 1 to each of 100 emails acquired in parallel', SLOW, async () => {
      // Prepare
      const store = new DynamoDbSessionStore({ tableName, client });
      const emails = Array.from({ length: 100 }, uniqueEmail);

      // Act
      const leases = await Promise.all(
        emails.map((email) => store.acquireLease(email, `owner-${email}`, LEASE))
      );
      await Promise.all(leases.map((lease) => store.release(lease, { lastTurnAt: 1 })));

      // Assess
      expect(leases.map((lease) => lease.sequenceId)).toEqual(emails.map(() => 1));
      const records = await Promise.all(emails.map((email) => store.get(email, `owner-${email}`)));
      expect(records.map((record) => [record?.owner, record?.lastSequenceId])).toEqual(
        emails.map((email) => [`owner-${email}`, 1])
      );
      expect(store.stats).toEqual({ reads: 100, writes: 200 });
    });
  });
});
