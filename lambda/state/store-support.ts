import { setTimeout as sleep } from 'node:timers/promises';
import { type Backoff, backoffDelay } from '../shared/backoff.js';
import { LeaseBusyError } from './errors.js';

/** Requests an adapter sent (DynamoDB) or operations it served (memory); for benchmarks. */
export interface StoreStats {
  reads: number;
  writes: number;
}

/** Default record lifetime after its last write: one day. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;

/** Lease wait: full jitter spreads many contenders for one hot record best. */
const LEASE_BACKOFF: Backoff = { baseMs: 15, maxMs: 250, jitter: 'full' };

/** The partition key form of an email, so `Alice@Example.com ` and `alice@example.com` share a record. */
export function normalizeEmail(clientEmail: string): string {
  return clientEmail.trim().toLowerCase();
}

/** The TTL attribute for a write at `nowMs`: epoch seconds, as DynamoDB TTL requires. */
export function expiresAtSeconds(nowMs: number, ttlSeconds: number): number {
  return Math.floor(nowMs / 1000) + ttlSeconds;
}

/** Rejects TTLs DynamoDB cannot use, at construction rather than on the first write. */
export function checkTtlSeconds(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  return ttlSeconds;
}

/** What `retryWhileBusy` needs besides the attempt itself. */
export interface RetryWhileBusyOptions {
  readonly clientEmail: string;
  readonly waitMs: number;
  readonly signal?: AbortSignal;
  /** Source of jitter in [0, 1). */
  readonly random: () => number;
}

/**
 * Calls `attempt` until it returns a value, sleeping with full-jitter exponential backoff
 * (`LEASE_BACKOFF`: 15 ms doubling to 250 ms) between tries. `attempt` returns `undefined` while the lease is busy
 * and throws for anything that waiting cannot fix.
 * @throws LeaseBusyError when `waitMs` runs out or `signal` aborts
 */
export async function retryWhileBusy<T>(
  options: RetryWhileBusyOptions,
  attempt: () => Promise<T | undefined>
): Promise<T> {
  const { clientEmail, waitMs, signal, random } = options;
  // Waiting is measured on the monotonic clock: an injected `now` drives records, not sleeps.
  const started = performance.now();
  const busy = (cause?: unknown) =>
    new LeaseBusyError(clientEmail, Math.round(performance.now() - started), { cause });
  for (let retry = 0; ; retry++) {
    // A caller whose deadline has passed cannot use a lease, and taking one would block others.
    if (signal?.aborted) throw busy(signal.reason);
    const result = await attempt();
    if (result !== undefined) return result;
    const remainingMs = waitMs - (performance.now() - started);
    if (remainingMs <= 0) throw busy();
    try {
      const delayMs = backoffDelay(LEASE_BACKOFF, retry + 1, random);
      await sleep(Math.min(remainingMs, delayMs), undefined, { signal });
    } catch {
      throw busy(signal?.reason);
    }
  }
}

/** What a roster member's record shows about it, lease attributes included. */
export interface MemberState {
  readonly sessionId?: string;
  readonly sessionStartedAt?: number;
  readonly lastTurnAt?: number;
  readonly leaseExpiresAt?: number;
}

/**
 * Whether a roster member no longer holds a live session, so a full roster may drop it: its record
 * is gone (TTL, deleted), holds no session, or its session has been idle longer than `idleMs`
 * (likely expired upstream) — and nobody holds its lease (a holder may be starting a session
 * right now). The one rule both adapters apply.
 */
export function isStaleMember(item: MemberState | undefined, now: number, idleMs: number): boolean {
  if (item === undefined) return true;
  if (item.leaseExpiresAt !== undefined && item.leaseExpiresAt >= now) return false;
  if (item.sessionId === undefined) return true;
  const lastActivity = item.lastTurnAt ?? item.sessionStartedAt ?? 0;
  return now - lastActivity > idleMs;
}
