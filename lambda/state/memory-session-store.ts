import { randomUUID } from 'node:crypto';
import { LeaseLostError, OwnerMismatchError } from './errors.js';
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

/** Constructor options of `MemorySessionStore`. */
export interface MemorySessionStoreOptions {
  /** Clock for timestamps and lease expiry, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Jitter source in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Record TTL after its last write, in seconds. Default 24 h. Stamped, never enforced. */
  readonly ttlSeconds?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface StoredItem extends Mutable<SessionRecord> {
  leaseId?: string;
  leaseExpiresAt?: number;
  releasedLeaseId?: string;
}

/**
 * In-process `SessionStore` with the DynamoDB adapter's semantics (same conditions, errors,
 * sequence ids and lease expiry), for benchmarks and unit tests. Records never leave the process
 * and TTL deletion is not simulated.
 *
 * @example
 * const store = new MemorySessionStore();
 * const lease = await store.acquireLease('ada@example.com', 'client-a', { leaseMs: 1_000, waitMs: 500 });
 */
export class MemorySessionStore implements SessionStore {
  /** Operations served, counted as the DynamoDB adapter counts requests. */
  readonly stats: StoreStats = { reads: 0, writes: 0 };

  readonly #items = new Map<string, StoredItem>();
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #ttlSeconds: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#ttlSeconds = checkTtlSeconds(options.ttlSeconds ?? DEFAULT_TTL_SECONDS);
  }

  /** @inheritDoc */
  async get(clientEmail: string): Promise<SessionRecord | undefined> {
    this.stats.reads++;
    const item = this.#items.get(normalizeEmail(clientEmail));
    return item && toSessionRecord(item);
  }

  /** @inheritDoc */
  async recordAuthentication(
    clientEmail: string,
    owner: string,
    now: number
  ): Promise<SessionRecord> {
    this.stats.writes++;
    const email = normalizeEmail(clientEmail);
    const item = this.#items.get(email) ?? newItem(email, owner);
    if (item.owner !== owner) throw new OwnerMismatchError(email);
    item.authenticatedAt = now;
    this.#touch(item, this.#now());
    return toSessionRecord(item);
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
      async () => this.#tryAcquire(email, owner, options.leaseMs)
    );
  }

  /** @inheritDoc */
  async release(lease: Lease, patch: ReleasePatch): Promise<SessionRecord> {
    this.stats.writes++;
    const item = this.#items.get(lease.clientEmail);
    if (item !== undefined && item.releasedLeaseId === lease.leaseId) return toSessionRecord(item);
    if (item?.leaseId !== lease.leaseId) {
      throw new LeaseLostError(lease.clientEmail, lease.leaseId, {
        ...(item !== undefined && { current: toSessionRecord(item) }),
      });
    }
    if (patch.session) {
      item.sessionId = patch.session.sessionId;
      item.agentId = patch.session.agentId;
      item.sessionStartedAt = patch.session.startedAt;
    } else if (patch.session === null) {
      delete item.sessionId;
      delete item.agentId;
      delete item.sessionStartedAt;
    }
    if (patch.session !== undefined) item.lastSequenceId = patch.lastSequenceId ?? 0;
    else if (patch.lastSequenceId !== undefined) item.lastSequenceId = patch.lastSequenceId;
    if (patch.lastTurnAt !== undefined) item.lastTurnAt = patch.lastTurnAt;
    if (patch.authenticatedAt !== undefined) item.authenticatedAt = patch.authenticatedAt;
    delete item.leaseId;
    delete item.leaseExpiresAt;
    item.releasedLeaseId = lease.leaseId;
    this.#touch(item, this.#now());
    return toSessionRecord(item);
  }

  /** Mirrors the DynamoDB conditional write; runs without awaiting, so it is atomic. */
  #tryAcquire(email: string, owner: string, leaseMs: number): Lease | undefined {
    this.stats.writes++;
    const now = this.#now();
    const item = this.#items.get(email) ?? newItem(email, owner);
    if (item.owner !== owner) throw new OwnerMismatchError(email);
    const leaseIsLive = item.leaseExpiresAt !== undefined && item.leaseExpiresAt >= now;
    if (leaseIsLive) return undefined;
    const leaseId = randomUUID();
    item.leaseId = leaseId;
    item.leaseExpiresAt = now + leaseMs;
    item.lastSequenceId += 1;
    this.#touch(item, now);
    const record = toSessionRecord(item);
    return { clientEmail: email, owner, leaseId, record, sequenceId: record.lastSequenceId };
  }

  /** Stamps a write and stores the item, creating it on its first write. */
  #touch(item: StoredItem, now: number): void {
    item.updatedAt = now;
    item.expiresAt = expiresAtSeconds(now, this.#ttlSeconds);
    this.#items.set(item.clientEmail, item);
  }
}

function newItem(clientEmail: string, owner: string): StoredItem {
  return { clientEmail, owner, lastSequenceId: 0, updatedAt: 0, expiresAt: 0 };
}

/** A frozen copy without the lease attributes, so callers cannot change stored state. */
function toSessionRecord(item: StoredItem): SessionRecord {
  const {
    leaseId: _leaseId,
    leaseExpiresAt: _leaseExpiresAt,
    releasedLeaseId: _releasedLeaseId,
    ...record
  } = item;
  return Object.freeze(record);
}
