import { type LoadResult, runLoad } from '../lib/load.js';
import { startLocalServer } from '../lib/local-server.js';
import { MCP_HEADERS, toolCallBody, toolsListBody } from '../lib/mcp-requests.js';

export interface ThroughputRow {
  readonly scenario: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly result: LoadResult;
}

const MESSAGE = 'Where is my order?';

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
  const server = await startLocalServer(options.dynamoEndpoint, {
    POWERTOOLS_LOG_LEVEL: 'INFO',
    SIMULATOR_LATENCY_MS: '0',
    MAX_SESSIONS_PER_TENANT: '1000',
  });
  const { url } = server;
  try {
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
    throw new Error(`${(err as Error).message}\n${server.stderr()}`);
  } finally {
    await server.stop();
  }
}
