import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  LeaseLostError,
  OwnerMismatchError,
  type StoreOperation,
  StoreUnavailableError,
} from './errors.js';
import type {
  AcquireLeaseOptions,
  Lease,
  ReleasePatch,
  SessionRecord,
  SessionStore,
} from './session-store.js';
import {
  checkTtlSeconds,
  DEFAULT_TTL_SECONDS,
  expiresAtSeconds,
  normalizeEmail,
  retryWhileBusy,
  type StoreStats,
} from './store-support.js';

/** Options of `createDocumentClient`; everything else comes from the Lambda environment. */
export interface DocumentClientOptions {
  /** DynamoDB Local or another endpoint; `AWS_ENDPOINT_URL_DYNAMODB` also works. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** Attempts per request, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** TCP connect timeout per attempt, in ms. Default 1000. */
  readonly connectionTimeoutMs?: number;
  /** Whole-request timeout per attempt, in ms. Default 2000. */
  readonly requestTimeoutMs?: number;
}

/**
 * Builds the document client the store expects. Timeouts are short and attempts few so that an
 * unreachable DynamoDB fails within seconds, well inside a tool call's deadline, instead of
 * hanging on the SDK's defaults (no timeout).
 *
 * @example
 * const store = new DynamoDbSessionStore({ tableName, client: createDocumentClient() });
 */
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const { endpoint, region, credentials } = options;
  const client = new DynamoDBClient({
    ...(endpoint !== undefined && { endpoint }),
    ...(region !== undefined && { region }),
    ...(credentials !== undefined && { credentials }),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 1_000,
      requestTimeout: options.requestTimeoutMs ?? 2_000,
      // Without it the handler only logs a warning (through console) and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Constructor options of `DynamoDbSessionStore`. */
export interface DynamoDbSessionStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  /** Clock for timestamps and lease expiry, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Jitter source in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Record TTL after its last write, in seconds. Default 24 h. */
  readonly ttlSeconds?: number;
}

const sessionRecordSchema = z.object({
  clientEmail: z.string(),
  owner: z.string(),
  authenticatedAt: z.number().optional(),
  sessionId: z.string().optional(),
  agentId: z.string().optional(),
  sessionStartedAt: z.number().optional(),
  lastSequenceId: z.number().int().nonnegative(),
  lastTurnAt: z.number().optional(),
  updatedAt: z.number(),
  expiresAt: z.number(),
}) satisfies z.ZodType<SessionRecord>;

const OWNER_IS_CALLER = '(attribute_not_exists(#owner) OR #owner = :owner)';
const NO_LIVE_LEASE = '(attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now)';
const HOLDS_LEASE = '#leaseId = :leaseId';
const CLAIM_OWNER = '#owner = if_not_exists(#owner, :owner)';
const NEXT_SEQUENCE_ID = '#lastSequenceId = if_not_exists(#lastSequenceId, :zero) + :one';
const KEEP_SEQUENCE_ID = '#lastSequenceId = if_not_exists(#lastSequenceId, :zero)';
const TOUCH = '#updatedAt = :now, #expiresAt = :expiresAt';

/**
 * `SessionStore` on a DynamoDB table keyed by `clientEmail` with TTL attribute `expiresAt`.
 * Every operation is a single request: a turn costs exactly two writes (acquire + release) when
 * nobody else holds the lease.
 *
 * @example
 * const store = new DynamoDbSessionStore({ tableName: config.tableName, client: createDocumentClient() });
 * const lease = await store.acquireLease(email, owner, { leaseMs: 50_000, waitMs: 20_000, signal });
 */
export class DynamoDbSessionStore implements SessionStore {
  /** Requests sent, one count per request whatever its outcome. */
  readonly stats: StoreStats = { reads: 0, writes: 0 };

  readonly #tableName: string;
  readonly #client: DynamoDBDocumentClient;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #ttlSeconds: number;

  constructor(options: DynamoDbSessionStoreOptions) {
    this.#tableName = options.tableName;
    this.#client = options.client;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#ttlSeconds = checkTtlSeconds(options.ttlSeconds ?? DEFAULT_TTL_SECONDS);
  }

  /** @inheritDoc */
  async get(clientEmail: string): Promise<SessionRecord | undefined> {
    const key = { clientEmail: normalizeEmail(clientEmail) };
    this.stats.reads++;
    try {
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#tableName, Key: key, ConsistentRead: true })
      );
      return Item === undefined ? undefined : toSessionRecord(Item, 'get');
    } catch (err) {
      throw unavailable('get', err);
    }
  }

  /** @inheritDoc */
  async recordAuthentication(
    clientEmail: string,
    owner: string,
    now: number
  ): Promise<SessionRecord> {
    const email = normalizeEmail(clientEmail);
    const writtenAt = this.#now();
    try {
      return await this.#update('recordAuthentication', {
        Key: { clientEmail: email },
        ConditionExpression: OWNER_IS_CALLER,
        UpdateExpression: `SET ${CLAIM_OWNER}, #authenticatedAt = :authenticatedAt, ${KEEP_SEQUENCE_ID}, ${TOUCH}`,
        ExpressionAttributeNames: {
          '#owner': 'owner',
          '#authenticatedAt': 'authenticatedAt',
          '#lastSequenceId': 'lastSequenceId',
          '#updatedAt': 'updatedAt',
          '#expiresAt': 'expiresAt',
        },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':authenticatedAt': now,
          ':zero': 0,
          ':now': writtenAt,
          ':expiresAt': expiresAtSeconds(writtenAt, this.#ttlSeconds),
        },
      });
    } catch (err) {
      // Ownership is the only condition, so a failed check always means another owner.
      if (err instanceof ConditionalCheckFailedException) throw new OwnerMismatchError(email);
      throw err;
    }
  }

  /** @inheritDoc */
  async acquireLease(
    clientEmail: string,
    owner: string,
    options: AcquireLeaseOptions
  ): Promise<Lease> {
    const email = normalizeEmail(clientEmail);
    return retryWhileBusy(
      {
        clientEmail: email,
        waitMs: options.waitMs,
        random: this.#random,
        ...(options.signal && { signal: options.signal }),
      },
      () => this.#tryAcquire(email, owner, options.leaseMs)
    );
  }

  /** @inheritDoc */
  async release(lease: Lease, patch: ReleasePatch): Promise<SessionRecord> {
    const now = this.#now();
    const names: Record<string, string> = {
      '#leaseId': 'leaseId',
      '#leaseExpiresAt': 'leaseExpiresAt',
      '#updatedAt': 'updatedAt',
      '#expiresAt': 'expiresAt',
    };
    const values: Record<string, unknown> = {
      ':leaseId': lease.leaseId,
      ':now': now,
      ':expiresAt': expiresAtSeconds(now, this.#ttlSeconds),
    };
    const set = [TOUCH];
    const remove = ['#leaseId', '#leaseExpiresAt'];
    const assign = (attribute: keyof SessionRecord, value: unknown) => {
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      set.push(`#${attribute} = :${attribute}`);
    };

    if (patch.session) {
      assign('sessionId', patch.session.sessionId);
      assign('agentId', patch.session.agentId);
      assign('sessionStartedAt', patch.session.startedAt);
    } else if (patch.session === null) {
      for (const attribute of ['sessionId', 'agentId', 'sessionStartedAt'] as const) {
        names[`#${attribute}`] = attribute;
        remove.push(`#${attribute}`);
      }
    }
    if (patch.session !== undefined) assign('lastSequenceId', patch.lastSequenceId ?? 0);
    else if (patch.lastSequenceId !== undefined) assign('lastSequenceId', patch.lastSequenceId);
    if (patch.lastTurnAt !== undefined) assign('lastTurnAt', patch.lastTurnAt);
    if (patch.authenticatedAt !== undefined) assign('authenticatedAt', patch.authenticatedAt);

    try {
      return await this.#update('release', {
        Key: { clientEmail: lease.clientEmail },
        ConditionExpression: HOLDS_LEASE,
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new LeaseLostError(lease.clientEmail, lease.leaseId);
      }
      throw err;
    }
  }

  /** One conditional write; `undefined` while another holder's lease is live. */
  async #tryAcquire(email: string, owner: string, leaseMs: number): Promise<Lease | undefined> {
    const now = this.#now();
    const leaseId = randomUUID();
    try {
      const record = await this.#update('acquireLease', {
        Key: { clientEmail: email },
        ConditionExpression: `${OWNER_IS_CALLER} AND ${NO_LIVE_LEASE}`,
        UpdateExpression: `SET ${CLAIM_OWNER}, #leaseId = :leaseId, #leaseExpiresAt = :leaseExpiresAt, ${NEXT_SEQUENCE_ID}, ${TOUCH}`,
        ExpressionAttributeNames: {
          '#owner': 'owner',
          '#leaseId': 'leaseId',
          '#leaseExpiresAt': 'leaseExpiresAt',
          '#lastSequenceId': 'lastSequenceId',
          '#updatedAt': 'updatedAt',
          '#expiresAt': 'expiresAt',
        },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':leaseId': leaseId,
          ':leaseExpiresAt': now + leaseMs,
          ':zero': 0,
          ':one': 1,
          ':now': now,
          ':expiresAt': expiresAtSeconds(now, this.#ttlSeconds),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { clientEmail: email, owner, leaseId, record, sequenceId: record.lastSequenceId };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // The failed write returns the item as it was (marshalled): tell the conditions apart.
      const current = err.Item ?? {};
      const currentOwner = current.owner?.S;
      if (currentOwner !== undefined && currentOwner !== owner) throw new OwnerMismatchError(email);
      // The SDK retried a write whose response was lost: the first try took the lease for us.
      if (current.leaseId?.S === leaseId) {
        const record = toSessionRecord(fromAttributeValues(current), 'acquireLease');
        return { clientEmail: email, owner, leaseId, record, sequenceId: record.lastSequenceId };
      }
      return undefined;
    }
  }

  /**
   * Sends one UpdateItem returning the new record. Lets `ConditionalCheckFailedException` through
   * for the caller to translate; every other failure becomes `StoreUnavailableError`.
   */
  async #update(
    operation: StoreOperation,
    input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>
  ): Promise<SessionRecord> {
    this.stats.writes++;
    let attributes: Record<string, unknown> | undefined;
    try {
      ({ Attributes: attributes } = await this.#client.send(
        new UpdateCommand({ ...input, TableName: this.#tableName, ReturnValues: 'ALL_NEW' })
      ));
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw err;
      throw unavailable(operation, err);
    }
    return toSessionRecord(attributes ?? {}, operation);
  }
}

function unavailable(operation: StoreOperation, err: unknown): StoreUnavailableError {
  return err instanceof StoreUnavailableError
    ? err
    : new StoreUnavailableError(operation, { cause: err });
}

/** Unmarshals the scalar attributes a session item is made of; the rest is left to validation. */
function fromAttributeValues(item: Record<string, AttributeValue>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value.S !== undefined) plain[name] = value.S;
    else if (value.N !== undefined) plain[name] = Number(value.N);
  }
  return plain;
}

/** Validates a stored item and drops the lease attributes, which are the store's business. */
function toSessionRecord(item: Record<string, unknown>, operation: StoreOperation): SessionRecord {
  const parsed = sessionRecordSchema.safeParse(item);
  if (!parsed.success) throw new StoreUnavailableError(operation, { cause: parsed.error });
  return parsed.data;
}
