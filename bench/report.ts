import type { BudgetCheck } from './budgets.js';
import type { BenchResults } from './lib/results.js';
import { change, kib, median, ms, ratio } from './lib/stats.js';
import { type ColdRow, pairedRatio, type Spread } from './sections/cold-start.js';
import { ASSUMPTIONS, PRICES } from './sections/cost.js';
import { renderFlood } from './sections/flood.js';
import { renderStreaming } from './sections/streaming.js';

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const spread = (value: Spread | undefined) => (value ? `${ms(value.p50)} / ${ms(value.p90)}` : '—');
const usd = (value: number) =>
  Number.isFinite(value)
    ? `$${value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1)}`
    : 'n/a';
const cold = (results: BenchResults, id: string) =>
  results.cold.find((row) => row.config.id === id);

function budgets(results: BenchResults, checks: readonly BudgetCheck[]): string {
  return [
    '## Budgets',
    '',
    `Enforced by \`bench/budgets.ts\` (\`npm run bench\`, and the reduced \`npm run bench:check\` in .ci/run); measured on ${results.context.deployed}.`,
    '',
    table(
      ['budget', 'limit', 'measured', 'status'],
      checks.map((c) => [
        c.name,
        c.limit,
        c.measured,
        c.ok ? 'ok' : `**BROKEN**${c.hint ? ` — ${c.hint}` : ''}`,
      ])
    ),
  ].join('\n');
}

function bundle(results: BenchResults): string {
  const { production: p, minified: m, bare } = results;
  return [
    '## Bundle',
    '',
    'Built with the options the stack deploys (`infra/bundling.ts`: ESM, node24, whitespace and syntax minified, ' +
      'identifiers kept, external `.map` beside it for offline decoding, AWS SDK bundled).',
    '',
    table(
      ['bundle', 'raw', 'gzip', '.map'],
      [
        [
          'ours, as deployed (readable identifiers)',
          kib(p.bytes),
          kib(p.gzipBytes),
          kib(p.mapBytes),
        ],
        [
          `ours, fully minified (before; ${change(m.bytes, p.bytes)} raw)`,
          kib(m.bytes),
          kib(m.gzipBytes),
          kib(m.mapBytes),
        ],
        [
          'bare SDK v2 server with the same AWS SDK clients',
          kib(bare.bytes),
          kib(bare.gzipBytes),
          kib(bare.mapBytes),
        ],
      ]
    ),
    '',
    table(
      ['package (esbuild metafile, bytes in output)', 'ours', 'share'],
      p.contributions
        .slice(0, 14)
        .map((c) => [c.name, kib(c.bytes), `${((c.bytes / p.bytes) * 100).toFixed(0)}%`])
    ),
  ].join('\n');
}

function coldCells(row: ColdRow): string[] {
  return [
    row.config.runtime.label,
    row.config.label,
    spread(row.importMs),
    spread(row.initializeMs),
    spread(row.toolCallMs),
    spread(row.totalMs),
    spread(row.cpuMs),
    `${row.rssAfterImportMiB.toFixed(0)} / ${row.maxRssMiB.toFixed(0)} MiB`,
    row.failures.length > 0
      ? `${row.runs} ok, failed: ${row.failures[0]?.slice(0, 80)}`
      : String(row.runs),
  ];
}

