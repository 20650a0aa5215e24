import type { ColdStartPlan, ColdStartResult } from '../children/cold-start.js';
import type { BuiltBundle } from '../lib/build.js';
import { baseChildEnv, runChild } from '../lib/child.js';
import type { NodeRuntime } from '../lib/node-runtimes.js';
import { median, percentile } from '../lib/stats.js';

/** One cold-start configuration: a bundle on a runtime, with its Node flags. */
export interface ColdConfig {
  readonly id: string;
  readonly label: string;
  readonly runtime: NodeRuntime;
  readonly bundle: BuiltBundle;
  readonly nodeArgs?: readonly string[];
  /** Which first tool call to send (both do the same I/O); none for an import-only row. */
  readonly tool?: 'ours' | 'bare';
  readonly stackProbe?: boolean;
  /** Runs inside this CPU cgroup (`cgroup.procs`). */
  readonly cgroupProcs?: string;
}

export interface Spread {
  readonly p50: number;
  readonly p90: number;
}

export interface ColdRow {
  readonly config: ColdConfig;
  readonly runs: number;
  readonly importMs: Spread;
  readonly initializeMs?: Spread;
  readonly toolCallMs?: Spread;
  /** import + first initialize + first tools/call, wall: what INIT + the first invoke add. */
  readonly totalMs?: Spread;
  /** CPU of the same span. */
  readonly cpuMs: Spread;
  readonly rssAfterImportMiB: number;
  readonly maxRssMiB: number;
  readonly firstStackMs?: Spread;
  readonly failures: readonly string[];
  /** Per run, in order, for paired (interleaved) ratios. */
  readonly samples: ReadonlyArray<{
    readonly totalMs: number;
    readonly cpuMs: number;
    readonly importMs: number;
  }>;
}

const spread = (values: readonly number[]): Spread => ({
  p50: median(values),
  p90: percentile(values, 90),
});

const MESSAGE = 'Hello, where is my order?';

/** The first real tools/call of each side: a new client, so both read the secret, get a token, write twice, start a session and send. */
function toolOf(config: ColdConfig, run: number): ColdStartPlan['tool'] {
  if (config.tool === undefined) return undefined;
  const client_email = `cold-${config.id.replace(/[^a-z0-9]+/gi, '-')}-${run}-${Date.now()}@example.com`;
  return config.tool === 'ours'
    ? { name: 'complete-agentforce-conversation', args: { client_email, message: MESSAGE } }
    : { name: 'converse', args: { client_email, message: MESSAGE } };
}

/**
 * Runs every configuration `runs` times in fresh Node processes, round-robin so that machine noise
 * spreads evenly over the configurations being compared.
 */
export async function measureColdStarts(options: {
  configs: readonly ColdConfig[];
  runs: number;
  childScript: string;
  env: Record<string, string>;
  onRound?: (round: number) => void;
}): Promise<ColdRow[]> {
  const results = new Map<string, ColdStartResult[]>(options.configs.map((c) => [c.id, []]));
  for (let run = 0; run < options.runs; run++) {
    for (const config of options.configs) {
      const tool = toolOf(config, run);
      const plan: ColdStartPlan = {
        bundle: config.bundle.file,
        ...(tool ? { tool } : { importOnly: true }),
        ...(config.stackProbe ? { stackProbe: true } : {}),
      };
      const result = await runChild<ColdStartResult>({
        node: config.runtime.path,
        nodeArgs: config.nodeArgs ?? [],
        script: options.childScript,
        args: [JSON.stringify(plan)],
        env: baseChildEnv(options.env),
        ...(config.cgroupProcs ? { cgroupProcs: config.cgroupProcs } : {}),
      }).catch(
        (err: Error): ColdStartResult => ({
          importMs: Number.NaN,
          cpuMs: Number.NaN,
          rssAfterImportMiB: 0,
          maxRssMiB: 0,
          ok: false,
          error: err.message.slice(0, 500),
        })
      );
      results.get(config.id)?.push(result);
    }
    options.onRound?.(run + 1);
  }
  return options.configs.map((config) => {
    const runs = results.get(config.id) ?? [];
    const good = runs.filter((r) => r.ok);
    const optional = (key: 'initializeMs' | 'toolCallMs' | 'firstStackMs') =>
      good.length > 0 && good.every((r) => r[key] !== undefined)
        ? { [key]: spread(good.map((r) => r[key] as number)) }
        : {};
    const samples = good.map((r) => ({
      importMs: r.importMs,
      cpuMs: r.cpuMs,
      totalMs: r.importMs + (r.initializeMs ?? 0) + (r.toolCallMs ?? 0),
    }));
    return {
      config,
      runs: good.length,
      importMs: spread(samples.map((s) => s.importMs)),
      ...optional('initializeMs'),
      ...optional('toolCallMs'),
      ...optional('firstStackMs'),
      ...(config.tool ? { totalMs: spread(samples.map((s) => s.totalMs)) } : {}),
      cpuMs: spread(samples.map((s) => s.cpuMs)),
      rssAfterImportMiB: median(good.map((r) => r.rssAfterImportMiB)),
      maxRssMiB: Math.max(0, ...good.map((r) => r.maxRssMiB)),
      failures: [...new Set(runs.filter((r) => !r.ok).map((r) => r.error ?? 'failed'))],
      samples,
    };
  });
}

/**
 * Median of the per-round ratios `a / b` (interleaved runs: round i of each saw the same machine),
 * which cancels drift in machine load better than a ratio of medians.
 */
export function pairedRatio(
  a: ColdRow | undefined,
  b: ColdRow | undefined,
  key: 'totalMs' | 'cpuMs' | 'importMs'
): number {
  if (!a || !b) return Number.NaN;
  const n = Math.min(a.samples.length, b.samples.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    ratios.push((a.samples[i]?.[key] as number) / (b.samples[i]?.[key] as number));
  }
  return median(ratios);
}
