import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import {
  LeaseLostError,
  SessionLimitError,
  type StoreOperation,
  StoreUnavailableError,
} from './errors.js';
import type {
  AcquireLeaseOptions,
  Lease,
  ReleaseOptions,
  ReleasePatch,
  SessionRecord,
  SessionSlotLimits,
  SessionStore,
} from './session-store.js';
import {
  checkTtlSeconds,
  DEFAULT_TTL_SECONDS,
  expiresAtSeconds,
  isStaleMember,
  type MemberState,
  normalizeEmail,
  retryWhileBusy,
  type StoreStats,
} from './store-support.js';
import { SESSION_TABLE, sessionKey, tenantKey } from './table-schema.js';

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

/**
 * Free when no lease was ever taken or the last one expired, and the request is stamped after the
 * last clean-up of an abandoned acquire (`abandonedAt`): an acquire the SDK gave up on cannot land
 * later and resurrect itself as a ghost lease. Releases do not fence, so waiters whose requests are
 * in flight when a lease is released still get it.
 */
const NO_LIVE_LEASE =
  '(attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now) AND (attribute_not_exists(#abandonedAt) OR #abandonedAt < :now)';
const HOLDS_LEASE = '#leaseId = :leaseId';
/** The lease is ours or nobody's: a clean-up must not remove another holder's lease. */
const LEASE_IS_OURS_OR_FREE = '(attribute_not_exists(#leaseId) OR #leaseId = :leaseId)';
/** The record's own identity, written with every write that may create it (the key is opaque). */
const IDENTIFY = '#owner = :owner, #clientEmail = :clientEmail';
const NEXT_SEQUENCE_ID = '#lastSequenceId = if_not_exists(#lastSequenceId, :zero) + :one';
const KEEP_SEQUENCE_ID = '#lastSequenceId = if_not_exists(#lastSequenceId, :zero)';
const TOUCH = '#updatedAt = :now, #expiresAt = :expiresAt';
/** The attribute names the lease writes use. */
const LEASE_NAMES = {
  '#owner': 'owner',
  '#clientEmail': 'clientEmail',
  '#leaseId': 'leaseId',
  '#leaseExpiresAt': 'leaseExpiresAt',
  '#lastSequenceId': 'lastSequenceId',
  '#updatedAt': 'updatedAt',
  '#expiresAt': 'expiresAt',
  '#abandonedAt': 'abandonedAt',
} as const;