function coldStart(results: BenchResults): string {
  const rows = results.cold;
  const maps = [
    ['readable, linked map + --enable-source-maps', 'ours+maps'],
    ['minified + --enable-source-maps (before)', 'minified+maps'],
  ] as const;
  const ours = cold(results, 'ours');
  const stack = (row: ColdRow | undefined) =>
    row?.firstStackMs ? ms(row.firstStackMs.p50) : 'n/a';
  return [
    '## Cold start (fresh process per run, no CPU limit)',
    '',
    'import = `await import(bundle)` (Lambda INIT); then the first `initialize` and the first real `tools/call` ' +
      'through `handler` with Function URL events. Both sides do the same I/O on that call: a Secrets Manager read ' +
      '(fake), a Salesforce token (simulator), two DynamoDB writes (DynamoDB Local), Agent API start + message ' +
      '(simulator, latency 0); ours is `complete-agentforce-conversation` for a new client, bare is its `converse` tool. ' +
      `Logging at INFO, as deployed. Configurations interleaved, ${results.context.coldRuns} runs each; p50 / p90 ms; ` +
      'CPU = user + system of the child over the same span.',
    '',
    table(
      [
        'runtime',
        'bundle',
        'import',
        'first initialize',
        'first tools/call',
        'all three (wall)',
        'all three (CPU)',
        'RSS after import / peak',
        'runs',
      ],
      rows.map(coldCells)
    ),
    '',
    `Ours / bare (median of interleaved pairs): CPU ${ratio(pairedRatio(ours, cold(results, 'bare'), 'cpuMs'))}, ` +
      `wall ${ratio(pairedRatio(ours, cold(results, 'bare'), 'totalMs'))}, import ${ratio(pairedRatio(ours, cold(results, 'bare'), 'importMs'))}.`,
    '',
    '### Source maps: readable identifiers instead of `--enable-source-maps`',
    '',
    'Same process layout, interleaved; ratios are against the deployed configuration. The first-stack probe times ' +
      'the first `error.stack` rendered with the bundle’s frames on it (taken inside its outbound `fetch` on a second ' +
      'tools/call, after the timed span), on the same bundle at the same point on both sides: with ' +
      '`--enable-source-maps` that is where Node parses the `.map`. (An earlier probe compared a fresh process ' +
      'with a warmed one, 57 vs 1.4 ms; this one renders the same stack in the same state on every row.)',
    '',
    table(
      [
        'configuration',
        'import (ratio)',
        'cold CPU (ratio)',
        'RSS after import',
        'first error stack',
      ],
      [
        [
          'ours, as deployed (no flag)',
          ms(ours?.importMs.p50 ?? Number.NaN),
          ms(ours?.cpuMs.p50 ?? Number.NaN),
          `${ours?.rssAfterImportMiB.toFixed(0)} MiB`,
          `${stack(ours)} ms`,
        ],
        ...maps.map(([label, id]) => {
          const row = cold(results, id);
          return [
            label,
            `${ms(row?.importMs.p50 ?? Number.NaN)} (${ratio(pairedRatio(row, ours, 'importMs'))})`,
            `${ms(row?.cpuMs.p50 ?? Number.NaN)} (${ratio(pairedRatio(row, ours, 'cpuMs'))})`,
            `${row?.rssAfterImportMiB.toFixed(0)} MiB`,
            `${stack(row)} ms`,
          ];
        }),
      ]
    ),
    '',
    '**Built on first use, tried and dropped** (interleaved, 15 runs each, Node 24, December 2026): loading the ' +
      'Secrets Manager client (Powertools parameters) on the first secret read instead of at import cut import ' +
      'to 0.95× but raised cold CPU to 1.03× and import + first calls to 1.08× (the first tools/call pays it, and ' +
      'the bundle grew 34 KiB of lazy-module wrappers): every cold container reads the secret, so nothing is saved. ' +
      'Ajv is already created on first use by the SDK.',
    '',
    results.attribution.length === 0
      ? ''
      : [
          `### Import time by dependency (each bundled alone with the same options, ${results.context.deployed}; they overlap)`,
          '',
          table(
            ['bundle', 'raw', 'import p50 / p90'],
            results.attribution.map((row) => [
              row.config.label,
              kib(row.config.bundle.bytes),
              spread(row.importMs),
            ])
          ),
        ].join('\n'),
  ].join('\n');
}

function quota(results: BenchResults): string {
  const header = '## Cold start at Lambda CPU shares';
  if (results.quota.length === 0)
    return `${header}\n\nNot measured: ${results.quotaSkip ?? 'no rows'}.`;
  const perTurn = (memoryMb: number) =>
    results.cost.rows.filter((row) => row.memoryMb === memoryMb);
  return [
    header,
    '',
    'Each child runs in a CPU cgroup limited to memory / 1769 of one core (Lambda’s CPU share) with the heap flags ' +
      'Lambda’s Node bootstrap sets for that memory; import + first initialize + first tools/call as above, ' +
      'ours and bare interleaved. p50 ms. $ per million turns from the cost model below (1 % cold starts).',
    '',
    table(
      [
        'memory',
        'ours CPU',
        'bare CPU',
        'CPU ours / bare',
        'ours wall',
        'bare wall',
        '$ / 1M turns (5 s)',
        '$ / 1M turns (15 s)',
      ],
      results.quota.map((row) => [
        `${row.memoryMb} MB`,
        ms(row.ours.cpuMs.p50),
        ms(row.bare.cpuMs.p50),
        ratio(pairedRatio(row.ours, row.bare, 'cpuMs')),
        ms(row.ours.totalMs?.p50 ?? Number.NaN),
        ms(row.bare.totalMs?.p50 ?? Number.NaN),
        ...perTurn(row.memoryMb).map((cost) => usd(cost.total)),
      ])
    ),
    '',
    defaultMemory(results),
  ].join('\n');
}

