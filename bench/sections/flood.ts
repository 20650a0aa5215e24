/**
 * The price of an unauthenticated flood: what a million requests answered 401 cost, from the
 * duration and the log bytes the production handler measurably spends on each, with the cost
 * guard (one short refusal line) and without it (the handler as it was before: the full request
 * line with the Lambda context, the auth module's warning and an EMF line), each also with the
 * opt-in `systemLogLevel=WARN` (no START/END/REPORT lines).
 *
 * Self-contained: `tsx bench/sections/flood.ts` prints the figures; `bench/run.ts` calls
 * {@link measureFlood}. The baseline is the source of {@link BASELINE_COMMIT}, unpacked with
 * `git archive`; without git history the section measures the guarded handler only.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_MEMORY_MB } from '../../infra/config.js';
import { PRICES } from './cost.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The last commit whose refusals were logged without the guard (issue 12, before the cost guard). */
export const BASELINE_COMMIT = '8e19b40';

/** Public prices (us-east-1) and what CloudWatch bills per event. */
/** CloudWatch Logs bills each event's bytes plus 26 bytes of metadata. */
const LOG_EVENT_OVERHEAD_BYTES = 26;

/** Priced at the stack's default memory size (infra: `memorySize`). */
const MEMORY_MB = DEFAULT_MEMORY_MB;

/**
 * Lambda's own lines per invocation in the default text format, as it prints them (shape from the
 * Lambda documentation; ids and figures of this length).
 */
const PLATFORM_LINES = [
  'START RequestId: 6f1c1b9e-3a52-4b8e-9a53-2f0c6b1d7e41 Version: $LATEST\n',
  'END RequestId: 6f1c1b9e-3a52-4b8e-9a53-2f0c6b1d7e41\n',
  'REPORT RequestId: 6f1c1b9e-3a52-4b8e-9a53-2f0c6b1d7e41\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 96 MB\t\n',
];

/** What one handler (guarded or baseline) spent per refused request. */
export interface FloodMeasurement {
  readonly requests: number;
  /** Median wall time of one invocation, ms. */
  readonly medianMs: number;
  /** Bytes the function printed per request, and in how many lines. */
  readonly logBytes: number;
  readonly logLines: number;
}

/** One priced scenario: USD per million refused requests and its parts. */
export interface FloodRow {
  readonly scenario: string;
  readonly logBytesPerRequest: number;
  readonly logEventsPerRequest: number;
  readonly billedMs: number;
  readonly usdPerMillion: number;
  readonly logsUsdPerMillion: number;
}

export interface FloodResult {
  readonly guarded: FloodMeasurement;
  readonly baseline?: FloodMeasurement;
  readonly baselineError?: string;
  readonly rows: readonly FloodRow[];
}

/** Env of the measuring child: jwt mode as deployed, metrics on, a Lambda-like trace id. */
function childEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: 'AgentforceMcpServer-McpFunction1A2B3C4D-AbCdEfGhIjKl',
    _X_AMZN_TRACE_ID:
      'Root=1-6745a1b2-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0;Lineage=1:abcdef01:0',
    TABLE_NAME: 'AgentforceMcpServer-Sessions-1A2B3C4D5E6F',
    SALESFORCE_SERVER_URL: 'https://acme.my.salesforce.com',
    SALESFORCE_AGENT_ID: '0XxKZ000000abcdEFG',
    SALESFORCE_SECRET_ARN:
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AgentforceMcpServer-salesforce-AbC123',
    AUTH_MODE: 'jwt',
    AUTH_ISSUER: 'https://issuer.example.com',
    AUTH_JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json',
    AUTH_AUDIENCE: 'https://abcdefghijklmnop.lambda-url.eu-west-1.on.aws/mcp',
    AUTH_REQUIRED_SCOPE: 'mcp.invoke',
    ALLOWED_HOSTS: '*.lambda-url.eu-west-1.on.aws',
    POWERTOOLS_SERVICE_NAME: 'AgentforceMcpServer',
    POWERTOOLS_METRICS_NAMESPACE: 'AgentforceMcp',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

/**
 * Runs `requests` refused requests (half without a token, half with a token that is not a JWT)
 * through the handler under `root` in a child process, and returns what it printed and spent.
 */
function measure(root: string, requests: number): Promise<FloodMeasurement> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        fileURLToPath(import.meta.url),
        '--child',
        root,
        String(requests),
      ],
      { env: childEnv(), cwd: root, stdio: ['ignore', 'ignore', 'pipe'] }
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.once('error', fail);
    child.once('close', (code) => {
      const result = /FLOOD:RESULT (\{.*\})/.exec(stderr)?.[1];
      if (code !== 0 || result === undefined) {
        fail(new Error(`flood child failed (${code}): ${stderr.slice(-1500)}`));
        return;
      }
      const { medianMs, bytes, lines } = JSON.parse(result) as {
        medianMs: number;
        bytes: number;
        lines: number;
      };
      done({ requests, medianMs, logBytes: bytes / requests, logLines: lines / requests });
    });
  });
}