/**
 * `SessionStore` on the table `SESSION_TABLE` describes. Every operation is a single request: a
 * turn costs exactly two writes (acquire + release) when nobody else holds the lease and
 * DynamoDB answers; an acquire whose outcome is unknown costs one more (its clean-up).
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
  async get(clientEmail: string, owner: string): Promise<SessionRecord | undefined> {
    this.stats.reads++;
    try {
      const { Item } = await this.#client.send(
        new GetCommand({
          TableName: this.#tableName,
          Key: sessionKey(owner, clientEmail),
          ConsistentRead: true,
        })
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
    return this.#update('recordAuthentication', {
      Key: sessionKey(owner, email),
      UpdateExpression: `SET ${IDENTIFY}, #authenticatedAt = :authenticatedAt, ${KEEP_SEQUENCE_ID}, ${TOUCH}`,
      ExpressionAttributeNames: {
        '#owner': 'owner',
        '#clientEmail': 'clientEmail',
        '#authenticatedAt': 'authenticatedAt',
        '#lastSequenceId': 'lastSequenceId',
        '#updatedAt': 'updatedAt',
        '#expiresAt': 'expiresAt',
      },
      ExpressionAttributeValues: {
        ':owner': owner,
        ':clientEmail': email,
        ':authenticatedAt': now,
        ':zero': 0,
        ':now': writtenAt,
        ':expiresAt': expiresAtSeconds(writtenAt, this.#ttlSeconds),
      },
    });
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
  async release(
    lease: Lease,
    patch: ReleasePatch,
    options: ReleaseOptions = {}
  ): Promise<SessionRecord> {
    const now = this.#now();
    const names: Record<string, string> = {
      '#leaseId': 'leaseId',
      '#leaseExpiresAt': 'leaseExpiresAt',
      '#releasedLeaseId': 'releasedLeaseId',
      '#updatedAt': 'updatedAt',
      '#expiresAt': 'expiresAt',
    };
    const values: Record<string, unknown> = {
      ':leaseId': lease.leaseId,
      ':now': now,
      ':expiresAt': expiresAtSeconds(now, this.#ttlSeconds),
    };
    // The released id is recorded so a retry of this very write can tell "already applied" from
    // "lost" (the SDK retries a write whose answer came too late, and the retry's condition fails).
    const set = [TOUCH, '#releasedLeaseId = :leaseId'];
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
      return await this.#update(
        'release',
        {
          Key: sessionKey(lease.owner, lease.clientEmail),
          ConditionExpression: HOLDS_LEASE,
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
        options.signal
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // Nothing is concluded from the failed condition alone: the item says what happened.
      const current = err.Item === undefined ? undefined : decodeStoredItem(err.Item);
      if (current?.releasedLeaseId === lease.leaseId) return toSessionRecord(current, 'release');
      throw new LeaseLostError(lease.clientEmail, lease.leaseId, {
        ...(current !== undefined && { current: toSessionRecord(current, 'release') }),
      });
    }
  }

  /** @inheritDoc */
  async claimSessionSlot(lease: Lease, limits: SessionSlotLimits): Promise<void> {
    const claim = () =>
      this.#writeRoster('claimSessionSlot', lease, {
        ConditionExpression:
          'attribute_not_exists(#members) OR contains(#members, :email) OR size(#members) < :max',
        UpdateExpression: `ADD #members :member SET #owner = :owner, ${TOUCH}`,
        ExpressionAttributeValues: { ':email': lease.clientEmail, ':max': limits.maxSessions },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    let members: readonly string[];
    try {
      await claim();
      return;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      members = [...((decodeStoredItem(err.Item ?? {}).members as Set<string>) ?? [])];
    }
    // Full: drop members that no longer hold a session (crash, lost write, TTL), then try once more.
    const stale = await this.#staleMembers(lease.owner, members, limits.idleMs);
    const full = () => new SessionLimitError(lease.clientEmail, limits.maxSessions);
    if (stale.length === 0) throw full();
    await this.#writeRoster('claimSessionSlot', lease, {
      UpdateExpression: `DELETE #members :stale SET ${TOUCH}`,
      ExpressionAttributeValues: { ':stale': new Set(stale) },
    });
    try {
      await claim();
    } catch (err) {
      throw err instanceof ConditionalCheckFailedException ? full() : err;
    }
  }

  /** @inheritDoc */
  async freeSessionSlot(lease: Lease): Promise<void> {
    await this.#writeRoster('freeSessionSlot', lease, {
      UpdateExpression: `DELETE #members :member SET ${TOUCH}`,
    });
  }

  /**
   * One write to the lease's tenant roster. `:member` (the lease's email as a one-element set),
   * `:now` and `:expiresAt` are always bound; `ConditionalCheckFailedException` passes through.
   */
  async #writeRoster(
    operation: StoreOperation,
    lease: Lease,
    input: Pick<
      UpdateCommandInput,
      'ConditionExpression' | 'UpdateExpression' | 'ReturnValuesOnConditionCheckFailure'
    > & {
      ExpressionAttributeValues?: Record<string, unknown>;
    }
  ): Promise<void> {
    this.stats.writes++;
    const now = this.#now();
    const text = `${input.ConditionExpression ?? ''} ${input.UpdateExpression ?? ''}`;
    const names = {
      '#members': 'members',
      '#owner': 'owner',
      '#updatedAt': 'updatedAt',
      '#expiresAt': 'expiresAt',
    };
    const values: Record<string, unknown> = {
      ':member': new Set([lease.clientEmail]),
      ':owner': lease.owner,
      ':now': now,
      ':expiresAt': expiresAtSeconds(now, this.#ttlSeconds),
      ...input.ExpressionAttributeValues,
    };
    try {
      await this.#client.send(
        new UpdateCommand({
          ...input,
          TableName: this.#tableName,
          Key: tenantKey(lease.owner),
          // DynamoDB refuses names and values an expression does not use.
          ExpressionAttributeNames: pick(names, text),
          ExpressionAttributeValues: pick(values, text),
        })
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw err;
      throw unavailable(operation, err);
    }
  }

  /** The members whose records show no live session (strongly consistent reads, 100 per request). */
  async #staleMembers(
    owner: string,
    members: readonly string[],
    idleMs: number
  ): Promise<string[]> {
    const found = new Map<string, MemberState>();
    const keyName = SESSION_TABLE.partitionKey;
    for (let start = 0; start < members.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = members
        .slice(start, start + 100)
        .map((member) => sessionKey(owner, member));
      // Unprocessed keys are retried a few times; any still unread count as live (never over-drop).
      for (let attempt = 0; keys && keys.length > 0 && attempt < 3; attempt++) {
        this.stats.reads++;
        try {
          const answer: BatchGetCommandOutput = await this.#client.send(
            new BatchGetCommand({
              RequestItems: { [this.#tableName]: { Keys: keys, ConsistentRead: true } },
            })
          );
          for (const item of answer.Responses?.[this.#tableName] ?? []) {
            found.set(String(item[keyName]), item as MemberState);
          }
          keys = answer.UnprocessedKeys?.[this.#tableName]?.Keys;
        } catch (err) {
          throw unavailable('claimSessionSlot', err);
        }
      }
      for (const key of keys ?? []) found.set(String(key[keyName]), { leaseExpiresAt: Infinity });
    }
    const now = this.#now();
    return members.filter((member) =>
      isStaleMember(found.get(sessionKey(owner, member)[keyName]), now, idleMs)
    );
  }

  /** One conditional write; `undefined` while another holder's lease is live. */
  async #tryAcquire(email: string, owner: string, leaseMs: number): Promise<Lease | undefined> {
    const now = this.#now();
    const leaseId = randomUUID();
    try {
      const record = await this.#update('acquireLease', {
        Key: sessionKey(owner, email),
        ConditionExpression: NO_LIVE_LEASE,
        UpdateExpression: `SET ${IDENTIFY}, #leaseId = :leaseId, #leaseExpiresAt = :leaseExpiresAt, ${NEXT_SEQUENCE_ID}, ${TOUCH}`,
        ExpressionAttributeNames: LEASE_NAMES,
        ExpressionAttributeValues: {
          ':owner': owner,
          ':clientEmail': email,
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
      if (!(err instanceof ConditionalCheckFailedException)) {
        // Unknown outcome: the write may still land and take a lease nobody holds.
        await this.#abandonLease(email, owner, leaseId);
        throw err;
      }
      // The failed write returns the item as it was: tell the conditions apart.
      const current = decodeStoredItem(err.Item ?? {});
      // The SDK retried a write whose response was lost: the first try took the lease for us.
      if (current.leaseId === leaseId) {
        const record = toSessionRecord(current, 'acquireLease');
        return { clientEmail: email, owner, leaseId, record, sequenceId: record.lastSequenceId };
      }
      return undefined;
    }
  }

  /**
   * Makes sure the lease `leaseId` is not held, whether the acquire that tried it landed already
   * or lands later: stamps `abandonedAt`, which no acquire stamped earlier can pass, and removes
   * the lease if that acquire already took it. When another holder's lease is live, only the stamp
   * is written. Best effort within its own short budget; a clean-up that does not get through
   * leaves a landed lease to expire by itself.
   */
  async #abandonLease(email: string, owner: string, leaseId: string): Promise<void> {
    const now = this.#now();
    const values = {
      ':now': now,
      ':expiresAt': expiresAtSeconds(now, this.#ttlSeconds),
    };
    const send = (input: Omit<UpdateCommandInput, 'TableName' | 'Key'>) => {
      this.stats.writes++;
      return this.#client.send(
        new UpdateCommand({ ...input, TableName: this.#tableName, Key: sessionKey(owner, email) }),
        { abortSignal: AbortSignal.timeout(ABANDON_TIMEOUT_MS) }
      );
    };
    try {
      await send({
        ConditionExpression: LEASE_IS_OURS_OR_FREE,
        UpdateExpression: `SET ${IDENTIFY}, ${KEEP_SEQUENCE_ID}, #abandonedAt = :now, ${TOUCH} REMOVE #leaseId, #leaseExpiresAt`,
        ExpressionAttributeNames: LEASE_NAMES,
        ExpressionAttributeValues: {
          ...values,
          ':owner': owner,
          ':clientEmail': email,
          ':leaseId': leaseId,
          ':zero': 0,
        },
      });
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) return;
      // Another holder's live lease: fence our late acquire, touch nothing else.
      await send({
        ConditionExpression: 'attribute_exists(#owner)',
        UpdateExpression: `SET #abandonedAt = :now, ${TOUCH}`,
        ExpressionAttributeNames: {
          '#owner': 'owner',
          '#abandonedAt': 'abandonedAt',
          '#updatedAt': 'updatedAt',
          '#expiresAt': 'expiresAt',
        },
        ExpressionAttributeValues: values,
      }).catch(() => undefined);
    }
  }

  /**
   * Sends one UpdateItem returning the new record. Lets `ConditionalCheckFailedException` through
   * for the caller to translate; every other failure becomes `StoreUnavailableError`.
   */
  async #update(
    operation: StoreOperation,
    input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>,
    signal?: AbortSignal
  ): Promise<SessionRecord> {
    this.stats.writes++;
    let attributes: Record<string, unknown> | undefined;
    try {
      ({ Attributes: attributes } = await this.#client.send(
        new UpdateCommand({ ...input, TableName: this.#tableName, ReturnValues: 'ALL_NEW' }),
        ...(signal ? [{ abortSignal: signal }] : [])
      ));
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw err;
      throw unavailable(operation, err);
    }
    return toSessionRecord(attributes ?? {}, operation);
  }
}

/** Time one clean-up of an abandoned lease may take; it is sent at once and lands when it can. */
const ABANDON_TIMEOUT_MS = 2_500;

/** The entries of `map` whose key occurs in `expression`. */
function pick<T>(map: Record<string, T>, expression: string): Record<string, T> {
  return Object.fromEntries(Object.entries(map).filter(([key]) => expression.includes(key)));
}

function unavailable(operation: StoreOperation, err: unknown): StoreUnavailableError {
  return err instanceof StoreUnavailableError
    ? err
    : new StoreUnavailableError(operation, { cause: err });
}

/**
 * Decodes a marshalled item (e.g. the `ALL_OLD` item of a failed condition) with the SDK's own
 * `unmarshall`: every attribute type, numbers as JS numbers.
 */
export function decodeStoredItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return unmarshall(item);
}

/** Validates a stored item and drops the lease attributes, which are the store's business. */
function toSessionRecord(item: Record<string, unknown>, operation: StoreOperation): SessionRecord {
  const parsed = sessionRecordSchema.safeParse(item);
  if (!parsed.success) throw new StoreUnavailableError(operation, { cause: parsed.error });
  return parsed.data;
}
