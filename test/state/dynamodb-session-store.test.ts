import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDocumentClient,
  DynamoDbSessionStore,
} from '../../lambda/state/dynamodb-session-store.js';
import { StoreUnavailableError } from '../../lambda/state/errors.js';
import { sessionKey } from '../../lambda/state/table-schema.js';
import {
  createSessionTable,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
} from '../../local/dynamodb-local.js';
import { describeSessionStoreContract, uniqueEmail } from './session-store-contract.js';

const endpoint = inject('dynamoDbEndpoint');
const tableName = `sessions-store-${randomUUID()}`;
const client = createDocumentClient({
  endpoint,
  region: LOCAL_AWS_REGION,
  credentials: LOCAL_AWS_CREDENTIALS,
});
const rawClient = new DynamoDBClient({
  endpoint,
  region: LOCAL_AWS_REGION,
  credentials: LOCAL_AWS_CREDENTIALS,
});

beforeAll(() => createSessionTable(endpoint, tableName));
afterAll(() => {
  client.destroy();
  rawClient.destroy();
});

describeSessionStoreContract(
  'DynamoDbSessionStore',
  () => new DynamoDbSessionStore({ tableName, client })
);

describe('Class: DynamoDbSessionStore', () => {
  describe('Method: release', () => {
    it('leaves an item with a numeric epoch-seconds TTL, no lease attributes, and the release recorded', async () => {
      // Prepare
      const store = new DynamoDbSessionStore({ tableName, client, ttlSeconds: 3_600 });
      const email = uniqueEmail();
      const lease = await store.acquireLease(email, 'client-a', { leaseMs: 10_000, waitMs: 0 });

      // Act
      await store.release(lease, { lastTurnAt: 1 });

      // Assess
      const { Item } = await rawClient.send(
        new GetItemCommand({ TableName: tableName, Key: marshall(sessionKey('client-a', email)) })
      );
      const nowSeconds = Date.now() / 1000;
      expect(Object.keys(Item ?? {}).sort()).toEqual([
        'clientEmail',
        'expiresAt',
        'lastSequenceId',
        'lastTurnAt',
        'owner',
        'releasedLeaseId',
        'stateKey',
        'updatedAt',
      ]);
      expect(Item?.releasedLeaseId?.S).toBe(lease.leaseId);
      const expiresAt = Number(Item?.expiresAt?.N);
      expect(Number.isInteger(expiresAt)).toBe(true);
      expect(expiresAt).toBeGreaterThan(nowSeconds + 3_590);
      expect(expiresAt).toBeLessThanOrEqual(nowSeconds + 3_600);
    });
  });

  describe('Method: get', () => {
    it('throws StoreUnavailableError when the stored item is not a session record', async () => {
      // Prepare
      const store = new DynamoDbSessionStore({ tableName, client });
      const email = uniqueEmail();
      await client.send(
        new PutCommand({ TableName: tableName, Item: sessionKey('client-a', email) })
      );

      // Act
      const result = store.get(email, 'client-a');

      // Assess
      await expect(result).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });

  describe('Property: stats', () => {
    it('counts one read per get', async () => {
      // Prepare
      const store = new DynamoDbSessionStore({ tableName, client });

      // Act
      await store.get(uniqueEmail(), 'client-a');

      // Assess
      expect(store.stats).toEqual({ reads: 1, writes: 0 });
    });
  });
});
