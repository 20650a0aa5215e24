/**
 * `npm run bench` (`tsx bench/run.ts [--quick]`): builds the production bundle as the CDK stack
 * does, measures cold start, warm overhead against a bare MCP SDK server, I/O per tool call,
 * local throughput and the cost per turn, prints the report, writes BENCHMARKS.md and
 * bench/results/latest.json, and exits 1 when a budget in bench/budgets.ts is broken.
 *
 * The figures are only as quiet as the machine: take final ones with nothing else running.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { checkBudgets } from './budgets.js';
import type { WarmPlan, WarmResult } from './children/warm.js';
import {
  BUILD_DIR,
  type BuiltBundle,
  buildBundle,
  buildChild,
  REPO_ROOT,
  RESULTS_DIR,
  readStackBundling,
  VARIANTS,
} from './lib/build.js';
import { baseChildEnv, runChild } from './lib/child.js';
import { CURRENT_NODE, type NodeRuntime, npmNode } from './lib/node-runtimes.js';
import type { BenchResults } from './lib/results.js';
import { startStandIns } from './lib/stand-ins.js';
import { renderReport } from './report.js';
import { type ColdConfig, measureColdStarts } from './sections/cold-start.js';
import { costModel } from './sections/cost.js';
import { measureIo } from './sections/io.js';
import { measureStreaming } from './sections/streaming.js';
import { measureThroughput, type ThroughputRow } from './sections/throughput.js';

// The parent creates the table with the AWS SDK too; its Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The I/O section counts requests in this process; its EMF lines would only clutter the report.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const quick = process.argv.includes('--quick');
const SETTINGS = quick
  ? {
      coldRuns: 3,
      attributionRuns: 3,
      warm: { iterations: 300, warmup: 50, block: 50 },
      aloneIterations: 300,
      throughputMs: 2_000,
      emails: 20,
      extraRuntimes: [] as string[],
    }
  : {
      coldRuns: 11,
      attributionRuns: 7,
      warm: { iterations: 2_000, warmup: 300, block: 100 },
      aloneIterations: 1_000,
      throughputMs: 8_000,
      emails: 200,
      // Lambda runs 22 and 24 (the stack pins NODEJS_24_X); npx caches them after one download.
      extraRuntimes: ['22.23.3', '24.21.0'],
    };

/** Each dependency alone, to see what an import costs (bundles overlap: zod is in several). */
const ATTRIBUTION = [
  {
    id: 'mcp-sdk',
    label: 'MCP SDK v2 server, both eras (`@modelcontextprotocol/server`, with its zod and Ajv)',
    contents:
      "export { McpServer, createMcpHandler, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';",
  },
  {
    id: 'mcp-sdk-v1',
    label: 'MCP SDK v1 server + web-standard transport (the line this server left)',
    contents:
      "export { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\n" +
      "export { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';",
  },
  {
    id: 'zod-named',
    label: "zod with the named import `import { z } from 'zod'` (lambda/ before the cut)",
    contents: "import { z } from 'zod';\nexport const schema = z.object({ a: z.string() });",
  },
  {
    id: 'zod-namespace',
    label: "zod as a namespace: `import * as z from 'zod'` (lambda/ now)",
    contents: "import * as z from 'zod';\nexport const schema = z.object({ a: z.string() });",
  },
  {
    id: 'ajv',
    label: 'SDK v2 Ajv validator (the one lambda/mcp/server.ts shares per container)',
    contents:
      "export { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';",
  },
  {
    id: 'dynamodb',
    label: 'DynamoDB client + lib-dynamodb document client',
    contents:
      "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n" +
      "export { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';",
  },
  {
    id: 'secrets',
    label: 'Secrets Manager client via Powertools parameters',
    contents: "export { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';",
  },
  {
    id: 'logger-middy',
    label: 'Powertools logger + middleware + middy',
    contents:
      "export { Logger } from '@aws-lambda-powertools/logger';\n" +
      "export { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';\n" +
      "export { default as middy } from '@middy/core';",
  },
  {
    id: 'metrics',
    label: 'Powertools metrics (EMF)',
    contents: "export { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';",
  },
  {
    id: 'jwt',
    label: 'aws-jwt-verify (inbound OAuth)',
    contents: "export { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';",
  },
] as const;

