import type { WarmResult } from '../children/warm.js';
import type { ColdRow } from '../sections/cold-start.js';
import type { CostModel } from '../sections/cost.js';
import type { IoRow } from '../sections/io.js';
import type { StreamingResults } from '../sections/streaming.js';
import type { ThroughputRow } from '../sections/throughput.js';
import type { BuiltBundle, BundleVariant, StackBundling } from './build.js';

/** Where and how the figures were taken. */
export interface RunContext {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly quick: boolean;
  readonly cpu: string;
  readonly cores: number;
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  readonly runtimes: readonly string[];
  /** Runtimes that could not be obtained, with the reason. */
  readonly skipped: readonly string[];
  readonly coldRuns: number;
}

/** Everything one `npm run bench` measured; written raw to bench/results/latest.json. */
export interface BenchResults {
  readonly context: RunContext;
  readonly stack: StackBundling;
  readonly variants: ReadonlyArray<{
    readonly variant: BundleVariant;
    readonly bundle: BuiltBundle;
  }>;
  /** The SDK v2 baseline (`bench/entries/bare-sdk-v2.ts`); the budgets compare against it. */
  readonly bareSdk: BuiltBundle;
  /** The SDK v1 baseline (`bench/entries/bare-sdk.ts`), for the v1 → v2 comparison. */
  readonly bareSdkV1: BuiltBundle;
  readonly cold: readonly ColdRow[];
  readonly attribution: readonly ColdRow[];
  readonly warm: WarmResult;
  /** Memory of our production handler: cold-start children, and alone under the warm loop. */
  readonly memory: {
    readonly coldMaxRssMiB: number;
    readonly aloneMaxRssMiB: number;
    readonly aloneToolCallP50: number;
    readonly cappedHeapMb: number;
    readonly cappedMaxRssMiB: number;
    readonly cappedToolCallP50: number;
    readonly cappedFailures: number;
  };
  readonly io: readonly IoRow[];
  readonly throughput: readonly ThroughputRow[];
  readonly throughputError?: string;
  readonly cost: CostModel;
  /** Live turns: progress latency and RESPONSE_STREAM vs BUFFERED (bench/sections/streaming.ts). */
  readonly streaming?: StreamingResults;
}
