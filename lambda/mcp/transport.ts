import {
  createMcpHandler,
  isLegacyRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { logger } from '../logger.js';

/** A POST to the MCP endpoint that passed the HTTP edge checks. */
export interface McpExchange {
  /** The client's request; its body has been read (`bytes`, `parsedBody`). */
  readonly request: Request;
  readonly bytes: Uint8Array;
  readonly parsedBody: unknown;
  /** `normalize`: the client sent `Accept: application/json` only, or none; answer JSON anyway. */
  readonly accept: 'as-is' | 'normalize';
}

/** Which protocol era a request opened with (2026-07-28 `basic/versioning.mdx` §Era compatibility). */
export type McpEra = 'legacy' | 'modern';

/** What the SDK needs per request: a fresh server holding this request's tools. */
export type ServerFactory = () => McpServer;

/**
 * Serves one MCP POST on one endpoint for both protocol eras, chosen by how the client opens
 * (the SDK's own classifier, `isLegacyRequest`): a request carrying the 2026-07-28 `_meta`
 * envelope is modern, anything else (the `initialize` handshake and every later 2025-era
 * message) is legacy. A body that is not JSON-RPC 2.0 at all gets the legacy transport's answer
 * (400 -32700, as on SDK v1). Each era gets a fresh server from `newServer`; nothing outlives the
 * call.
 *
 * @example
 * const { era, response } = await serveMcp(exchange, () => buildServer(settings, toolRequest));
 */
export async function serveMcp(
  exchange: McpExchange,
  newServer: ServerFactory
): Promise<{ readonly era: McpEra; readonly response: Response }> {
  if (
    !isJsonRpc2(exchange.parsedBody) ||
    (await isLegacyRequest(exchange.request, exchange.parsedBody))
  ) {
    return { era: 'legacy', response: await serveLegacy(exchange, newServer) };
  }
  return { era: 'modern', response: await serveModern(exchange, newServer) };
}

/**
 * 2024-11-05 … 2025-11-25: a stateless Streamable HTTP transport answering JSON, exactly as on
 * SDK v1. The SDK's own legacy fallback would answer SSE frames and refuse `Accept:
 * application/json` alone (406), which Agentforce-style clients send.
 */
async function serveLegacy(
  { request, bytes, parsedBody, accept }: McpExchange,
  newServer: ServerFactory
) {
  const headers = new Headers(request.headers);
  if (accept === 'normalize') headers.set('accept', 'application/json, text/event-stream');
  const server = newServer();
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    const mcpRequest = new Request(request.url, { method: 'POST', headers, body: bytes });
    return await settled(await transport.handleRequest(mcpRequest, { parsedBody }));
  } finally {
    await transport.close();
    await server.close();
  }
}

/**
 * 2026-07-28: the SDK's modern entry, strict (`legacy: 'reject'`: legacy traffic never reaches
 * it). Built per request so that its in-flight set and event bus provably hold one request only.
 * It answers `server/discover`, the header and `_meta` checks (-32020), unsupported versions
 * (-32022 with the supported list), `ttlMs`/`cacheScope`, `resultType`, and 404 -32601 for
 * unknown methods and `ping`.
 */
async function serveModern({ request, parsedBody }: McpExchange, newServer: ServerFactory) {
  if (methodOf(parsedBody) === 'subscriptions/listen') return noSubscriptions(parsedBody);
  const handler = createMcpHandler(newServer, {
    legacy: 'reject',
    onerror: (error) => logger.debug('modern request refused', { reason: error.message }),
  });
  try {
    return await settled(await handler.fetch(request, { parsedBody }));
  } finally {
    await handler.close();
  }
}

/**
 * A Lambda function cannot hold a `subscriptions/listen` stream open (buffered Function URL, one
 * invocation per request), and this server never emits a change notification (`listChanged:
 * false`), so it offers no such stream: 404 -32601, as for any method it does not serve
 * (2026-07-28 `basic/transports/streamable-http.mdx`).
 */
function noSubscriptions(body: unknown): Response {
  const id = (body as { id?: unknown }).id;
  return Response.json(
    {
      jsonrpc: '2.0',
      id: typeof id === 'string' || typeof id === 'number' ? id : null,
      error: {
        code: -32601,
        message:
          'Method not found: subscriptions/listen. This server sends no change notifications; list tools again when you need them.',
      },
    },
    { status: 404 }
  );
}

function isJsonRpc2(body: unknown): boolean {
  if (Array.isArray(body)) return true;
  return (
    typeof body === 'object' && body !== null && (body as { jsonrpc?: unknown }).jsonrpc === '2.0'
  );
}

function methodOf(body: unknown): string | undefined {
  const method = (body as { method?: unknown } | null)?.method;
  return typeof method === 'string' ? method : undefined;
}

/** Reads the whole body before the server closes: closing ends any pending stream. */
async function settled(response: Response): Promise<Response> {
  const body = await response.arrayBuffer();
  return new Response(body.byteLength > 0 ? body : null, {
    status: response.status,
    headers: response.headers,
  });
}