/** Why the stack's default memory, in this run's figures. */
function defaultMemory(results: BenchResults): string {
  const size = results.context.defaultMemoryMb;
  const at = (memoryMb: number, seconds: number) =>
    results.cost.rows.find((r) => r.memoryMb === memoryMb && r.salesforceSeconds === seconds)
      ?.total ?? Number.NaN;
  const wall = (memoryMb: number) =>
    (results.quota.find((q) => q.memoryMb === memoryMb)?.ours.totalMs?.p50 ?? Number.NaN) / 1000;
  const rss = Math.max(0, ...results.turns.map((t) => t.ours.maxRssMiB));
  const [short, long] = ASSUMPTIONS.salesforceSeconds;
  return (
    `**Default memory: ${size} MB** (\`DEFAULT_MEMORY_MB\` in infra/config.ts). A turn is billed for the whole Salesforce wait, ` +
    `so cost follows memory: ${usd(at(size, short))} per million ${short} s turns against ${usd(at(512, short))} at 512 MB ` +
    `(${usd(at(size, long))} vs ${usd(at(512, long))} at ${long} s). Its cold start (import + first initialize + first tools/call ` +
    `at its CPU share) takes ${wall(size).toFixed(1)} s against ${wall(512).toFixed(1)} s at 512 MB, paid by ` +
    `${ASSUMPTIONS.coldStartRate * 100} % of turns; peak RSS of warm turns under its heap flags is ${rss.toFixed(0)} MiB ` +
    `(${((rss / size) * 100).toFixed(0)} % of it). 128 MB would cost ${usd(at(128, short))} but takes ${wall(128).toFixed(1)} s ` +
    `to start and ${rss > 128 ? 'does not hold that peak' : 'leaves little headroom over that peak'}. A deployment that ` +
    'cares more about cold-start latency than cost sets `memorySize` to 512 or 1024.'
  );
}

function warm(results: BenchResults): string {
  return [
    '## Warm overhead inside the handler',
    '',
    '`await handler(event, context)` only, in one process, handlers interleaved in blocks; both sides talk to the ' +
      'same in-process stand-ins (an instant Salesforce `fetch`; ours the `MemorySessionStore`, bare an in-memory ' +
      'table), logging at INFO (log lines counted, not written). p50 / p99 ms. tools/list: ours answers from a ' +
      'per-container cache and bare computes it, so no ratio is given for it.',
    '',
    table(
      ['request', 'ours does', 'ours', 'bare', 'ours / bare (p50)', 'log bytes per request (ours)'],
      results.warm.scenarios.map((s) => [
        s.id,
        s.requests.ours ?? '',
        `${ms(s.summaries.ours?.p50 ?? Number.NaN)} / ${ms(s.summaries.ours?.p99 ?? Number.NaN)}`,
        `${ms(s.summaries.bare?.p50 ?? Number.NaN)} / ${ms(s.summaries.bare?.p99 ?? Number.NaN)}`,
        s.id === 'tools/list'
          ? '— (cache vs none)'
          : ratio((s.summaries.ours?.p50 ?? Number.NaN) / (s.summaries.bare?.p50 ?? Number.NaN)),
        (s.logBytesPerRequest.ours ?? 0).toFixed(0),
      ])
    ),
  ].join('\n');
}

function turns(results: BenchResults): string {
  const pick = (f: (t: BenchResults['turns'][number]) => number) => median(results.turns.map(f));
  return [
    '## Per warm turn and per 401, real HTTP clients',
    '',
    `\`children/turns.ts\` under the heap flags Lambda sets for ${results.context.defaultMemoryMb} MB: one cold turn, then ` +
      'warm turns for the same client against DynamoDB Local and the simulator (AWS SDK and `fetch` doing real HTTP), ' +
      'and, with AUTH_MODE=cognito, tools/list without a token (401). CPU = this process’s user + system per request ' +
      `(mean), at a full core; median of ${results.turns.length} interleaved round(s).`,
    '',
    table(
      ['request', 'CPU ms', 'wall ms (p50)', 'log bytes', 'peak RSS'],
      [
        [
          'ours: turn (complete-agentforce-conversation, open session)',
          ms(pick((t) => t.ours.cpuMsPerRequest)),
          ms(pick((t) => t.ours.wallMsPerRequest)),
          pick((t) => t.ours.logBytesPerRequest).toFixed(0),
          `${pick((t) => t.ours.maxRssMiB).toFixed(0)} MiB`,
        ],
        [
          'bare: turn (converse)',
          ms(pick((t) => t.bare.cpuMsPerRequest)),
          ms(pick((t) => t.bare.wallMsPerRequest)),
          pick((t) => t.bare.logBytesPerRequest).toFixed(0),
          `${pick((t) => t.bare.maxRssMiB).toFixed(0)} MiB`,
        ],
        [
          'ours: unauthenticated request → 401',
          ms(pick((t) => t.unauthenticated.cpuMsPerRequest)),
          ms(pick((t) => t.unauthenticated.wallMsPerRequest)),
          pick((t) => t.unauthenticated.logBytesPerRequest).toFixed(0),
          `${pick((t) => t.unauthenticated.maxRssMiB).toFixed(0)} MiB`,
        ],
      ]
    ),
  ].join('\n');
}

