import type { BudgetCheck } from './budgets.js';
import type { BenchResults } from './lib/results.js';
import { change, kib, ms, ratio } from './lib/stats.js';
import type { ColdRow, Spread } from './sections/cold-start.js';
import { ASSUMPTIONS, PRICES } from './sections/cost.js';
import { renderStreaming } from './sections/streaming.js';

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const spread = (value: Spread | undefined) => (value ? `${ms(value.p50)} / ${ms(value.p90)}` : '—');
const usd = (value: number) => `$${value < 10 ? value.toFixed(2) : value.toFixed(0)}`;

function budgetSection(checks: readonly BudgetCheck[]): string {
  return [
    '## Budgets',
    '',
    table(
      ['budget', 'limit', 'measured', 'status'],
      checks.map((check) => [
        check.name,
        check.limit,
        check.measured,
        check.ok ? 'ok' : `**BROKEN**${check.hint ? ` — ${check.hint}` : ''}`,
      ])
    ),
  ].join('\n');
}

function bundleSection(results: BenchResults): string {
  const production = results.variants[0]?.bundle;
  const coldOf = (id: string) => results.cold.find((row) => row.config.id === `node20:${id}`);
  const rows = results.variants.map(({ variant, bundle }) => {
    const cold = coldOf(variant.id);
    const note =
      variant.zodNamespaceImports && bundle.rewrittenFiles === 0 ? ' (already in the source)' : '';
    return [
      `${variant.label}${note}`,
      variant.kind,
      kib(bundle.bytes),
      kib(bundle.gzipBytes),
      production ? change(production.bytes, bundle.bytes) : '',
      kib(bundle.mapBytes),
      spread(cold?.importMs),
      spread(cold?.initializeMs),
      spread(cold?.toolCallMs),
    ];
  });
  const s = results.stack;
  return [
    '## 1. Production bundle and the cuts measured against it',
    '',
    `Built with esbuild exactly as the stack's NodejsFunction does (read from \`infra/mcp-server-stack.ts\`): ` +
      `\`--bundle --platform=node --format=${s.format} --target=${s.target}${s.minify ? ' --minify' : ''}` +
      `${s.sourceMap ? ' --sourcemap' : ''}${s.sourcesContent ? '' : ' --sources-content=false'}` +
      ` --main-fields=${s.mainFields.join(',')}\`, banner \`createRequire\`, ` +
      `${s.bundleAwsSdk ? 'AWS SDK bundled' : 'AWS SDK external'}; runtime ${s.runtime} ${s.architecture}, ` +
      `NODE_OPTIONS \`${s.nodeOptions || '(none)'}\`. Each row adds one cut to the row above it; ` +
      `"source change" rows are simulated at bundle time (lambda/ is not edited). ` +
      `Times: Node 20, fresh process, ${results.context.coldRuns} runs, p50 / p90 ms, as deployed (${s.nodeOptions || 'no flags'}).`,
    '',
    table(
      [
        'bundle',
        'kind',
        'raw',
        'gzip',
        'Δ raw',
        'source map',
        'import',
        'first initialize',
        'first tools/call',
      ],
      rows
    ),
    '',
    `Bare SDK v2 \`@modelcontextprotocol/server\` server (one tool, same options): ${kib(results.bareSdk.bytes)} raw, ${kib(results.bareSdk.gzipBytes)} gzip; bare SDK v1 \`@modelcontextprotocol/sdk\`: ${kib(results.bareSdkV1.bytes)} raw, ${kib(results.bareSdkV1.gzipBytes)} gzip.`,
    '',
    "**Applied cut, before and after** (same machine, Node 20, p50 import): `import { z } from 'zod'` kept all of " +
      "zod's locale files in the bundle; `import * as z from 'zod'` lets esbuild drop them. Production went from " +
      '1190.9 KiB raw / 312.6 KiB gzip, 145 ms import, to 850.1 KiB / 251.5 KiB, about 122 ms (−29 %). A Biome ' +
      'rule (`noRestrictedImports`) keeps the named import out. Warm-path changes measured the same way: one shared ' +
      'JSON Schema validator instead of a new Ajv per request, zod schemas built once per container, and `tools/list` ' +
      "answered from the SDK's own first answer (warm tools/list 3.54× → about 0.3× the bare SDK server; " +
      'tools/call 2.17× → about 1.2×).',
    '',
    '**Declined cuts** (rows marked "declined"): each aliases a library internal to a stub — Ajv (the SDK would ' +
      'validate elicitation answers with it), the AWS SDK default credential chain (Lambda only ever needs the ' +
      "environment provider), zod v3 and zod-to-json-schema (the SDK's compatibility layer). Together they would save " +
      'another ~40 % of the bundle and ~30 ms of import, but they replace code the libraries own and test with code ' +
      'we would own, and a library upgrade could silently route through a stub. They stay measured here so the ' +
      'trade-off is visible. On SDK v2 the Ajv and zod v3 aliases change nothing: `@modelcontextprotocol/server` ' +
      'ships its own Ajv inside its dist and has no zod v3 layer.',
  ].join('\n');
}

