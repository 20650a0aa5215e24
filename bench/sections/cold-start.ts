import type { ColdStartPlan, ColdStartResult } from '../children/cold-start.js';
import type { BuiltBundle } from '../lib/build.js';
import { baseChildEnv, runChild } from '../lib/child.js';
import type { NodeRuntime } from '../lib/node-runtimes.js';
import { median, percentile } from '../lib/stats.js';

/** One cold-start configuration: a bundle on a runtime, with or without source maps. */
export interface ColdConfig {
  readonly id: string;
  readonly label: string;
  readonly runtime: NodeRuntime;
  readonly bundle: BuiltBundle;
  /** Node flags, e.g. the stack's NODE_OPTIONS (`--enable-source-maps`). */
  readonly nodeArgs: readonly string[];
  /** Which first tool call to send; none for an import-only row. */
  readonly tool?: 'ours' | 'bare';
  /** An intermediate cut: reported with the bundle table, not in the cold-start table. */
  readonly intermediate?: boolean;
}

export interface Spread {
  readonly p50: number;
  readonly p90: number;
}

export interface ColdRow {
  readonly config: ColdConfig;
  readonly runs: number;
  readonly bootMs: Spread;
  readonly importMs: Spread;
  readonly initializeMs?: Spread;
  readonly toolCallMs?: Spread;
  /** importMs + initializeMs + toolCallMs per run: what Lambda's INIT + first invoke would add. */
  readonly totalMs?: Spread;
  readonly maxRssMiB: number;
  readonly failures: readonly string[];
  /** Distinct `tools/list` hashes seen; variants must all report the production one. */
  readonly toolsListHashes: readonly string[];
}

const spread = (values: readonly number[]): Spread => ({
  p50: median(values),
  p90: percentile(values, 90),
});

const TOOL_MESSAGE = 'Hello, where is my order?';

/**
 * Runs every configuration `runs` times in fresh Node processes, round-robin so that machine noise
 * spreads evenly over the configurations being compared.
 */
export async function measureColdStarts(options: {
  configs: readonly ColdConfig[];
  runs: number;
  childScript: string;
  env: Record<string, string>;
  onProgress?: (done: number, total: number) => void;
}): Promise<ColdRow[]> {
  const results = new Map<string, ColdStartResult[]>(options.configs.map((c) => [c.id, []]));
  const total = options.runs * options.configs.length;
  let done = 0;
  for (let run = 0; run < options.runs; run++) {
    for (const config of options.configs) {
      const plan: ColdStartPlan = {
        bundle: config.bundle.file,
        ...(config.tool === undefined ? { importOnly: true } : {}),
        ...(config.tool === 'ours'
          ? {
              tool: {
                name: 'complete-agentforce-conversation',
                args: {
                  client_email: `cold-${config.id.replace(/[^a-z0-9]+/gi, '-')}-${run}-${Date.now()}@example.com`,
                  message: TOOL_MESSAGE,
                },
              },
            }
          : {}),
        ...(config.tool === 'bare' ? { tool: { name: 'echo', args: { text: TOOL_MESSAGE } } } : {}),
      };
      const result = await runChild<ColdStartResult>({
        node: config.runtime.path,
        nodeArgs: config.nodeArgs,
        script: options.childScript,
        args: [JSON.stringify(plan)],
        env: baseChildEnv(options.env),
      }).catch(
        (err: Error): ColdStartResult => ({
          bootMs: Number.NaN,
          importMs: Number.NaN,
          rssAfterImportMiB: 0,
          maxRssMiB: 0,
          ok: false,
          error: err.message.slice(0, 500),
        })
      );
      results.get(config.id)?.push(result);
      options.onProgress?.(++done, total);
    }
  }
  return options.configs.map((config) => {
    const runs = results.get(config.id) ?? [];
    const good = runs.filter((r) => r.ok);
    const pick = (key: 'initializeMs' | 'toolCallMs') =>
      good.every((r) => r[key] !== undefined)
        ? spread(good.map((r) => r[key] as number))
        : undefined;
    const initializeMs = pick('initializeMs');
    const toolCallMs = pick('toolCallMs');
    return {
      config,
      runs: good.length,
      bootMs: spread(good.map((r) => r.bootMs)),
      importMs: spread(good.map((r) => r.importMs)),
      ...(initializeMs ? { initializeMs } : {}),
      ...(toolCallMs ? { toolCallMs } : {}),
      ...(initializeMs && toolCallMs
        ? {
            totalMs: spread(
              good.map((r) => r.importMs + (r.initializeMs ?? 0) + (r.toolCallMs ?? 0))
            ),
          }
        : {}),
      maxRssMiB: Math.max(0, ...good.map((r) => r.maxRssMiB)),
      failures: [...new Set(runs.filter((r) => !r.ok).map((r) => r.error ?? 'failed'))],
      toolsListHashes: [
        ...new Set(good.map((r) => r.toolsListHash).filter((h): h is string => h !== undefined)),
      ],
    };
  });
}