function io(results: BenchResults): string {
  return [
    '## I/O per tool call',
    '',
    'Production composition root against DynamoDB Local behind a counting proxy (requests on the wire), a counting ' +
      'fake Secrets Manager and the simulator. Cold = first call of a fresh container; warm = the next call in it.',
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

function throughput(results: BenchResults): string {
  if (results.throughput.length === 0)
    return results.throughputError
      ? `## Throughput\n\nNot measured: ${results.throughputError}`
      : '';
  return [
    '## Throughput of the local server (`npm start`, autocannon, 10 connections)',
    '',
    'DynamoDB Local and the simulator at latency 0 share the machine with the server and the load generator: a ' +
      'relative figure, not a Lambda one (there each concurrent request has its own execution environment).',
    '',
    table(
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'failures'],
      results.throughput.map((row) => [
        row.scenario,
        row.result.perSecond.toFixed(0),
        ms(row.result.latency.p50),
        ms(row.result.latency.p99),
        String(row.result.failures),
      ])
    ),
  ].join('\n');
}

function cost(results: BenchResults): string {
  const { cost: model, context } = results;
  return [
    '## Cost per million turns',
    '',
    `us-east-1 list prices (check before quoting): Lambda arm64 $${PRICES.lambdaArmGbSecond}/GB-s and ` +
      `$${(PRICES.lambdaRequest * 1e6).toFixed(2)}/M requests; DynamoDB $${(PRICES.dynamoWru * 1e6).toFixed(3)}/M WRU; ` +
      `CloudWatch Logs $${PRICES.logsPerGb}/GB ingested; Cognito M2M $${(PRICES.cognitoTokenRequest * 1000).toFixed(2)} per 1 000 ` +
      `token requests; Secrets Manager $${(PRICES.secretsManagerCall * 1e4).toFixed(2)}/10 000 calls. A turn is billed for ` +
      `the Salesforce wait + our measured CPU per turn scaled by the CPU share (1 core at 1769 MB) + ` +
      `${ASSUMPTIONS.dynamoRequestMs} ms per DynamoDB write; cold starts at ${ASSUMPTIONS.coldStartRate * 100} % of turns ` +
      '(INIT billed; wall from the CPU-share table where measured); logs = measured bytes per turn + ' +
      `${ASSUMPTIONS.platformLogBytes} bytes of Lambda’s START/END/REPORT; one Cognito token per ` +
      `${ASSUMPTIONS.turnsPerCognitoToken} turns. Stack default: ${context.defaultMemoryMb} MB.`,
    '',
    table(
      [
        'memory',
        'Salesforce',
        'requests',
        'duration',
        'cold starts',
        'DynamoDB',
        'logs',
        'Cognito',
        'total',
      ],
      model.rows.map((r) => [
        `${r.memoryMb} MB`,
        `${r.salesforceSeconds} s`,
        usd(r.requests),
        usd(r.duration),
        usd(r.coldStarts),
        usd(r.dynamo),
        usd(r.logs),
        usd(r.cognito),
        `**${usd(r.total)}**`,
      ])
    ),
    '',
    'An unauthenticated flood (a million 401s, with and without the cost guard, Lambda\'s own log lines included) is priced in "Cost of an unauthenticated flood" below.',
  ].join('\n');
}

/** The report's sections, in order; a new section adds its renderer here. */
const SECTIONS: ReadonlyArray<(results: BenchResults) => string> = [
  bundle,
  coldStart,
  quota,
  warm,
  turns,
  io,
  throughput,
  (results) => (results.streaming ? renderStreaming(results.streaming) : ''),
  cost,
  (results) => (results.flood ? renderFlood(results.flood) : ''),
];

/** The Markdown report, as written to BENCHMARKS.md and printed. */
export function renderReport(results: BenchResults, checks: readonly BudgetCheck[]): string {
  const c = results.context;
  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${c.mode === 'full' ? '' : ` -- --${c.mode}`}\` on ${c.startedAt} in ${c.durationSeconds.toFixed(0)} s; ` +
      `${c.cpu}, ${c.cores} cores; load average ${c.loadAverageStart.map((v) => v.toFixed(2)).join(' ')} at the start, ` +
      `${c.loadAverageEnd.map((v) => v.toFixed(2)).join(' ')} at the end; ${c.runtimes.join(', ')}` +
      `${c.skipped.length > 0 ? ` (not run: ${c.skipped.join('; ')})` : ''}.`,
    '',
    '> Local proxies, not Lambda measurements: ratios (ours vs the bare SDK server doing the same I/O, before vs ' +
      'after) carry over, absolute milliseconds do not. Take final figures on a quiet machine.',
    '',
    budgets(results, checks),
    '',
    ...SECTIONS.map((section) => section(results))
      .filter((text) => text !== '')
      .flatMap((text) => [text, '']),
  ].join('\n');
}