/** Old-space cap of the memory run: what a 128 MB function leaves V8 after Node's own footprint. */
const CAPPED_HEAP_MB = 64;

const started = Date.now();
const log = (message: string) =>
  process.stderr.write(
    `[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`
  );

async function main(): Promise<number> {
  const loadAverageStart = loadavg();
  if (loadAverageStart[0] !== undefined && loadAverageStart[0] > cpus().length * 0.5) {
    log(
      `warning: load average ${loadAverageStart[0].toFixed(2)} on ${cpus().length} cores; ` +
        'figures will be noisy (take final ones on a quiet machine)'
    );
  }
  const extraRuntimes = Promise.all(SETTINGS.extraRuntimes.map((version) => npmNode(version)));

  log('building the production bundle and the cuts (esbuild, options from the CDK stack)');
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  const stack = readStackBundling();
  const variants: BenchResults['variants'][number][] = [];
  for (let i = 0; i < VARIANTS.length; i++) {
    const variant = VARIANTS[i] as (typeof VARIANTS)[number];
    const bundle = await buildBundle({
      stack,
      entry: 'lambda/handler.ts',
      outDir: join(BUILD_DIR, `handler-${variant.id}`),
      variants: VARIANTS.slice(0, i + 1),
      id: variant.id,
    });
    variants.push({ variant, bundle });
  }
  const production = variants[0]?.bundle as BuiltBundle;
  const lean = variants.at(-1)?.bundle as BuiltBundle;
  // The baseline is what a user would write today (SDK v2); SDK v1's is measured beside it.
  const bareSdk = await buildBundle({
    stack,
    entry: 'bench/entries/bare-sdk-v2.ts',
    outDir: join(BUILD_DIR, 'bare-sdk'),
    id: 'bare-sdk',
  });
  const bareSdkV1 = await buildBundle({
    stack,
    entry: 'bench/entries/bare-sdk.ts',
    outDir: join(BUILD_DIR, 'bare-sdk-v1'),
    id: 'bare-sdk-v1',
  });
  const warmProduction = await buildBundle({
    stack,
    entry: 'bench/entries/warm-app.ts',
    outDir: join(BUILD_DIR, 'warm-production'),
    id: 'warm-production',
  });
  const warmLean = await buildBundle({
    stack,
    entry: 'bench/entries/warm-app.ts',
    outDir: join(BUILD_DIR, 'warm-lean'),
    variants: VARIANTS,
    id: 'warm-lean',
  });
  const attributionBundles = new Map<string, BuiltBundle>();
  for (const entry of ATTRIBUTION) {
    attributionBundles.set(
      entry.id,
      await buildBundle({
        stack,
        entry: { contents: entry.contents },
        outDir: join(BUILD_DIR, `attribution-${entry.id}`),
        id: entry.id,
      })
    );
  }
  const coldChild = await buildChild(
    'bench/children/cold-start.ts',
    join(BUILD_DIR, 'children/cold-start.mjs')
  );
  const warmChild = await buildChild(
    'bench/children/warm.ts',
    join(BUILD_DIR, 'children/warm.mjs')
  );

  const resolved = await extraRuntimes;
  const runtimes: NodeRuntime[] = [CURRENT_NODE];
  const skipped: string[] = [];
  resolved.forEach((runtime, i) => {
    if (runtime) runtimes.push(runtime);
    else skipped.push(`Node ${SETTINGS.extraRuntimes[i]} (npx could not provide it)`);
  });

  log('starting DynamoDB Local, the simulator and a fake Secrets Manager');
  const standIns = await startStandIns();
  try {
    const deployedArgs = stack.nodeOptions.split(/\s+/).filter(Boolean);
    const node20 = CURRENT_NODE;
    const coldConfigs: ColdConfig[] = [];
    for (const { variant, bundle } of variants) {
      coldConfigs.push({
        id: `node20:${variant.id}`,
        label: variant.id === 'production' ? 'production' : `cut: ${variant.label}`,
        runtime: node20,
        bundle,
        nodeArgs: deployedArgs,
        tool: 'ours',
        ...(variant.id === 'production' || bundle === lean ? {} : { intermediate: true }),
      });
    }
    if (deployedArgs.length > 0) {
      coldConfigs.push({
        id: 'node20:production-no-flags',
        label: `production without ${stack.nodeOptions}`,
        runtime: node20,
        bundle: production,
        nodeArgs: [],
        tool: 'ours',
      });
    }
    coldConfigs.push(
      {
        id: 'node20:bare',
        label: 'bare SDK v2 server (what a user would otherwise write)',
        runtime: node20,
        bundle: bareSdk,
        nodeArgs: deployedArgs,
        tool: 'bare',
      },
      {
        id: 'node20:bare-v1',
        label: 'bare SDK v1 server (the line this server left)',
        runtime: node20,
        bundle: bareSdkV1,
        nodeArgs: deployedArgs,
        tool: 'bare',
      }
    );
    for (const runtime of runtimes.slice(1)) {
      const key = runtime.label.replace(/^Node (\d+).*/, 'node$1');
      coldConfigs.push(
        {
          id: `${key}:production`,
          label: 'production',
          runtime,
          bundle: production,
          nodeArgs: deployedArgs,
          tool: 'ours',
        },
        {
          id: `${key}:${variants.at(-1)?.variant.id}`,
          label: 'leanest variant (every cut)',
          runtime,
          bundle: lean,
          nodeArgs: deployedArgs,
          tool: 'ours',
        },
        {
          id: `${key}:bare`,
          label: 'bare SDK server',
          runtime,
          bundle: bareSdk,
          nodeArgs: deployedArgs,
          tool: 'bare',
        }
      );
    }
    const env = standIns.handlerEnv();
    // One discarded run warms DynamoDB Local's JIT and the simulator for everyone.
    await measureColdStarts({
      configs: [coldConfigs[0] as ColdConfig],
      runs: 1,
      childScript: coldChild,
      env,
    });
    log(`cold start: ${coldConfigs.length} configurations × ${SETTINGS.coldRuns} fresh processes`);
    const cold = await measureColdStarts({
      configs: coldConfigs,
      runs: SETTINGS.coldRuns,
      childScript: coldChild,
      env,
      onProgress: (done, total) => {
        if (done % coldConfigs.length === 0) log(`  ${done}/${total}`);
      },
    });
    log(`import-time attribution: ${ATTRIBUTION.length} bundles × ${SETTINGS.attributionRuns}`);
    const attribution = await measureColdStarts({
      configs: ATTRIBUTION.map((entry) => ({
        id: `attribution:${entry.id}`,
        label: entry.label,
        runtime: node20,
        bundle: attributionBundles.get(entry.id) as BuiltBundle,
        nodeArgs: deployedArgs,
      })),
      runs: SETTINGS.attributionRuns,
      childScript: coldChild,
      env,
    });

    log(
      `warm overhead: ${SETTINGS.warm.iterations} requests × 3 request types × 4 handlers (interleaved)`
    );
    const warmPlan: WarmPlan = {
      handlers: [
        { id: 'ours', kind: 'ours', bundle: warmProduction.file },
        { id: 'lean', kind: 'ours', bundle: warmLean.file },
        { id: 'bare', kind: 'bare', bundle: bareSdk.file },
        { id: 'bare-v1', kind: 'bare', bundle: bareSdkV1.file },
      ],
      ...SETTINGS.warm,
    };
    const warm = await runChild<WarmResult>({
      script: warmChild,
      nodeArgs: ['--expose-gc'],
      args: [JSON.stringify(warmPlan)],
      env: baseChildEnv({}),
      timeoutMs: 600_000,
    });
    // Our handler alone, for its memory: unconstrained, then with the heap capped the way a
    // small function caps it (V8 sizes its heap to the container, so it collects sooner there).
    const aloneRun = (nodeArgs: string[]) =>
      runChild<WarmResult>({
        script: warmChild,
        nodeArgs,
        args: [
          JSON.stringify({
            handlers: [{ id: 'ours', kind: 'ours', bundle: warmProduction.file }],
            iterations: SETTINGS.aloneIterations,
            warmup: 50,
            block: 100,
          } satisfies WarmPlan),
        ],
        env: baseChildEnv({}),
        timeoutMs: 600_000,
      });
    const alone = await aloneRun([]);
    const capped = await aloneRun([`--max-old-space-size=${CAPPED_HEAP_MB}`]);

    log('I/O per tool call (DynamoDB Local behind a counting proxy, fake Secrets Manager)');
    const io = await measureIo({ warmAppBundle: warmProduction.file, standIns });

    log(`throughput of the local server: ${SETTINGS.throughputMs / 1000} s per scenario`);
    let throughput: ThroughputRow[] = [];
    let throughputError: string | undefined;
    try {
      throughput = await measureThroughput({
        dynamoEndpoint: standIns.dynamoEndpoint,
        durationMs: SETTINGS.throughputMs,
        connections: 10,
        emails: SETTINGS.emails,
        onProgress: (line) => log(`  ${line}`),
      });
    } catch (err) {
      throughputError = (err as Error).message.split('\n')[0];
      log(`throughput failed: ${(err as Error).message}`);
    }

    log('live turns: progress latency and RESPONSE_STREAM vs BUFFERED');
    const streaming = await measureStreaming({
      bundle: production.file,
      childScript: await buildChild(
        'bench/children/invoke-modes.ts',
        join(BUILD_DIR, 'children/invoke-modes.mjs')
      ),
      standIns,
      runs: quick ? 5 : 15,
      coldRuns: SETTINGS.coldRuns,
      warm: quick ? { iterations: 200, warmup: 50 } : { iterations: 1_000, warmup: 200 },
    });

    const turn = io.find((row) => row.tool === 'send-message-to-agent' && row.phase === 'warm');
    const ops = turn?.operations ?? {};
    const reads = (ops.GetItem ?? 0) + (ops.Query ?? 0);
    const productionCold = cold.filter(
      (row) => row.config.bundle === production && row.config.tool === 'ours'
    );
    const cost = costModel({
      overheadMs:
        warm.scenarios.find((s) => s.id === 'tools/call')?.summaries.ours?.p50 ?? Number.NaN,
      writesPerTurn: (turn?.dynamoRequests ?? 0) - reads,
      readsPerTurn: reads,
      // The stack's runtime major when it was measured (NODEJS_24_X → node24), else Node 20.
      importMs:
        (
          cold.find(
            (row) => row.config.id === `node${/\d+/.exec(stack.runtime)?.[0]}:production`
          ) ?? cold.find((row) => row.config.id === 'node20:production')
        )?.importMs.p50 ?? Number.NaN,
      peakRssMiB: Math.max(capped.maxRssMiB, ...productionCold.map((row) => row.maxRssMiB)),
    });

    const results: BenchResults = {
      context: {
        startedAt: new Date(started).toISOString(),
        durationSeconds: (Date.now() - started) / 1000,
        quick,
        cpu: cpus()[0]?.model ?? 'unknown CPU',
        cores: cpus().length,
        loadAverageStart,
        loadAverageEnd: loadavg(),
        runtimes: runtimes.map((r) => r.label),
        skipped,
        coldRuns: SETTINGS.coldRuns,
      },
      stack,
      variants,
      bareSdk,
      bareSdkV1,
      cold,
      attribution,
      warm,
      memory: {
        aloneMaxRssMiB: alone.maxRssMiB,
        cappedHeapMb: CAPPED_HEAP_MB,
        cappedMaxRssMiB: capped.maxRssMiB,
        cappedFailures: capped.failures.length,
        aloneToolCallP50:
          alone.scenarios.find((s) => s.id === 'tools/call')?.summaries.ours?.p50 ?? Number.NaN,
        cappedToolCallP50:
          capped.scenarios.find((s) => s.id === 'tools/call')?.summaries.ours?.p50 ?? Number.NaN,
        coldMaxRssMiB: Math.max(0, ...productionCold.map((row) => row.maxRssMiB)),
      },
      io,
      throughput,
      ...(throughputError ? { throughputError } : {}),
      cost,
      streaming,
    };
    const checks = checkBudgets(results);
    const report = renderReport(results, checks);
    writeFileSync(join(REPO_ROOT, 'BENCHMARKS.md'), report);
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${report}\n`);
    const broken = checks.filter((check) => !check.ok);
    log(
      broken.length === 0
        ? 'all budgets met; wrote BENCHMARKS.md'
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
