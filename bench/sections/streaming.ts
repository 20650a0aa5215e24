/**
 * Live turns (issue 15): how soon an MCP client hears the agent's first progress event, and what
 * the RESPONSE_STREAM entry point costs where nothing streams.
 *
 * - Progress latency: the simulator (latency `TURN_LATENCY_MS`) reports when it writes its first
 *   PROGRESS_INDICATOR; a real SDK v2 client with `onprogress` records when it hears it. Given as
 *   a share of the whole turn, on `npm start` (local/server.ts over HTTP) and in-process through
 *   the Function URL streaming adapter; the buffered entry point, where the first thing a client
 *   hears is the result, is the "before".
 * - Invoke modes: cold start (import + first JSON tools/call, fresh processes, alternating) and
 *   warm 401 / JSON answers (interleaved in one process), RESPONSE_STREAM over BUFFERED.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../local/dynamodb-local.js';
import { handlerFetch } from '../../local/function-url-event.js';
import {
  localStreamingRuntime,
  type StreamingHandler,
  streamingHandlerFetch,
} from '../../local/streaming-runtime.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import type { InvokeMode, InvokeModesPlan, InvokeModesResult } from '../children/invoke-modes.js';
import { baseChildEnv, runChild } from '../lib/child.js';
import { startLocalServer } from '../lib/local-server.js';
import { initializeBody, MCP_URL, toolCallBody, toolsListBody } from '../lib/mcp-requests.js';
import { BENCH_TABLE, type StandIns } from '../lib/stand-ins.js';
import { median, percentile } from '../lib/stats.js';

/** Simulated Agentforce turn time: progress at 25 %, the text over the last 40 %. */
const TURN_LATENCY_MS = 1_000;
const MESSAGE = 'What is my order status?';

export interface ProgressRow {
  readonly path: string;
  readonly runs: number;
  /** First event the client hears (progress, else the result), as a share of the turn: p50. */
  readonly firstHeardShare: number;
  /** Simulator writes its first progress → client hears it, ms: p50 / p90. */
  readonly progressDelayMs?: { readonly p50: number; readonly p90: number };
  /** The same delay as a share of the turn (call → result at the client): p50. */
  readonly progressDelayShare?: number;
  readonly turnMs: number;
  readonly progressEvents: number;
}

export interface ModeRow {
  readonly scenario: string;
  readonly runs: number;
  readonly bufferedMs: number;
  readonly streamMs: number;
  /** RESPONSE_STREAM p50 / BUFFERED p50. */
  readonly ratio: number;
  readonly statuses: readonly number[];
}

export interface StreamingResults {
  readonly turnLatencyMs: number;
  readonly progress: readonly ProgressRow[];
  readonly modes: readonly ModeRow[];
  readonly errors: readonly string[];
}

/** One turn through an MCP v2 client: when the first progress and the result were heard. */
async function timedTurn(fetch: typeof globalThis.fetch, simulator: Simulator, email: string) {
  let emittedAt: number | undefined;
  simulator.configure({
    onStreamEvent: (event) => {
      if (event === 'PROGRESS_INDICATOR') emittedAt ??= performance.now();
    },
  });
  const client = new Client(
    { name: 'bench', version: '1.0.0' },
    { versionNegotiation: { mode: 'legacy' } }
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(MCP_URL_FOR(fetch)), { fetch }));
  let heardAt: number | undefined;
  let events = 0;
  const t0 = performance.now();
  const result = await client.callTool(
    { name: 'send-message-to-agent', arguments: { client_email: email, message: MESSAGE } },
    {
      onprogress: () => {
        heardAt ??= performance.now();
        events++;
      },
    }
  );
  const t1 = performance.now();
  await client.close();
  if (result.isError) throw new Error(`the turn failed: ${JSON.stringify(result.content)}`);
  return { turnMs: t1 - t0, t0, t1, emittedAt, heardAt, events };
}

/** The URL the client posts to: the local server's own, or any for an in-process fetch. */
const urls = new WeakMap<typeof fetch, string>();
const MCP_URL_FOR = (fetch: typeof globalThis.fetch) => urls.get(fetch) ?? MCP_URL;