function contributionSection(results: BenchResults): string {
  const production = results.variants[0]?.bundle;
  const lean = results.variants.at(-1)?.bundle;
  if (!production || !lean) return '';
  const leanBytes = new Map(lean.contributions.map((c) => [c.name, c.bytes]));
  const rows = production.contributions
    .slice(0, 16)
    .map((c) => [
      c.name,
      kib(c.bytes),
      `${((c.bytes / production.bytes) * 100).toFixed(0)}%`,
      kib(leanBytes.get(c.name) ?? 0),
    ]);
  return [
    '## 2. What the production bundle is made of (esbuild metafile, bytes in output)',
    '',
    table(['package', 'production', 'share', 'leanest variant'], rows),
  ].join('\n');
}

function coldRowCells(row: ColdRow): string[] {
  return [
    row.config.runtime.label,
    row.config.label,
    row.config.nodeArgs.join(' ') || '—',
    ms(row.bootMs.p50),
    spread(row.importMs),
    spread(row.initializeMs),
    spread(row.toolCallMs),
    spread(row.totalMs),
    `${row.maxRssMiB.toFixed(0)} MiB`,
    row.failures.length > 0
      ? `${row.runs} ok, failed: ${row.failures[0]?.slice(0, 80)}`
      : String(row.runs),
  ];
}

function coldSection(results: BenchResults): string {
  const main = results.cold.filter((row) => !row.config.intermediate);
  return [
    '## 3. Cold start proxy (fresh Node process per run)',
    '',
    'import = `await import(bundle)` (Lambda INIT runs this); first initialize and first tools/call = ' +
      '`await handler(event, context)` with a Function URL event. The tools/call is ' +
      '`complete-agentforce-conversation` for a new client: Secrets Manager read (fake), token, ' +
      'DynamoDB Local lease + release, Agent API start + message (simulator, latency 0). ' +
      'The stand-ins run in the parent and were up before each child started. p50 / p90 ms; ' +
      'boot = Node start to the first line of the child script.',
    '',
    table(
      [
        'runtime',
        'bundle',
        'node flags',
        'boot',
        'import',
        'first initialize',
        'first tools/call',
        'import + both',
        'peak RSS',
        'runs',
      ],
      main.map(coldRowCells)
    ),
    '',
    '### Import time by dependency (each bundled alone with the production options; they overlap)',
    '',
    table(
      ['bundle', 'raw', 'import p50 / p90 (Node 20)'],
      results.attribution.map((row) => [
        row.config.label,
        kib(row.config.bundle.bytes),
        spread(row.importMs),
      ])
    ),
  ].join('\n');
}

