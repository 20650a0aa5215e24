/** The shape of an exponential backoff: the first step, its cap, and how much of it is random. */
export interface Backoff {
  /** Step before the first retry; doubles per retry. */
  readonly baseMs: number;
  /** Cap of one step. */
  readonly maxMs: number;
  /**
   * `full`: anywhere in [0, step) — spreads many contenders best (a lease wait);
   * `equal`: half the step fixed, half random — never retries at once (an HTTP retry).
   * See "Exponential Backoff And Jitter", AWS Architecture Blog.
   */
  readonly jitter: 'full' | 'equal';
}

/**
 * The wait before retry number `retry` (1-based): step `min(maxMs, baseMs · 2^(retry-1))`,
 * jittered as `backoff.jitter` says with `random` in [0, 1), in whole milliseconds.
 *
 * @example
 * backoffDelay({ baseMs: 250, maxMs: 2_000, jitter: 'equal' }, 2, Math.random); // 250..500
 */
export function backoffDelay(backoff: Backoff, retry: number, random: () => number): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (retry - 1));
  const fixed = backoff.jitter === 'equal' ? step / 2 : 0;
  return Math.round(fixed + random() * (step - fixed));
}
