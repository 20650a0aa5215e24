import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { FunctionUrlResult } from '../../lambda/http/function-url.js';
import { toFunctionUrlEvent } from '../../local/function-url-event.js';

/** The URL every benchmark request goes to; its host is admitted by the default ALLOWED_HOSTS. */
export const MCP_URL = 'http://127.0.0.1:3000/mcp';

/** What a Streamable HTTP client sends with every POST. */
export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
} as const;

let nextId = 1;

/** A JSON-RPC request body. */
export function rpcBody(method: string, params: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params });
}

export const initializeBody = () =>
  rpcBody('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'bench', version: '1.0.0' },
  });

export const toolsListBody = () => rpcBody('tools/list');

export const toolCallBody = (name: string, args: Record<string, unknown>) =>
  rpcBody('tools/call', { name, arguments: args });

/** A Function URL event that POSTs `body` to the MCP endpoint. */
export function mcpEvent(body: string, url = MCP_URL): LambdaFunctionURLEvent {
  return toFunctionUrlEvent({ method: 'POST', url, headers: MCP_HEADERS, body });
}

/** The outcome of one JSON-RPC answer, with the reason when it is not a success. */
export interface RpcOutcome {
  readonly ok: boolean;
  readonly reason?: string;
  readonly result?: Record<string, unknown>;
}

/** Reads a JSON-RPC answer body: a protocol error or a tool result with `isError` is a failure. */
export function rpcOutcome(status: number, body: string): RpcOutcome {
  if (status !== 200) return { ok: false, reason: `HTTP ${status}: ${body.slice(0, 200)}` };
  let parsed: { result?: Record<string, unknown>; error?: { message?: string } };
  try {
    // SDK v2's own stateless legacy serving (the v2 baseline) frames its answer as one SSE event.
    const sse = body.startsWith('event:') || body.startsWith('data:');
    const json = sse
      ? (body.split('\n').findLast((line) => line.startsWith('data:')) ?? '').slice(5)
      : body;
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, reason: `not JSON: ${body.slice(0, 200)}` };
  }
  if (parsed.error) return { ok: false, reason: `JSON-RPC error: ${parsed.error.message}` };
  if (!parsed.result) return { ok: false, reason: 'no result' };
  if (parsed.result.isError === true) {
    const content = parsed.result.content as Array<{ text?: string }> | undefined;
    return { ok: false, reason: `tool error: ${content?.[0]?.text?.slice(0, 200) ?? ''}` };
  }
  return { ok: true, result: parsed.result };
}

/** `rpcOutcome` of a Function URL result. */
export function resultOutcome(result: FunctionUrlResult): RpcOutcome {
  const raw = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return rpcOutcome(result.statusCode ?? 200, body);
}
