/**
 * `npm run bench` (`tsx bench/run.ts [--quick | --check]`): builds the function bundle with the
 * stack's own esbuild options (infra/bundling.ts), measures it against a bare MCP SDK server that
 * does the same I/O, prints the report, writes BENCHMARKS.md and bench/results/latest.json, and
 * exits 1 when a budget in bench/budgets.ts is broken. `--check` (`npm run bench:check`, run by
 * .ci/run) is the reduced, ratio-only budget check: Node 24, no report written.
 *
 * The figures are only as quiet as the machine: take final ones with nothing else running.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MEMORY_MB } from '../infra/config.js';
import { checkBudgets } from './budgets.js';
import type { TurnsPlan, TurnsResult } from './children/turns.js';
import type { WarmPlan, WarmResult } from './children/warm.js';
import {
  BUILD_DIR,
  type BuiltBundle,
  buildBundle,
  buildChild,
  DEPLOYED_NODE_MAJOR,
  REPO_ROOT,
  RESULTS_DIR,
} from './lib/build.js';
import { cpuCgroupSupport, createCpuQuota } from './lib/cgroup.js';
import { baseChildEnv, runChild } from './lib/child.js';
import { CURRENT_NODE, type NodeRuntime, npmNode } from './lib/node-runtimes.js';
import type { BenchResults, QuotaRow, TurnsRow } from './lib/results.js';
import { startStandIns } from './lib/stand-ins.js';
import { renderReport } from './report.js';
import { type ColdConfig, measureColdStarts } from './sections/cold-start.js';
import { ASSUMPTIONS, costModel } from './sections/cost.js';
import { measureFlood } from './sections/flood.js';
import { measureIo } from './sections/io.js';
import { measureStreaming, type StreamingResults } from './sections/streaming.js';
import { measureThroughput, type ThroughputRow } from './sections/throughput.js';

// The parent creates the table with the AWS SDK too; its Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The I/O section counts requests in this process; its EMF lines would only clutter the report.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const mode = process.argv.includes('--check')
  ? 'check'
  : process.argv.includes('--quick')
    ? 'quick'
    : 'full';
const SETTINGS = {
  full: {
    coldRuns: 11,
    quotaRuns: 5,
    attributionRuns: 7,
    turns: 200,
    turnRounds: 3,
    warm: { iterations: 2_000, warmup: 300, block: 100 },
    throughputMs: 8_000,
    otherRuntimes: ['20', '22'],
  },
  quick: {
    coldRuns: 3,
    quotaRuns: 1,
    attributionRuns: 3,
    turns: 50,
    turnRounds: 1,
    warm: { iterations: 300, warmup: 50, block: 50 },
    throughputMs: 2_000,
    otherRuntimes: [],
  },
  check: {
    coldRuns: 7,
    quotaRuns: 0,
    attributionRuns: 0,
    turns: 100,
    turnRounds: 3,
    warm: { iterations: 600, warmup: 100, block: 50 },
    throughputMs: 0,
    otherRuntimes: [],
  },
}[mode];

/** Each dependency alone, to see what an import costs (bundles overlap: zod is in several). */
const ATTRIBUTION = [
  [
    'MCP SDK v2 server (`@modelcontextprotocol/server`, with its zod and Ajv)',
    "export { McpServer, createMcpHandler } from '@modelcontextprotocol/server';",
  ],
  [
    'zod (namespace import)',
    "import * as z from 'zod';\nexport const schema = z.object({ a: z.string() });",
  ],
  [
    'DynamoDB client + lib-dynamodb document client',
    "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
  ],
  [
    'Secrets Manager client via Powertools parameters',
    "export { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';",
  ],
  [
    'Powertools logger + middy',
    "export { Logger } from '@aws-lambda-powertools/logger';\nexport { default as middy } from '@middy/core';",
  ],
  ['Powertools metrics (EMF)', "export { Metrics } from '@aws-lambda-powertools/metrics';"],
  [
    'aws-jwt-verify (inbound OAuth)',
    "export { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';",
  ],
] as const;

