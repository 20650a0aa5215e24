import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../local/dynamodb-local.js';
import { REPO_ROOT, RESULTS_DIR } from '../lib/build.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { MCP_HEADERS, toolCallBody, toolsListBody } from '../lib/mcp-requests.js';
import { BENCH_TABLE } from '../lib/stand-ins.js';

export interface ThroughputRow {
  readonly scenario: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly result: LoadResult;
}

const MESSAGE = 'Where is my order?';

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the local server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the local server did not answer ${url} within ${timeoutMs} ms`);
}

async function post(url: string, body: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body });
  return res.text();
}

/**
 * Throughput of `npm start` (local/server.ts under tsx: HTTP → Function URL event → handler) with
 * the backends a local run uses: DynamoDB Local and the simulator at latency 0. Load generator,
 * server, simulator and DynamoDB Local share this machine's cores, so the figure is relative.
 */
export async function measureThroughput(options: {
  dynamoEndpoint: string;
  durationMs: number;
  connections: number;
  emails: number;
  onProgress?: (line: string) => void;
}): Promise<ThroughputRow[]> {
  const port = await freePort();
  const tsx = import.meta.resolve('tsx');
  // A neutral cwd: local/backends.ts would load a developer's .env (a real org) from the cwd.
  const child = spawn(process.execPath, ['--import', tsx, join(REPO_ROOT, 'local/server.ts')], {
    cwd: RESULTS_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'),
      PORT: String(port),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SIMULATOR_LATENCY_MS: '0',
      MAX_SESSIONS_PER_TENANT: '1000',
      TABLE_NAME: BENCH_TABLE,
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
      AWS_REGION: LOCAL_AWS_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await waitForHealth(`http://127.0.0.1:${port}/health`, child, 60_000);
    const emails = Array.from(
      { length: options.emails },
      (_, i) => `load-${i}-${Date.now()}@example.com`
    );
    for (const email of emails) {
      const answer = await post(url, toolCallBody('create-agent-session', { client_email: email }));
      if (answer.includes('"isError":true') || answer.includes('"error":{"code"')) {
        throw new Error(`throughput setup failed: ${answer.slice(0, 300)}`);
      }
    }
    const scenarios: Array<{ scenario: string; body: (i: number) => string }> = [
      { scenario: 'tools/list', body: () => toolsListBody() },
      {
        scenario: `send-message-to-agent (${options.emails} emails, round-robin)`,
        body: (i) =>
          toolCallBody('send-message-to-agent', {
            client_email: emails[i % emails.length],
            message: MESSAGE,
          }),
      },
    ];
    const rows: ThroughputRow[] = [];
    for (const { scenario, body } of scenarios) {
      // A short unrecorded run warms the JIT, the SDK's sockets and DynamoDB Local.
      await runLoad({
        url,
        connections: options.connections,
        durationMs: Math.min(1_000, options.durationMs),
        headers: MCP_HEADERS,
        body,
      });
      const result = await runLoad({
        url,
        connections: options.connections,
        durationMs: options.durationMs,
        headers: MCP_HEADERS,
        body,
      });
      options.onProgress?.(`${scenario}: ${result.perSecond.toFixed(0)} req/s`);
      rows.push({
        scenario,
        connections: options.connections,
        durationMs: options.durationMs,
        result,
      });
    }
    return rows;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stderr}`);
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
