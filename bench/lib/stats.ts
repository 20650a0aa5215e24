/** Small statistics and formatting helpers shared by the benchmark sections. */

/** Nearest-rank percentile (`p` in 0–100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** The figures every latency row reports. */
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  const sum = samples.reduce((total, value) => total + value, 0);
  return {
    n,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    mean: n === 0 ? Number.NaN : sum / n,
    min: n === 0 ? Number.NaN : Math.min(...samples),
    max: n === 0 ? Number.NaN : Math.max(...samples),
  };
}

/** Milliseconds with a precision that suits the magnitude: `0.412`, `12.3`, `1 234`. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value < 1) return value.toFixed(3);
  if (value < 100) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US').replaceAll(',', ' ');
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** `1.23×`. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

/** A signed percentage change from `before` to `after`: `-51%`. */
export function change(before: number, after: number): string {
  if (!Number.isFinite(before) || !Number.isFinite(after) || before === 0) return 'n/a';
  const pct = ((after - before) / before) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(0)}%`;
}