/** The heap flags Lambda's Node bootstrap sets for a memory size (new space = memory / 10). */
export const lambdaHeapFlags = (memoryMb: number) => [
  `--max-semi-space-size=${Math.floor(memoryMb / 20)}`,
  `--max-old-space-size=${memoryMb - Math.floor(memoryMb / 10)}`,
];

const started = Date.now();
const log = (message: string) =>
  process.stderr.write(
    `[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`
  );

async function main(): Promise<number> {
  const loadAverageStart = loadavg();
  if ((loadAverageStart[0] ?? 0) > cpus().length * 0.5) {
    log(
      `warning: load average ${loadAverageStart[0]?.toFixed(2)} on ${cpus().length} cores; figures will be noisy`
    );
  }
  const deployed = await npmNode(DEPLOYED_NODE_MAJOR);
  if (!deployed)
    throw new Error(`npx could not provide Node ${DEPLOYED_NODE_MAJOR} (the deployed runtime)`);
  const others: NodeRuntime[] = [];
  const skipped: string[] = [];
  for (const major of SETTINGS.otherRuntimes) {
    const runtime =
      major === process.versions.node.split('.')[0] ? CURRENT_NODE : await npmNode(major);
    if (runtime) others.push(runtime);
    else skipped.push(`Node ${major} (npx could not provide it)`);
  }

  log(
    'building the function bundle (infra/bundling.ts options), the bare SDK server and the children'
  );
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  const production = await buildBundle({ entry: 'lambda/handler.ts', id: 'production' });
  // Before this change: minified identifiers, a linked map, --enable-source-maps to read stacks.
  const minified = await buildBundle({
    entry: 'lambda/handler.ts',
    id: 'minified',
    overrides: { minify: true, sourcemap: 'linked' },
  });
  // The deployed build with a linked map, so that --enable-source-maps alone is what differs.
  const linked = await buildBundle({
    entry: 'lambda/handler.ts',
    id: 'linked',
    overrides: { sourcemap: 'linked' },
  });
  const bare = await buildBundle({ entry: 'bench/entries/bare-sdk.ts', id: 'bare-sdk' });
  const warmApp = await buildBundle({ entry: 'bench/entries/warm-app.ts', id: 'warm-app' });
  const attribution: Array<[string, BuiltBundle]> = [];
  if (SETTINGS.attributionRuns > 0) {
    for (const [i, [label, contents]] of ATTRIBUTION.entries()) {
      attribution.push([label, await buildBundle({ entry: { contents }, id: `attribution-${i}` })]);
    }
  }
  const coldChild = await buildChild('bench/children/cold-start.ts');
  const warmChild = await buildChild('bench/children/warm.ts');
  const turnsChild = await buildChild('bench/children/turns.ts');

  log('starting DynamoDB Local, the simulator and a fake Secrets Manager');
  const standIns = await startStandIns();
  try {
    const env = standIns.handlerEnv();
    const side = (tool: 'ours' | 'bare', runtime: NodeRuntime, extra: Partial<ColdConfig> = {}) =>
      ({
        id: tool,
        label: tool === 'ours' ? 'ours (as deployed)' : 'bare SDK v2 server, same I/O',
        runtime,
        bundle: tool === 'ours' ? production : bare,
        tool,
        ...extra,
      }) satisfies ColdConfig;
    const probe = mode !== 'check';
    const withMaps = { nodeArgs: ['--enable-source-maps'], stackProbe: probe };
    const configs: ColdConfig[] = [
      side('ours', deployed, { stackProbe: probe }),
      side('bare', deployed),
      ...(mode === 'check'
        ? []
        : [
            side('ours', deployed, {
              id: 'ours+maps',
              label: 'readable, linked map + --enable-source-maps',
              bundle: linked,
              ...withMaps,
            }),
            side('ours', deployed, {
              id: 'minified+maps',
              label: 'minified + --enable-source-maps (before)',
              bundle: minified,
              ...withMaps,
            }),
            ...others.flatMap((runtime) => {
              const key = runtime.label.replace(/^Node (\d+).*/, 'node$1');
              return [
                side('ours', runtime, { id: `${key}:ours` }),
                side('bare', runtime, { id: `${key}:bare` }),
              ];
            }),
          ]),
    ];
    // One discarded run warms DynamoDB Local's JIT and the simulator for everyone.
    await measureColdStarts({ configs: configs.slice(0, 2), runs: 1, childScript: coldChild, env });
    log(
      `cold start: ${configs.length} configurations × ${SETTINGS.coldRuns} fresh processes, interleaved`
    );
    const cold = await measureColdStarts({
      configs,
      runs: SETTINGS.coldRuns,
      childScript: coldChild,
      env,
    });
    const attributionRows =
      attribution.length === 0
        ? []
        : await measureColdStarts({
            configs: attribution.map(([label, bundle], i) => ({
              id: `attribution-${i}`,
              label,
              runtime: deployed,
              bundle,
            })),
            runs: SETTINGS.attributionRuns,
            childScript: coldChild,
            env,
          });

    const support = cpuCgroupSupport();
    const quota: QuotaRow[] = [];
    let quotaSkip: string | undefined = 'skip' in support ? support.skip : undefined;
    if (!('skip' in support) && SETTINGS.quotaRuns > 0) {
      log(
        `cold start at Lambda CPU shares (cgroup ${support.kind}): ${ASSUMPTIONS.memorySizesMb.join('/')} MB × ${SETTINGS.quotaRuns}`
      );
      for (const memoryMb of ASSUMPTIONS.memorySizesMb) {
        const cgroup = createCpuQuota(support, memoryMb);
        try {
          const rows = await measureColdStarts({
            configs: (['ours', 'bare'] as const).map((tool) =>
              side(tool, deployed, {
                id: `${tool}@${memoryMb}`,
                nodeArgs: lambdaHeapFlags(memoryMb),
                cgroupProcs: cgroup.procs,
              })
            ),
            runs: SETTINGS.quotaRuns,
            childScript: coldChild,
            env,
          });
          quota.push({
            memoryMb,
            ours: rows[0] as QuotaRow['ours'],
            bare: rows[1] as QuotaRow['bare'],
          });
        } finally {
          cgroup.remove();
        }
      }
    } else if (SETTINGS.quotaRuns === 0) quotaSkip = 'not part of this mode';

    log(
      `warm overhead in-process: ${SETTINGS.warm.iterations} requests × 3 request types × 2 handlers, interleaved`
    );
    const warm = await runChild<WarmResult>({
      script: warmChild,
      node: deployed.path,
      nodeArgs: ['--expose-gc'],
      args: [
        JSON.stringify({
          handlers: [
            { id: 'ours', kind: 'ours', bundle: warmApp.file },
            { id: 'bare', kind: 'bare', bundle: bare.file },
          ],
          ...SETTINGS.warm,
        } satisfies WarmPlan),
      ],
      env: baseChildEnv({}),
      timeoutMs: 600_000,
    });

    log(
      `warm turns with real HTTP clients and Lambda's ${DEFAULT_MEMORY_MB} MB heap flags: ${SETTINGS.turnRounds} × ${SETTINGS.turns} turns per side`
    );
    const turnsOf = (
      bundle: BuiltBundle,
      plan: Omit<TurnsPlan, 'bundle'>,
      extra: Record<string, string> = {}
    ) =>
      runChild<TurnsResult>({
        script: turnsChild,
        node: deployed.path,
        nodeArgs: lambdaHeapFlags(DEFAULT_MEMORY_MB),
        args: [JSON.stringify({ bundle: bundle.file, ...plan })],
        env: baseChildEnv({ ...env, ...extra }),
        timeoutMs: 300_000,
      });
    const turns: TurnsRow[] = [];
    for (let round = 0; round < SETTINGS.turnRounds; round++) {
      turns.push({
        ours: await turnsOf(production, {
          mode: 'turns',
          tool: 'complete-agentforce-conversation',
          count: SETTINGS.turns,
        }),
        bare: await turnsOf(bare, { mode: 'turns', tool: 'converse', count: SETTINGS.turns }),
        unauthenticated: await turnsOf(
          production,
          { mode: 'unauthenticated', tool: '', count: SETTINGS.turns },
          {
            AUTH_MODE: 'cognito',
            COGNITO_USER_POOL_ID: 'us-east-1_BenchPool',
            AUTH_CLIENT_IDS: 'bench-client',
          }
        ),
      });
    }

    log('I/O per tool call (DynamoDB Local behind a counting proxy, fake Secrets Manager)');
    const io = await measureIo({ warmAppBundle: warmApp.file, standIns });

    let throughput: ThroughputRow[] = [];
    let throughputError: string | undefined;
    if (SETTINGS.throughputMs > 0) {
      log(`throughput of the local server: ${SETTINGS.throughputMs / 1000} s per scenario`);
      try {
        throughput = await measureThroughput({
          dynamoEndpoint: standIns.dynamoEndpoint,
          durationMs: SETTINGS.throughputMs,
          connections: 10,
          emails: 100,
          onProgress: (line) => log(`  ${line}`),
        });
      } catch (err) {
        throughputError = (err as Error).message.split('\n')[0];
      }
    }

    const med = (values: number[]) =>
      values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

    // Live turns: not part of `--check` (its budgets gate the cold start and the warm path).
    let streaming: StreamingResults | undefined;
    if (mode !== 'check') {
      log('live turns: progress latency and RESPONSE_STREAM vs BUFFERED');
      streaming = await measureStreaming({
        bundle: production.file,
        childScript: await buildChild('bench/children/invoke-modes.ts'),
        standIns,
        runs: mode === 'quick' ? 5 : 15,
        coldRuns: SETTINGS.coldRuns,
        warm:
          mode === 'quick' ? { iterations: 200, warmup: 50 } : { iterations: 1_000, warmup: 200 },
      });
    }

    const turn = io.find((row) => row.tool === 'send-message-to-agent' && row.phase === 'warm');
    const ours = cold.find((row) => row.config.id === 'ours');
    const cost = costModel({
      turnCpuMs: med(turns.map((t) => t.ours.cpuMsPerRequest)),
      writesPerTurn: turn?.operations.UpdateItem ?? 0,
      turnLogBytes: med(turns.map((t) => t.ours.logBytesPerRequest)),
      coldCpuMs: ours?.cpuMs.p50 ?? Number.NaN,
      coldWallMsByMemory: Object.fromEntries(
        quota.map((row) => [row.memoryMb, row.ours.totalMs?.p50 ?? Number.NaN])
      ),
    });

    // Not part of `--check`: the flood's price is a report, not a budget.
    const flood = mode === 'check' ? undefined : await measureFlood(mode === 'quick' ? 500 : 2_000);

    const results: BenchResults = {
      context: {
        startedAt: new Date(started).toISOString(),
        durationSeconds: (Date.now() - started) / 1000,
        mode,
        cpu: cpus()[0]?.model ?? 'unknown CPU',
        cores: cpus().length,
        loadAverageStart,
        loadAverageEnd: loadavg(),
        deployed: deployed.label,
        runtimes: [deployed, ...others].map((r) => r.label),
        skipped,
        coldRuns: SETTINGS.coldRuns,
        defaultMemoryMb: DEFAULT_MEMORY_MB,
      },
      production,
      minified,
      bare,
      cold,
      attribution: attributionRows,
      quota,
      ...(quotaSkip ? { quotaSkip } : {}),
      warm,
      turns,
      io,
      throughput,
      ...(throughputError ? { throughputError } : {}),
      cost,
      ...(streaming ? { streaming } : {}),
      ...(flood ? { flood } : {}),
    };
    const checks = checkBudgets(results);
    const broken = checks.filter((check) => !check.ok);
    writeFileSync(
      join(RESULTS_DIR, mode === 'check' ? 'check.json' : 'latest.json'),
      `${JSON.stringify(results, null, 2)}\n`
    );
    const report = renderReport(results, checks);
    if (mode === 'full') writeFileSync(join(REPO_ROOT, 'BENCHMARKS.md'), report);
    process.stdout.write(
      `${mode === 'check' ? report.slice(report.indexOf('## Budgets'), report.indexOf('\n## ', report.indexOf('## Budgets') + 1)) : report}\n`
    );
    log(
      broken.length === 0
        ? `all ${checks.length} budgets met`
        : `${broken.length} budget(s) broken: ${broken.map((check) => check.name).join('; ')}`
    );
    return broken.length === 0 ? 0 : 1;
  } finally {
    await standIns.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(2);
  }
);
