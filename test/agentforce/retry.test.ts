import { describe, expect, it } from 'vitest';
import {
  abortableSleep,
  backoffDelay,
  busyDelay,
  parseRetryAfter,
  resolveRetryPolicy,
  retryAfterDelay,
  retryDelay,
} from '../../lambda/agentforce/retry.js';

describe('Function: parseRetryAfter', () => {
  it.each([
    ['3', 3_000],
    [' 0.5 ', 500],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
  ])('returns milliseconds for %j', (value, expected) => {
    // Prepare
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

    // Act
    const ms = parseRetryAfter(value, now);

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([null, '', 'soon'])('returns undefined for %j', (value) => {
    // Act
    const ms = parseRetryAfter(value);

    // Assess
    expect(ms).toBeUndefined();
  });
});

describe('Function: backoffDelay', () => {
  it('returns half a step plus jitter, doubling per retry up to the cap', () => {
    // Prepare
    const low = resolveRetryPolicy({ random: () => 0, baseDelayMs: 100, maxDelayMs: 500 });
    const high = resolveRetryPolicy({ random: () => 0.999, baseDelayMs: 100, maxDelayMs: 500 });

    // Act
    const lows = [1, 2, 3, 4].map((retry) => backoffDelay(low, retry));
    const highs = [1, 2, 3, 4].map((retry) => backoffDelay(high, retry));

    // Assess
    expect(lows).toEqual([50, 100, 200, 250]);
    expect(highs).toEqual([100, 200, 400, 500]);
  });
});

describe('Function: retryAfterDelay', () => {
  it('returns at least Retry-After plus up to 10 % jitter capped at one base step', () => {
    // Prepare
    const policy = resolveRetryPolicy({ random: () => 0.999, baseDelayMs: 250 });

    // Act
    const delays = [1_000, 60_000, 0].map((ms) => retryAfterDelay(policy, ms));

    // Assess
    expect(delays).toEqual([1_100, 60_250, 0]);
  });
});

describe('Function: retryDelay', () => {
  const policy = resolveRetryPolicy({
    random: () => 0,
    maxAttempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    maxRetryAfterMs: 5_000,
  });

  it.each([
    [1, undefined, 50],
    [2, undefined, 100],
    [1, 2_000, 2_000],
    [2, 5_000, 5_000],
  ])(
    'returns the wait after failed attempt %i (Retry-After %j ms): %i ms',
    (attempt, retryAfterMs, wait) => {
      // Act
      const delay = retryDelay(policy, attempt, retryAfterMs);

      // Assess
      expect(delay).toBe(wait);
    }
  );

  it.each([
    [3, undefined],
    [3, 1_000],
    [1, 5_001],
  ])(
    'returns undefined, surfacing the failure, after attempt %i (Retry-After %j ms)',
    (attempt, retryAfterMs) => {
      // Act
      const delay = retryDelay(policy, attempt, retryAfterMs);

      // Assess
      expect(delay).toBeUndefined();
    }
  );
});

describe('Function: busyDelay', () => {
  it('returns between half and one and a half times busyDelayMs', () => {
    // Prepare
    const policy = (random: number) =>
      resolveRetryPolicy({ random: () => random, busyDelayMs: 200 });

    // Act
    const delays = [0, 0.5, 0.999].map((random) => busyDelay(policy(random)));

    // Assess
    expect(delays).toEqual([100, 200, 300]);
  });
});

describe('Function: abortableSleep', () => {
  it('throws the signal reason as soon as the signal fires', async () => {
    // Prepare
    const started = Date.now();

    // Act
    const outcome = abortableSleep(10_000, AbortSignal.timeout(20)).catch((err: unknown) => err);

    // Assess
    expect(await outcome).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('throws the signal reason at once when the signal has already fired', async () => {
    // Prepare
    const reason = new Error('deadline');

    // Act
    const outcome = abortableSleep(10_000, AbortSignal.abort(reason)).catch((err: unknown) => err);

    // Assess
    expect(await outcome).toBe(reason);
  });

  it('returns after the delay when the signal does not fire', async () => {
    // Act
    const outcome = await abortableSleep(5, new AbortController().signal);

    // Assess
    expect(outcome).toBeUndefined();
  });
});