async function progressRow(
  path: string,
  fetch: typeof globalThis.fetch,
  simulator: Simulator,
  runs: number
): Promise<ProgressRow> {
  const email = `stream-${path.replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  const opened = new Client({ name: 'bench', version: '1.0.0' });
  await opened.connect(new StreamableHTTPClientTransport(new URL(MCP_URL_FOR(fetch)), { fetch }));
  const created = await opened.callTool({
    name: 'create-agent-session',
    arguments: { client_email: email },
  });
  await opened.close();
  if (created.isError)
    throw new Error(`create-agent-session failed: ${JSON.stringify(created.content)}`);
  await timedTurn(fetch, simulator, email); // warm-up, not recorded
  const turns = [];
  for (let i = 0; i < runs; i++) turns.push(await timedTurn(fetch, simulator, email));
  const heard = turns.filter((t) => t.heardAt !== undefined && t.emittedAt !== undefined);
  const delays = heard.map((t) => (t.heardAt as number) - (t.emittedAt as number));
  return {
    path,
    runs,
    firstHeardShare: median(turns.map((t) => ((t.heardAt ?? t.t1) - t.t0) / t.turnMs)),
    ...(heard.length > 0
      ? {
          progressDelayMs: { p50: median(delays), p90: percentile(delays, 90) },
          progressDelayShare: median(heard.map((t, i) => (delays[i] as number) / t.turnMs)),
        }
      : {}),
    turnMs: median(turns.map((t) => t.turnMs)),
    progressEvents: median(turns.map((t) => t.events)),
  };
}

/** `npm start` against the given simulator, with a `fetch` whose MCP URL is the server's. */
async function startNpmStart(simulator: Simulator, dynamoEndpoint: string) {
  const server = await startLocalServer(dynamoEndpoint, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    SALESFORCE_SERVER_URL: simulator.url,
    SALESFORCE_AGENT_ID: simulator.agentId,
    SALESFORCE_CLIENT_ID: simulator.credentials.clientId,
    SALESFORCE_CLIENT_SECRET: simulator.credentials.clientSecret,
    // One tenant on a table the other sections filled: the session cap is not measured here.
    MAX_SESSIONS_PER_TENANT: '0',
  });
  const local: typeof fetch = (input, init) => fetch(input, init);
  urls.set(local, server.url);
  return { fetch: local, stop: server.stop };
}

/**
 * The production composition root in this process, on the given simulator and the bench table.
 * Loaded only now, silent: the logger reads its level once, at import, and the report is this
 * process's output.
 */
async function inProcessApp(simulator: Simulator, dynamoEndpoint: string) {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const [
    { createApp },
    { loadConfig },
    { createDependencies },
    { createDocumentClient },
    adapters,
  ] = await Promise.all([
    import('../../lambda/app.js'),
    import('../../lambda/config.js'),
    import('../../lambda/dependencies.js'),
    import('../../lambda/state/dynamodb-session-store.js'),
    import('../../lambda/function-url-handler.js'),
  ]);
  const config = loadConfig({
    TABLE_NAME: BENCH_TABLE,
    SALESFORCE_SERVER_URL: simulator.url,
    SALESFORCE_AGENT_ID: simulator.agentId,
    SALESFORCE_CLIENT_ID: simulator.credentials.clientId,
    SALESFORCE_CLIENT_SECRET: simulator.credentials.clientSecret,
    AUTH_MODE: 'none',
    ALLOWED_HOSTS: '127.0.0.1,localhost',
    MAX_SESSIONS_PER_TENANT: '0',
  });
  const documentClient = createDocumentClient({
    endpoint: dynamoEndpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const app = createApp(createDependencies(config, { documentClient }));
  return {
    streaming: adapters.createStreamingHandler(app, localStreamingRuntime) as StreamingHandler,
    buffered: adapters.createHandler(app),
    documentClient,
  };
}

async function modeRows(options: {
  bundle: string;
  childScript: string;
  env: Record<string, string>;
  coldRuns: number;
  warm: { iterations: number; warmup: number };
}): Promise<ModeRow[]> {
  const run = (plan: InvokeModesPlan, env: Record<string, string>) =>
    runChild<InvokeModesResult>({
      script: options.childScript,
      args: [JSON.stringify(plan)],
      env: baseChildEnv(env),
    });
  const rows: ModeRow[] = [];
  const cold: Record<InvokeMode, number[]> = { BUFFERED: [], RESPONSE_STREAM: [] };
  const coldStatuses = new Set<number>();
  for (let i = 0; i < options.coldRuns; i++) {
    const order: InvokeMode[] =
      i % 2 === 0 ? ['BUFFERED', 'RESPONSE_STREAM'] : ['RESPONSE_STREAM', 'BUFFERED'];
    for (const mode of order) {
      const body = toolCallBody('complete-agentforce-conversation', {
        client_email: `modes-${mode}-${i}-${Date.now()}@example.com`,
        message: 'Hello',
      });
      const result = await run({ kind: 'cold', bundle: options.bundle, mode, body }, options.env);
      if (result.error) throw new Error(`cold ${mode}: ${result.error}`);
      cold[mode].push((result.importMs ?? 0) + (result.firstMs ?? 0));
      for (const status of result.statuses) coldStatuses.add(status);
    }
  }
  rows.push(row('cold start: import + first tools/call (JSON)', cold, [...coldStatuses]));
  const unauthorized = {
    ...options.env,
    AUTH_MODE: 'cognito',
    COGNITO_USER_POOL_ID: 'eu-west-1_Bench123',
    AUTH_CLIENT_IDS: 'bench-client',
  };
  for (const [scenario, body, env] of [
    ['warm: 401 (no bearer token)', toolsListBody(), unauthorized],
    ['warm: JSON tools/list', toolsListBody(), options.env],
    ['warm: JSON initialize', initializeBody(), options.env],
  ] as const) {
    const result = await run({ kind: 'warm', bundle: options.bundle, body, ...options.warm }, env);
    if (result.error || !result.samples) throw new Error(`${scenario}: ${result.error}`);
    rows.push(row(scenario, result.samples, result.statuses));
  }
  return rows;
}

function row(
  scenario: string,
  samples: Readonly<Record<InvokeMode, readonly number[]>>,
  statuses: readonly number[]
): ModeRow {
  const bufferedMs = median(samples.BUFFERED);
  const streamMs = median(samples.RESPONSE_STREAM);
  return {
    scenario,
    runs: samples.BUFFERED.length,
    bufferedMs,
    streamMs,
    ratio: streamMs / bufferedMs,
    statuses,
  };
}

/** Runs the whole section; each part reports its own failure instead of sinking the others. */
export async function measureStreaming(options: {
  /** The production bundle (lambda/handler.ts as the stack builds it). */
  bundle: string;
  childScript: string;
  standIns: StandIns;
  runs: number;
  coldRuns: number;
  warm: { iterations: number; warmup: number };
}): Promise<StreamingResults> {
  const errors: string[] = [];
  const progress: ProgressRow[] = [];
  const simulator = await startSimulator({ latencyMs: TURN_LATENCY_MS });
  const inProcess = await inProcessApp(simulator, options.standIns.dynamoEndpoint);
  try {
    const adapter = streamingHandlerFetch(inProcess.streaming);
    const buffered = handlerFetch(inProcess.buffered);
    for (const [path, fetch] of [
      ['BUFFERED entry point (before: no progress)', buffered],
      ['Function URL streaming adapter (in-process)', adapter],
    ] as const) {
      progress.push(await progressRow(path, fetch, simulator, options.runs));
    }
    const local = await startNpmStart(simulator, options.standIns.dynamoEndpoint);
    try {
      progress.push(await progressRow('npm start (HTTP)', local.fetch, simulator, options.runs));
    } finally {
      await local.stop();
    }
  } catch (err) {
    errors.push(`progress: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    inProcess.documentClient.destroy();
    await simulator.close();
  }
  let modes: ModeRow[] = [];
  try {
    modes = await modeRows({
      bundle: options.bundle,
      childScript: options.childScript,
      env: options.standIns.handlerEnv(),
      coldRuns: options.coldRuns,
      warm: options.warm,
    });
  } catch (err) {
    errors.push(`invoke modes: ${(err as Error).message.split('\n')[0]}`);
  }
  return { turnLatencyMs: TURN_LATENCY_MS, progress, modes, errors };
}

