import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay as sharedBackoffDelay } from '../shared/backoff.js';
import { DeadlineExceededError } from './errors.js';

/**
 * How the client waits and retries. Every wait ends early when the caller's signal fires; nothing is
 * retried unless a retry is safe (see `AgentforceClient`).
 */
export interface RetryPolicy {
  /** Attempts (first included) for 429/503 on the Agent API and for token-endpoint failures. */
  readonly maxAttempts: number;
  /** First backoff step; doubles per attempt, with jitter. */
  readonly baseDelayMs: number;
  /** Cap of one backoff step. */
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is surfaced at once instead. */
  readonly maxRetryAfterMs: number;
  /** Attempts (first included) while a session answers 423 before `AgentSessionLockedError`. */
  readonly busyAttempts: number;
  /** Mean wait between 423 attempts (jittered ±50 %). */
  readonly busyDelayMs: number;
  /** Source of jitter in [0, 1). */
  readonly random: () => number;
  /** Waits `ms`, rejecting when `signal` fires. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as `signal` fires. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    // node:timers wraps the reason in an AbortError; callers want the deadline's own error.
    throw signal?.aborted ? signal.reason : err;
  }
}

/** Defaults sized so the worst case (3 attempts, 4 × 423 waits) stays a few seconds. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 5_000,
  busyAttempts: 4,
  busyDelayMs: 300,
  random: Math.random,
  sleep: abortableSleep,
});

/** Fills a partial policy with the defaults. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...partial };
}

/** Backoff before retry number `retry` (1-based): the shared exponential rule, equal jitter. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return sharedBackoffDelay(
    { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'equal' },
    retry,
    policy.random
  );
}

/**
 * Wait before retrying after a `Retry-After`: at least what Salesforce asked, plus a little jitter
 * (up to 10 %, at most one base step) so many containers do not retry in the same instant.
 */
export function retryAfterDelay(policy: RetryPolicy, retryAfterMs: number): number {
  return (
    retryAfterMs + Math.round(policy.random() * Math.min(policy.baseDelayMs, retryAfterMs / 10))
  );
}

/**
 * The one retry decision for a retryable failure (Agent API 429/503; token endpoint 429, 5xx or
 * network error): how long to wait before the next attempt, or `undefined` when the failure must
 * be surfaced now because the attempts are used up or Salesforce asked for a longer pause than the
 * policy waits (`maxRetryAfterMs`). `attempt` counts the failed attempts so far (1-based); with no
 * `Retry-After` the wait is {@link backoffDelay}, else {@link retryAfterDelay}.
 *
 * @example
 * const delay = retryDelay(policy, attempt, parseRetryAfter(response.headers.get('retry-after')));
 * if (delay === undefined) throw failure;
 * await sleepWithinDeadline(policy, delay, signal, failure);
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  if (retryAfterMs === undefined) return backoffDelay(policy, attempt);
  if (retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return retryAfterDelay(policy, retryAfterMs);
}

/** Jittered wait between 423 attempts: 50–150 % of `busyDelayMs`. */
export function busyDelay(policy: RetryPolicy): number {
  return Math.round(policy.busyDelayMs * (0.5 + policy.random()));
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds; `undefined` when absent
 * or unparsable.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now()
): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sleeps through `policy.sleep`, turning an abort into `DeadlineExceededError` whose cause is the
 * failure that was about to be retried.
 */
export async function sleepWithinDeadline(
  policy: RetryPolicy,
  ms: number,
  signal: AbortSignal | undefined,
  pending: unknown
): Promise<void> {
  if (signal?.aborted) throw deadlineError(pending);
  try {
    await policy.sleep(ms, signal);
  } catch (err) {
    if (signal?.aborted) throw deadlineError(pending);
    throw err;
  }
}

/** The error to raise when the caller's signal fired; `cause` is what was going on at the time. */
export function deadlineError(cause?: unknown): DeadlineExceededError {
  return new DeadlineExceededError(undefined, cause === undefined ? {} : { cause });
}
