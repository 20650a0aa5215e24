import type { TurnsResult } from '../children/turns.js';
import type { WarmResult } from '../children/warm.js';
import type { ColdRow } from '../sections/cold-start.js';
import type { CostModel } from '../sections/cost.js';
import type { FloodResult } from '../sections/flood.js';
import type { IoRow } from '../sections/io.js';
import type { StreamingResults } from '../sections/streaming.js';
import type { ThroughputRow } from '../sections/throughput.js';
import type { BuiltBundle } from './build.js';

/** Where and how the figures were taken. */
export interface RunContext {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly mode: 'full' | 'quick' | 'check';
  readonly cpu: string;
  readonly cores: number;
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  /** The Lambda runtime's Node (budgets are measured on it). */
  readonly deployed: string;
  readonly runtimes: readonly string[];
  /** Runtimes that could not be obtained, with the reason. */
  readonly skipped: readonly string[];
  readonly coldRuns: number;
  readonly defaultMemoryMb: number;
}

/** Cold start of both sides inside a CPU cgroup sized like one Lambda memory size. */
export interface QuotaRow {
  readonly memoryMb: number;
  readonly ours: ColdRow;
  readonly bare: ColdRow;
}

/** One interleaved round of the per-turn child: ours, bare, and ours answering 401s. */
export interface TurnsRow {
  readonly ours: TurnsResult;
  readonly bare: TurnsResult;
  readonly unauthenticated: TurnsResult;
}

/**
 * Everything one `npm run bench` measured; written raw to bench/results/latest.json. A new
 * section adds its field here, its measurement in run.ts and its renderer to `SECTIONS` in
 * report.ts.
 */
export interface BenchResults {
  readonly context: RunContext;
  readonly production: BuiltBundle;
  /** The same entry minified (the build before readable identifiers), for comparison. */
  readonly minified: BuiltBundle;
  readonly bare: BuiltBundle;
  readonly cold: readonly ColdRow[];
  readonly attribution: readonly ColdRow[];
  readonly quota: readonly QuotaRow[];
  readonly quotaSkip?: string;
  readonly warm: WarmResult;
  readonly turns: readonly TurnsRow[];
  readonly io: readonly IoRow[];
  readonly throughput: readonly ThroughputRow[];
  readonly throughputError?: string;
  readonly cost: CostModel;
  /** Live turns: progress latency and RESPONSE_STREAM vs BUFFERED (bench/sections/streaming.ts). */
  readonly streaming?: StreamingResults;
  /** USD per million unauthenticated requests, with and without the cost guard (issue 12). */
  readonly flood?: FloodResult;
}