const pct = (share: number | undefined) =>
  share === undefined || !Number.isFinite(share) ? 'n/a' : `${(share * 100).toFixed(1)} %`;
const num = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');

/** The section's Markdown for the report. */
export function renderStreaming(results: StreamingResults): string {
  const lines = [
    '## Live turns (streaming progress)',
    '',
    `A simulated Agentforce turn of ${results.turnLatencyMs} ms (its PROGRESS_INDICATOR at about 25 %), ` +
      'one `send-message-to-agent` call with a `progressToken` from the SDK v2 client. ' +
      '"First heard" is when the client hears anything (a progress event, else the result), as a share ' +
      'of the turn; "delay" is from the simulator writing its first progress event to the client hearing it.',
    '',
    '| Path | Runs | Turn p50 (ms) | First heard (share of turn) | Progress events | Delay p50 / p90 (ms) | Delay (share of turn) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.progress.map(
      (row) =>
        `| ${row.path} | ${row.runs} | ${num(row.turnMs)} | ${pct(row.firstHeardShare)} | ${row.progressEvents} | ` +
        `${row.progressDelayMs ? `${num(row.progressDelayMs.p50)} / ${num(row.progressDelayMs.p90)}` : 'n/a'} | ` +
        `${pct(row.progressDelayShare)} |`
    ),
    '',
    'RESPONSE_STREAM against BUFFERED where nothing streams (the same bundle, both entry points; cold ' +
      "rows alternate fresh processes, warm rows interleave in one process). Lambda's own streaming " +
      'runtime is not in these figures, only our adapter.',
    '',
    '| Scenario | Runs | BUFFERED p50 (ms) | RESPONSE_STREAM p50 (ms) | Ratio | Status |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.modes.map(
      (row) =>
        `| ${row.scenario} | ${row.runs} | ${num(row.bufferedMs)} | ${num(row.streamMs)} | ` +
        `${Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : 'n/a'} | ${row.statuses.join(', ')} |`
    ),
  ];
  if (results.errors.length > 0) {
    lines.push('', ...results.errors.map((error) => `- Not measured: ${error}`));
  }
  return `${lines.join('\n')}\n`;
}
