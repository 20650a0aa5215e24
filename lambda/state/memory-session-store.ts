import { randomUUID } from 'node:crypto';
import { LeaseLostError, SessionLimitError } from './errors.js';
import type {
  AcquireLeaseOptions,
  Lease,
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
  normalizeEmail,
  retryWhileBusy,
  type StoreStats,
} from './store-support.js';
import { SESSION_TABLE, sessionKey } from './table-schema.js';

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
 * In-process `SessionStore` with the DynamoDB adapter's semantics (same keys, conditions, errors,
 * sequence ids, rosters and lease expiry), for benchmarks and unit tests. Records never leave the process
 * and TTL deletion is not simulated.
 *
 * @example
 * const store = new MemorySessionStore();
 * const lease = await store.acquireLease('ada@example.com', 'client-a', { leaseMs: 1_000, waitMs: 500 });
 */
export class MemorySessionStore implements SessionStore {
  /** Operations served, counted as the DynamoDB adapter counts requests. */
  readonly stats: StoreStats = { reads: 0, writes: 0 };

  /** Keyed by the DynamoDB adapter's own `sessionKey`, so tenants separate exactly as there. */
  readonly #items = new Map<string, StoredItem>();
  /** Per tenant, the emails whose session counts against its cap. */
  readonly #rosters = new Map<string, Set<string>>();
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #ttlSeconds: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#ttlSeconds = checkTtlSeconds(options.ttlSeconds ?? DEFAULT_TTL_SECONDS);
  }

  /** @inheritDoc */
  async get(clientEmail: string, owner: string): Promise<SessionRecord | undefined> {
    this.stats.reads++;
    const item = this.#item(clientEmail, owner);
    return item && toSessionRecord(item);
  }

  /** @inheritDoc */
  async recordAuthentication(
    clientEmail: string,
    owner: string,
    now: number
  ): Promise<SessionRecord> {
    this.stats.writes++;
    const item = this.#item(clientEmail, owner) ?? newItem(normalizeEmail(clientEmail), owner);
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
    const item = this.#item(lease.clientEmail, lease.owner);
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
    const item = this.#item(email, owner) ?? newItem(email, owner);
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

  /** @inheritDoc */
  async claimSessionSlot(lease: Lease, limits: SessionSlotLimits): Promise<void> {
    this.stats.writes++;
    const roster = this.#rosters.get(lease.owner) ?? new Set<string>();
    if (!roster.has(lease.clientEmail) && roster.size >= limits.maxSessions) {
      // Full: drop members that no longer hold a session, as the DynamoDB adapter does.
      this.stats.reads++;
      const now = this.#now();
      for (const member of roster) {
        if (isStaleMember(this.#item(member, lease.owner), now, limits.idleMs))
          roster.delete(member);
      }
      if (roster.size >= limits.maxSessions) {
        throw new SessionLimitError(lease.clientEmail, limits.maxSessions);
      }
    }
    roster.add(lease.clientEmail);
    this.#rosters.set(lease.owner, roster);
  }

  /** @inheritDoc */
  async freeSessionSlot(lease: Lease): Promise<void> {
    this.stats.writes++;
    this.#rosters.get(lease.owner)?.delete(lease.clientEmail);
  }

  #item(clientEmail: string, owner: string): StoredItem | undefined {
    return this.#items.get(keyOf(owner, clientEmail));
  }

  /** Stamps a write and stores the item, creating it on its first write. */
  #touch(item: StoredItem, now: number): void {
    item.updatedAt = now;
    item.expiresAt = expiresAtSeconds(now, this.#ttlSeconds);
    this.#items.set(keyOf(item.owner, item.clientEmail), item);
  }
}

function keyOf(owner: string, clientEmail: string): string {
  return sessionKey(owner, clientEmail)[SESSION_TABLE.partitionKey];
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