/** The child: load the handler under `root` as Lambda would, warm up, then time the flood. */
async function runChild(root: string, requests: number): Promise<void> {
  const { toFunctionUrlEvent, lambdaContext } = await import(
    pathToFileURL(join(REPO_ROOT, 'local/function-url-event.ts')).href
  );
  const { handler } = await import(pathToFileURL(join(root, 'lambda/handler.ts')).href);
  const host = 'abcdefghijklmnop.lambda-url.eu-west-1.on.aws';
  const event = (i: number) =>
    toFunctionUrlEvent({
      method: 'POST',
      url: `https://${host}/mcp`,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'user-agent': 'flood/1.0',
        ...(i % 2 === 1 ? { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.AAAA' } : {}),
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      sourceIp: '203.0.113.7',
    });
  const context = () => ({
    ...lambdaContext(30_000),
    functionName: 'AgentforceMcpServer-McpFunction1A2B3C4D-AbCdEfGhIjKl',
    invokedFunctionArn:
      'arn:aws:lambda:eu-west-1:123456789012:function:AgentforceMcpServer-McpFunction1A2B3C4D-AbCdEfGhIjKl',
  });
  for (let i = 0; i < 200; i++) await handler(event(i), context());
  // Count what the handler prints on stdout and stderr (Lambda ingests both) instead of printing it.
  const report = process.stderr.write.bind(process.stderr);
  let bytes = 0;
  let lines = 0;
  const count = (chunk: string | Uint8Array) => {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.byteLength;
    for (const byte of buffer) if (byte === 10) lines++;
    return true;
  };
  process.stdout.write = count as typeof process.stdout.write;
  process.stderr.write = count as typeof process.stderr.write;
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    const result = await handler(event(i), context());
    times.push(performance.now() - started);
    if (result.statusCode !== 401) throw new Error(`expected 401, got ${result.statusCode}`);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)] ?? 0;
  report(`FLOOD:RESULT ${JSON.stringify({ medianMs, bytes, lines })}\n`);
}

/** The baseline's source, unpacked next to this repository's node_modules; undefined without git. */
function unpackBaseline(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'flood-baseline-'));
  const archive = execFileSync('git', ['archive', '--format=tar', BASELINE_COMMIT, 'lambda'], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** USD per million refused requests for a measurement, with or without Lambda's own lines. */
function price(scenario: string, m: FloodMeasurement, platformLines: boolean): FloodRow {
  const platformBytes = platformLines ? PLATFORM_LINES.join('').length : 0;
  const events = m.logLines + (platformLines ? PLATFORM_LINES.length : 0);
  const bytes = m.logBytes + platformBytes;
  const ingested = bytes + events * LOG_EVENT_OVERHEAD_BYTES;
  const logsUsd = (ingested / 1e9) * PRICES.logsPerGb * 1e6;
  // Lambda bills duration in 1 ms steps; a refusal takes well under one.
  const billedMs = Math.max(1, Math.ceil(m.medianMs));
  const durationUsd = (MEMORY_MB / 1024) * (billedMs / 1000) * PRICES.lambdaArmGbSecond * 1e6;
  return {
    scenario,
    logBytesPerRequest: Math.round(bytes),
    logEventsPerRequest: Math.round(events * 10) / 10,
    billedMs,
    usdPerMillion: PRICES.lambdaRequest * 1e6 + durationUsd + logsUsd,
    logsUsdPerMillion: logsUsd,
  };
}

/**
 * Measures the guarded handler and the baseline (when git can unpack it) with `requests` refused
 * requests each, and prices both at 512 MB.
 */
export async function measureFlood(requests = 2_000): Promise<FloodResult> {
  const guarded = await measure(REPO_ROOT, requests);
  let baseline: FloodMeasurement | undefined;
  let baselineError: string | undefined;
  try {
    const unpacked = unpackBaseline();
    try {
      baseline = await measure(unpacked.root, requests);
    } finally {
      unpacked.remove();
    }
  } catch (err) {
    baselineError = (err as Error).message.split('\n')[0];
  }
  const rows = [
    ...(baseline ? [price('without the guard (before issue 12)', baseline, true)] : []),
    price('with the guard (one short refusal line)', guarded, true),
    price('with the guard and systemLogLevel=WARN', guarded, false),
  ];
  return {
    guarded,
    ...(baseline ? { baseline } : {}),
    ...(baselineError ? { baselineError } : {}),
    rows,
  };
}

/** The section of the report. */
export function renderFlood(result: FloodResult): string {
  const table = [
    '| scenario | log bytes / request | log events / request | billed ms | USD / 1M refused requests | of which logs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.scenario} | ${r.logBytesPerRequest} | ${r.logEventsPerRequest} | ${r.billedMs} | $${r.usdPerMillion.toFixed(3)} | $${r.logsUsdPerMillion.toFixed(3)} |`
    ),
  ];
  return [
    '## Cost of an unauthenticated flood',
    '',
    `Measured: ${result.guarded.requests} requests answered 401 (half without a token, half with a token that is not a JWT) through the production handler in jwt mode, metrics on; median ${result.guarded.medianMs.toFixed(3)} ms each with the guard${result.baseline ? `, ${result.baseline.medianMs.toFixed(3)} ms without` : ''}. Priced at ${MEMORY_MB} MB arm64 ($0.20 per million requests, 1 ms billed minimum), CloudWatch Logs ingestion at $0.50/GB plus 26 bytes per event; Lambda's START/END/REPORT lines (${PLATFORM_LINES.join('').length} bytes in text format) are counted unless \`systemLogLevel=WARN\`.${result.baselineError ? ` Baseline not measured: ${result.baselineError}.` : ''}`,
    '',
    ...table,
  ].join('\n');
}

if (process.argv[2] === '--child') {
  await runChild(process.argv[3] ?? REPO_ROOT, Number(process.argv[4] ?? 1000));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureFlood(Number(process.argv[2] ?? 2_000));
  process.stdout.write(`${renderFlood(result)}\n\n${JSON.stringify(result, null, 2)}\n`);
}
