import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  createDocumentClient,
  DynamoDbSessionStore,
  decodeStoredItem,
} from '../../lambda/state/dynamodb-session-store.js';
import { LeaseLostError, StoreUnavailableError } from '../../lambda/state/errors.js';
import {
  createSessionTable,
  freePort,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
} from '../../local/dynamodb-local.js';
import { uniqueEmail } from './session-store-contract.js';

const LEASE = { leaseMs: 1_000, waitMs: 1_000 } as const;
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function localClient(endpoint: string, overrides: { requestTimeoutMs?: number } = {}) {
  const client = createDocumentClient({
    endpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
    ...overrides,
  });
  cleanups.push(() => client.destroy());
  return client;
}

/** A server that accepts connections and never answers, like a black-holed endpoint. */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  );
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('Class: DynamoDbSessionStore (failures)', () => {
  describe('Method: acquireLease', () => {
    it('throws StoreUnavailableError within seconds when nothing listens on the endpoint', async () => {
      // Prepare
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const store = new DynamoDbSessionStore({
        tableName: 'sessions',
        client: localClient(endpoint),
      });
      const started = performance.now();

      // Act
      const error = await store
        .acquireLease(uniqueEmail(), 'client-a', LEASE)
        .catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ operation: 'acquireLease' });
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect((error as Error).message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|sessions/);
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it('throws StoreUnavailableError when the table does not exist', async () => {
      // Prepare
      const client = localClient(inject('dynamoDbEndpoint'));
      const store = new DynamoDbSessionStore({ tableName: `missing-${randomUUID()}`, client });

      // Act
      const error = await store
        .acquireLease(uniqueEmail(), 'client-a', LEASE)
        .catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('throws StoreUnavailableError when DynamoDB is still throttling after the SDK retries', async () => {
      // Prepare
      const client = localClient('http://127.0.0.1:1');
      const mock = mockClient(client);
      cleanups.push(() => mock.restore());
      const throttled = new ProvisionedThroughputExceededException({
        message: 'Rate exceeded',
        $metadata: {},
      });
      mock.on(UpdateCommand).rejects(throttled);
      const store = new DynamoDbSessionStore({ tableName: 'sessions', client });

      // Act
      const error = await store
        .acquireLease(uniqueEmail(), 'client-a', LEASE)
        .catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).cause).toBe(throttled);
      expect(mock.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toContain(
        '#leaseExpiresAt'
      );
    });

    it('clears the lease a failed acquire may still take when its write lands late', async () => {
      // Prepare: the acquire's outcome is unknown (throttled here; timed out on AWS).
      const client = localClient('http://127.0.0.1:1');
      const mock = mockClient(client);
      cleanups.push(() => mock.restore());
      mock
        .on(UpdateCommand)
        .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }))
        .resolves({
          Attributes: {
            clientEmail: 'x',
            owner: 'client-a',
            lastSequenceId: 3,
            updatedAt: 1,
            expiresAt: 2,
          },
        });
      const store = new DynamoDbSessionStore({ tableName: 'sessions', client });

      // Act
      const error = await store
        .acquireLease(uniqueEmail(), 'client-a', LEASE)
        .catch((err: unknown) => err);

      // Assess: a second write removes exactly the lease id the first one tried to take.
      expect(error).toBeInstanceOf(StoreUnavailableError);
      const [acquire, cleanup] = mock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
      expect(cleanup?.ConditionExpression).toContain('#leaseId = :leaseId');
      expect(cleanup?.ExpressionAttributeValues?.[':leaseId']).toBe(
        acquire?.ExpressionAttributeValues?.[':leaseId']
      );
      expect(cleanup?.UpdateExpression).toMatch(/REMOVE #leaseId/);
    });
  });

  describe('Method: acquireLease (late landing, on DynamoDB Local)', () => {
    it('never lets an acquire stamped before a clean-up take the lease, however late it lands', async () => {
      // Prepare: the first acquire's answer is lost (unknown outcome), so the store cleans up; the
      // same request (same :now) then lands late, as a queued write does after a stall.
      const endpoint = inject('dynamoDbEndpoint');
      const tableName = `sessions-late-${randomUUID()}`;
      await createSessionTable(endpoint, tableName);
      const real = localClient(endpoint);
      const client = localClient('http://127.0.0.1:1');
      const mock = mockClient(client);
      cleanups.push(() => mock.restore());
      let lost: UpdateCommandInput | undefined;
      mock
        .on(UpdateCommand)
        .callsFakeOnce((input: UpdateCommandInput) => {
          lost = input;
          throw new ProvisionedThroughputExceededException({ message: 'lost', $metadata: {} });
        })
        .callsFake((input: UpdateCommandInput) => real.send(new UpdateCommand(input)));
      let clock = Date.now();
      const store = new DynamoDbSessionStore({ tableName, client, now: () => clock });
      const email = uniqueEmail();
      await store.acquireLease(email, 'client-a', LEASE).catch(() => undefined);
      clock += 1;

      // Act
      const late = await real
        .send(new UpdateCommand({ ...(lost as UpdateCommandInput), ReturnValues: 'ALL_NEW' }))
        .catch((err: unknown) => err);

      // Assess: the late copy fails its condition; the next acquire gets the lease at once.
      expect(late).toBeInstanceOf(ConditionalCheckFailedException);
      await expect(
        store.acquireLease(email, 'client-a', { leaseMs: 1_000, waitMs: 0 })
      ).resolves.toMatchObject({ sequenceId: 1 });
    });
  });

  describe('Method: release (retried write)', () => {
    /** A store whose every write fails its condition, finding `item` (marshalled). */
    function storeFinding(item: Record<string, AttributeValue>) {
      const client = localClient('http://127.0.0.1:1');
      const mock = mockClient(client);
      cleanups.push(() => mock.restore());
      mock
        .on(UpdateCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: item })
        );
      return new DynamoDbSessionStore({ tableName: 'sessions', client });
    }
    const leaseOf = (clientEmail: string, leaseId: string) => ({
      clientEmail,
      owner: 'client-a',
      leaseId,
      sequenceId: 4,
      record: { clientEmail, owner: 'client-a', lastSequenceId: 4, updatedAt: 1, expiresAt: 2 },
    });
    const stored = (clientEmail: string, releasedLeaseId: string) => ({
      clientEmail: { S: clientEmail },
      owner: { S: 'client-a' },
      sessionId: { S: 'session-9' },
      releasedLeaseId: { S: releasedLeaseId },
      lastSequenceId: { N: '5' },
      updatedAt: { N: '5' },
      expiresAt: { N: '6' },
    });

    it('returns the record when a retried release finds its lost first try applied', async () => {
      // Prepare
      const email = uniqueEmail();
      const store = storeFinding(stored(email, 'lease-1'));

      // Act
      const record = await store.release(leaseOf(email, 'lease-1'), {});

      // Assess
      expect(record).toMatchObject({ sessionId: 'session-9', lastSequenceId: 5 });
      expect(record).not.toHaveProperty('releasedLeaseId');
    });

    it('throws LeaseLostError with the stored record when another lease was released since', async () => {
      // Prepare
      const email = uniqueEmail();
      const store = storeFinding(stored(email, 'lease-2'));

      // Act
      const error = await store.release(leaseOf(email, 'lease-1'), {}).catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(LeaseLostError);
      expect((error as LeaseLostError).current).toMatchObject({ lastSequenceId: 5 });
    });
  });

  describe('Function: decodeStoredItem', () => {
    it('returns every attribute type DynamoDB stores, BOOL, L, M and NULL included', () => {
      // Act
      const item = decodeStoredItem({
        name: { S: 'a' },
        count: { N: '2' },
        flag: { BOOL: false },
        list: { L: [{ S: 'x' }, { N: '1' }] },
        map: { M: { nested: { BOOL: true } } },
        nothing: { NULL: true },
      });

      // Assess
      expect(item).toEqual({
        name: 'a',
        count: 2,
        flag: false,
        list: ['x', 1],
        map: { nested: true },
        nothing: null,
      });
    });
  });

  describe('Method: acquireLease (retried write)', () => {
    it('returns the lease when a retried write finds the lease its lost first try took', async () => {
      // Prepare
      const client = localClient('http://127.0.0.1:1');
      const mock = mockClient(client);
      cleanups.push(() => mock.restore());
      const email = uniqueEmail();
      mock
        .on(UpdateCommand)
        .callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => {
          const values = input.ExpressionAttributeValues;
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
            Item: {
              clientEmail: { S: email },
              owner: { S: 'client-a' },
              leaseId: { S: String(values[':leaseId']) },
              leaseExpiresAt: { N: String(values[':leaseExpiresAt']) },
              lastSequenceId: { N: '7' },
              updatedAt: { N: String(values[':now']) },
              expiresAt: { N: String(values[':expiresAt']) },
            },
          });
        });
      const store = new DynamoDbSessionStore({ tableName: 'sessions', client });

      // Act
      const lease = await store.acquireLease(email, 'client-a', LEASE);

      // Assess
      expect(lease.sequenceId).toBe(7);
      expect(lease.record).not.toHaveProperty('leaseId');
      expect(mock.commandCalls(UpdateCommand)).toHaveLength(1);
    });
  });

  describe('Method: get', () => {
    it('throws StoreUnavailableError when the endpoint accepts connections but never answers', async () => {
      // Prepare
      const client = localClient(await silentServer(), { requestTimeoutMs: 200 });
      const store = new DynamoDbSessionStore({ tableName: 'sessions', client });
      const started = performance.now();

      // Act
      const error = await store.get(uniqueEmail(), 'client-a').catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(store.stats).toEqual({ reads: 1, writes: 0 });
    });
  });
});
