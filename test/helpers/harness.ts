import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { inject } from 'vitest';
import { createApp } from '../../lambda/app.js';
import { loadConfig } from '../../lambda/config.js';
import {
  createDependencies,
  type Dependencies,
  type DependencyOverrides,
} from '../../lambda/dependencies.js';
import { createHandler } from '../../lambda/function-url-handler.js';
import { createDocumentClient } from '../../lambda/state/dynamodb-session-store.js';
import {
  createSessionTable,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
} from '../../local/dynamodb-local.js';
import { type FunctionUrlHandler, handlerFetch } from '../../local/function-url-event.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../simulator/index.js';

/** The real handler wired to the simulator and DynamoDB Local, as a test drives it. */
export interface Harness {
  readonly simulator: Simulator;
  readonly deps: Dependencies;
  readonly handler: FunctionUrlHandler;
  readonly tableName: string;
  /** `fetch` that goes through the exact Function URL conversion into the handler. */
  readonly fetch: typeof fetch;
  /** A connected MCP SDK client (real `Client` + Streamable HTTP transport) over `fetch`. */
  connect(options?: { headers?: Record<string, string> }): Promise<Client>;
  close(): Promise<void>;
}

export const MCP_URL = 'http://127.0.0.1:3000/mcp';

/**
 * Starts a simulator, creates a fresh table in the shared DynamoDB Local, and builds the handler
 * through the production composition root with `env` on top of test defaults. With `reuse`, the
 * new handler runs over another harness's simulator and table instead (a container restart); its
 * `close` leaves them to their owner.
 */
export async function startHarness(
  options: {
    env?: Record<string, string>;
    simulator?: SimulatorOptions;
    overrides?: DependencyOverrides;
    reuse?: Pick<Harness, 'simulator' | 'tableName'>;
  } = {}
): Promise<Harness> {
  const endpoint = inject('dynamoDbEndpoint');
  const { reuse } = options;
  const simulator =
    reuse?.simulator ?? (await startSimulator({ latencyMs: 0, ...options.simulator }));
  const tableName = reuse?.tableName ?? `sessions-${randomUUID()}`;
  if (!reuse) await createSessionTable(endpoint, tableName);
  const config = loadConfig({
    TABLE_NAME: tableName,
    SALESFORCE_SERVER_URL: simulator.url,
    SALESFORCE_AGENT_ID: simulator.agentId,
    SALESFORCE_CLIENT_ID: simulator.credentials.clientId,
    SALESFORCE_CLIENT_SECRET: simulator.credentials.clientSecret,
    AUTH_MODE: 'none',
    ALLOWED_HOSTS: '127.0.0.1,localhost',
    ALLOWED_ORIGINS: 'http://localhost:6274',
    TOOL_DEADLINE_MS: '10000',
    ...options.env,
  });
  const documentClient = createDocumentClient({
    endpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const deps = createDependencies(config, { documentClient, ...options.overrides });
  const handler = createHandler(createApp(deps));
  const fetch = handlerFetch(handler);
  const clients: Client[] = [];
  return {
    simulator,
    deps,
    handler,
    tableName,
    fetch,
    async connect(connectOptions = {}) {
      const client = new Client({ name: 'harness', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
        fetch,
        ...(connectOptions.headers ? { requestInit: { headers: connectOptions.headers } } : {}),
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      documentClient.destroy();
      if (!reuse) await simulator.close();
    },
  };
}

/** Calls a tool and returns the result typed as a tool result. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a tool result's first text block. */
export function textOf(result: CallToolResult): string {
  const block = result.content.find((item) => item.type === 'text');
  return block && block.type === 'text' ? block.text : '';
}

/** Sends a raw JSON-RPC POST (or any request) through the handler. */
export function rpcRequest(
  body: unknown,
  headers: Record<string, string> = {},
  url = MCP_URL
): Request {
  return new Request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
