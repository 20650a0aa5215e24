import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** What one tool call came to, as a caller would classify it. */
export type Outcome =
  | { readonly kind: 'ok'; readonly structured: Record<string, unknown>; readonly text: string }
  | { readonly kind: 'tool-error'; readonly code: string; readonly text: string }
  | { readonly kind: 'protocol-error'; readonly text: string };

/** The text of a tool result's first text block. */
export function textOf(result: CallToolResult): string {
  const block = result.content.find((item) => item.type === 'text');
  return block && block.type === 'text' ? block.text : '';
}

/** Classifies a tool result; tool errors end with their code in brackets (`… [BUSY]`). */
export function outcomeOf(result: CallToolResult): Outcome {
  const text = textOf(result);
  if (result.isError) {
    return { kind: 'tool-error', code: /\[([A-Z_]+)\]\s*$/.exec(text)?.[1] ?? 'UNCODED', text };
  }
  return {
    kind: 'ok',
    structured: (result.structuredContent ?? {}) as Record<string, unknown>,
    text,
  };
}

/** Calls a tool; a JSON-RPC error or transport failure becomes a `protocol-error` outcome. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>
): Promise<Outcome> {
  try {
    return outcomeOf((await client.callTool({ name, arguments: args })) as CallToolResult);
  } catch (err) {
    return { kind: 'protocol-error', text: (err as Error).message };
  }
}

/**
 * A real MCP SDK client over real HTTP (`initialize` + `notifications/initialized` included).
 * `fetch` defaults to the platform's; pass `headers` for `Authorization` and the like.
 */
export async function connectOverHttp(
  url: URL,
  options: { headers?: Record<string, string>; name?: string } = {}
): Promise<Client> {
  const client = new Client({ name: options.name ?? 'reliability', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(url, {
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
  });
  await client.connect(transport);
  return client;
}

/** Runs `tasks` with at most `limit` in flight; results keep the tasks' order. */
export async function pool<T>(limit: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Percentile (0–100) of `values`, nearest-rank; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank] as number);
}

/** One raw HTTP exchange with the server (no MCP client involved). */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** POSTs a JSON-RPC body over real HTTP with the headers a Streamable HTTP client sends. */
export async function postRaw(
  url: URL | string,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A tools/call request body. */
export const toolCallBody = (
  name: string,
  args: Record<string, unknown>,
  id: number | string = 1
) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