function warmSection(results: BenchResults): string {
  const ids = Object.keys(results.warm.scenarios[0]?.summaries ?? {});
  const labels: Record<string, string> = {
    ours: 'ours (production)',
    lean: 'ours (leanest variant)',
    bare: 'bare SDK v2',
    'bare-v1': 'bare SDK v1',
  };
  const rows = results.warm.scenarios.map((scenario) => {
    const bare = scenario.summaries.bare;
    const cells = ids.map((id) => {
      const summary = scenario.summaries[id];
      return summary ? `${ms(summary.p50)} / ${ms(summary.p99)}` : '—';
    });
    const ours = scenario.summaries.ours;
    const lean = scenario.summaries.lean;
    return [
      scenario.id,
      scenario.requests.ours ?? '',
      ...cells,
      bare && ours ? ratio(ours.p50 / bare.p50) : '—',
      bare && lean ? ratio(lean.p50 / bare.p50) : '—',
    ];
  });
  const first = results.warm.scenarios[0]?.summaries.ours;
  return [
    '## 4. Warm overhead inside the handler',
    '',
    `\`await handler(event, context)\` only, ${first?.n ?? 0} timed requests per handler and request ` +
      'type after warm-up, handlers interleaved in blocks in one process. Ours: the production ' +
      'composition root with an in-process instant Salesforce (canned token/start/message bodies) and ' +
      '`MemorySessionStore`; bare SDK v2: `createMcpHandler` with a fresh `McpServer` per request (its ' +
      'legacy leg answers SSE frames); bare SDK v1: fresh `McpServer` + ' +
      '`WebStandardStreamableHTTPServerTransport` per request; one `echo` tool each, same Function URL ' +
      'conversion, 2025-11-25 requests. p50 / p99 ms.',
    '',
    table(
      [
        'request',
        'ours does',
        ...ids.map((id) => labels[id] ?? id),
        'ours / bare (p50)',
        'lean / bare (p50)',
      ],
      rows
    ),
    '',
    `Store operations per send-message turn: ${Object.entries(results.warm.storeOpsPerTurn)
      .map(([id, ops]) => `${labels[id] ?? id} ${ops}`)
      .join(', ')}. Token requests during the timed loops: ${Object.values(
      results.warm.upstreamDuringLoops
    )
      .map((c) => c.token)
      .join(', ')}.`,
  ].join('\n');
}

function ioSection(results: BenchResults): string {
  return [
    '## 5. I/O per tool call',
    '',
    'Production composition root (SALESFORCE_SECRET_ARN, DynamoDB store) against DynamoDB Local behind a ' +
      'counting proxy (requests on the wire), a counting fake Secrets Manager and the simulator. Cold = first ' +
      'call of a fresh container (new clients and caches); warm = the next call in the same container.',
    '',
    table(
      [
        'tool',
        'phase',
        'state found',
        'DynamoDB',
        'operations',
        'Secrets Manager',
        'token',
        'Agent API',
      ],
      results.io.map((row) => [
        row.tool,
        row.phase,
        row.situation,
        String(row.dynamoRequests),
        row.dynamoOperations,
        String(row.secretsManagerRequests),
        String(row.tokenRequests),
        `${row.agentApiRequests}${row.ok ? '' : ` (failed: ${row.error?.slice(0, 60)})`}`,
      ])
    ),
  ].join('\n');
}

function throughputSection(results: BenchResults): string {
  if (results.throughputError) {
    return `## 6. Throughput of the local server\n\nNot measured: ${results.throughputError}`;
  }
  return [
    '## 6. Throughput of the local server (`npm start`: tsx, HTTP → Function URL event → handler)',
    '',
    'DynamoDB Local and the simulator at latency 0, as a local run uses them. Load generator, server, ' +
      'simulator and DynamoDB Local (Java) share the machine, so this is a relative figure, not a Lambda one ' +
      '(on Lambda each concurrent request gets its own execution environment).',
    '',
    table(
      ['scenario', 'connections', 'duration', 'req/s', 'p50 ms', 'p99 ms', 'failures', 'engine'],
      results.throughput.map((row) => [
        row.scenario,
        String(row.connections),
        `${(row.durationMs / 1000).toFixed(0)} s`,
        row.result.perSecond.toFixed(0),
        ms(row.result.latency.p50),
        ms(row.result.latency.p99),
        `${row.result.failures}${row.result.firstFailure ? ` (${row.result.firstFailure.slice(0, 60)})` : ''}`,
        row.result.engine,
      ])
    ),
  ].join('\n');
}

