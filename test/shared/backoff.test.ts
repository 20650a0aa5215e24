import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../lambda/shared/backoff.js';

describe('Function: backoffDelay', () => {
  const equal = { baseMs: 100, maxMs: 500, jitter: 'equal' } as const;
  const full = { baseMs: 15, maxMs: 250, jitter: 'full' } as const;

  it.each([
    [1, 50, 100],
    [2, 100, 200],
    [3, 200, 400],
    [4, 250, 500],
    [9, 250, 500],
  ])(
    'returns half a step fixed plus jitter with equal jitter (retry %i: %i..%i)',
    (retry, low, high) => {
      // Act
      const range = [backoffDelay(equal, retry, () => 0), backoffDelay(equal, retry, () => 0.999)];

      // Assess
      expect(range).toEqual([low, high]);
    }
  );

  it.each([
    [1, 15],
    [2, 30],
    [5, 240],
    [6, 250],
  ])('returns anywhere below the step with full jitter (retry %i: 0..%i)', (retry, high) => {
    // Act
    const range = [backoffDelay(full, retry, () => 0), backoffDelay(full, retry, () => 0.999)];

    // Assess
    expect(range).toEqual([0, Math.round(high * 0.999)]);
  });
});