function costSection(results: BenchResults): string {
  const { cost } = results;
  return [
    '## 7. Cost model per conversation turn',
    '',
    'Assumptions (us-east-1 public on-demand prices; check before quoting): Lambda arm64 ' +
      `$${PRICES.lambdaArmGbSecond} per GB-s and $${(PRICES.lambdaRequest * 1e6).toFixed(2)} per million requests; ` +
      `DynamoDB on-demand $${(PRICES.dynamoWru * 1e6).toFixed(3)} per million WRU, $${(PRICES.dynamoRru * 1e6).toFixed(3)} per million RRU; ` +
      `Secrets Manager $${(PRICES.secretsManagerCall * 10_000).toFixed(2)} per 10 000 calls. ` +
      `A turn is billed for the Salesforce wait plus our warm overhead (local p50, scaled by CPU share: ` +
      `1 vCPU at ${ASSUMPTIONS.fullVcpuMb} MB) plus ${ASSUMPTIONS.dynamoRequestMs} ms per DynamoDB request in-region. ` +
      'Items stay under 1 KB, so each write is 1 WRU. Stack default memory: ' +
      `${results.stack.defaultMemoryMb} MB.`,
    '',
    table(
      [
        'memory',
        'Salesforce',
        'billed s',
        'GB-s',
        'Lambda / 1M turns',
        'DynamoDB / 1M turns',
        'total / 1M turns',
        'our share of billed time',
      ],
      cost.rows.map((row) => [
        `${row.memoryMb} MB`,
        `${row.salesforceSeconds} s`,
        row.billedSeconds.toFixed(3),
        row.gbSeconds.toFixed(3),
        usd(row.lambdaPerMillion),
        usd(row.dynamoPerMillion),
        usd(row.totalPerMillion),
        `${(row.ourShare * 100).toFixed(2)}%`,
      ])
    ),
    '',
    'Cold starts (INIT is billed since August 2025): local import time of the production bundle on the ' +
      "stack's Node major when measured, scaled by CPU share, an estimate. Below one vCPU the CPU-bound " +
      'INIT costs the same at every memory size; only its duration changes:',
    '',
    table(
      [
        'memory',
        'estimated INIT (import)',
        'cost / 1M cold starts (incl. one Secrets Manager read)',
      ],
      cost.initEstimates.map((row) => [
        `${row.memoryMb} MB`,
        `${ms(row.initMs)} ms`,
        usd(row.usdPerMillionColdStarts),
      ])
    ),
    '',
    table(
      ['memory run', 'peak RSS', 'send-message p50'],
      [
        [
          'cold-start child: import + first initialize + first tools/call',
          `${results.memory.coldMaxRssMiB.toFixed(0)} MiB`,
          '—',
        ],
        [
          'our handler alone, warm loop, heap unconstrained',
          `${results.memory.aloneMaxRssMiB.toFixed(0)} MiB`,
          `${ms(results.memory.aloneToolCallP50)} ms`,
        ],
        [
          `same, \`--max-old-space-size=${results.memory.cappedHeapMb}\``,
          `${results.memory.cappedMaxRssMiB.toFixed(0)} MiB`,
          `${ms(results.memory.cappedToolCallP50)} ms${results.memory.cappedFailures > 0 ? ' (failures!)' : ''}`,
        ],
      ]
    ),
    '',
    `An unconstrained heap grows until V8 decides to collect; in a Lambda function V8 sizes its heap to ` +
      `the function's memory and collects sooner, which the capped run imitates. The function needs ` +
      `about ${cost.peakRssMiB.toFixed(0)} MiB (the larger of the cold child and the capped run); the ` +
      `smallest size with 25% headroom is **${cost.recommendedMemoryMb} MB** (stack default ` +
      `${results.stack.defaultMemoryMb} MB). A turn is billed for the whole Salesforce wait, so cost scales ` +
      'linearly with the memory size; a larger size only buys a faster cold start (more CPU for INIT).',
  ].join('\n');
}

/** The whole report, as written to BENCHMARKS.md and printed. */
export function renderReport(results: BenchResults, checks: readonly BudgetCheck[]): string {
  const c = results.context;
  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${c.quick ? ' -- --quick' : ''}\` on ${c.startedAt} in ${c.durationSeconds.toFixed(0)} s; ` +
      `${c.cpu}, ${c.cores} cores; load average ${c.loadAverageStart.map((v) => v.toFixed(2)).join(' ')} at the start, ` +
      `${c.loadAverageEnd.map((v) => v.toFixed(2)).join(' ')} at the end; ${c.runtimes.join(', ')}` +
      `${c.skipped.length > 0 ? ` (not run: ${c.skipped.join('; ')})` : ''}.`,
    '',
    '> These are local proxies, not Lambda measurements: relative figures (ours vs the bare SDK, before vs ' +
      'after a cut) carry over, absolute milliseconds do not. Take final figures on a quiet machine ' +
      '(load average well under the core count) with a full run.',
    c.quick ? '\n> **Quick run**: too few samples for decisions.\n' : '',
    budgetSection(checks),
    '',
    bundleSection(results),
    '',
    contributionSection(results),
    '',
    coldSection(results),
    '',
    warmSection(results),
    '',
    ioSection(results),
    '',
    throughputSection(results),
    '',
    costSection(results),
    '',
    ...(results.streaming ? [renderStreaming(results.streaming)] : []),
  ].join('\n');
}
