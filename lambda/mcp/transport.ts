import {
  createMcpHandler,
  isLegacyRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { isEventStream } from '../http/rules.js';
import { logger } from '../logger.js';

/** A POST to the MCP endpoint that passed the HTTP edge checks. */
export interface McpExchange {
  /** The client's request; its body has been read (`bytes`, `parsedBody`). */
  readonly request: Request;
  readonly bytes: Uint8Array;
  readonly parsedBody: unknown;
  /** `normalize`: the client sent `Accept: application/json` only, or none; answer JSON anyway. */
  readonly accept: 'as-is' | 'normalize';
  /**
   * Answer over SSE as the server produces it (progress, then the result). Set only when the
   * runtime can stream and the client asked for progress and accepts `text/event-stream`;
   * everyone else gets one JSON body.
   */
  readonly stream?: {
    /** Given the work a streamed answer still does after it returns; the host awaits it. */
    readonly waitUntil: (work: Promise<unknown>) => void;
  };
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
 * SDK v1, or SSE when the answer streams (`stream`). The SDK's own legacy fallback would answer
 * SSE frames and refuse `Accept: application/json` alone (406), which Agentforce-style clients send.
 */
async function serveLegacy(
  { request, bytes, parsedBody, accept, stream }: McpExchange,
  newServer: ServerFactory
) {
  const headers = new Headers(request.headers);
  if (accept === 'normalize') headers.set('accept', 'application/json, text/event-stream');
  const server = newServer();
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: stream === undefined,
  });
  const close = async () => {
    await transport.close();
    await server.close();
  };
  let response: Response;
  try {
    await server.connect(transport);
    const mcpRequest = new Request(request.url, { method: 'POST', headers, body: bytes });
    response = await transport.handleRequest(mcpRequest, { parsedBody });
  } catch (err) {
    await close();
    throw err;
  }
  return finish(response, close, stream);
}

/**
 * 2026-07-28: the SDK's modern entry, strict (`legacy: 'reject'`: legacy traffic never reaches
 * it). Built per request so that its in-flight set and event bus provably hold one request only.
 * It answers `server/discover`, the header and `_meta` checks (-32020), unsupported versions
 * (-32022 with the supported list), `ttlMs`/`cacheScope`, `resultType`, and 404 -32601 for
 * unknown methods and `ping`.
 */
async function serveModern({ request, parsedBody, stream }: McpExchange, newServer: ServerFactory) {
  if (methodOf(parsedBody) === 'subscriptions/listen') return noSubscriptions(parsedBody);
  const handler = createMcpHandler(newServer, {
    legacy: 'reject',
    // The default `auto`: one JSON body unless the tool reports progress first, then SSE; a
    // tool reports progress only when `stream` is set (`json` would log a warning per request).
    onerror: (error) => logger.debug('modern request refused', { reason: error.message }),
  });
  const close = () => handler.close();
  let response: Response;
  try {
    response = await handler.fetch(request, { parsedBody });
  } catch (err) {
    await close();
    throw err;
  }
  return finish(response, close, stream);
}

/**
 * The answer to hand the host: an SSE answer streams on, and the server closes once it has
 * sent everything; any other answer is read whole first, because closing ends any pending
 * stream.
 */
async function finish(
  response: Response,
  close: () => Promise<void>,
  stream: McpExchange['stream']
): Promise<Response> {
  if (stream && response.body && isEventStream(response)) {
    return relayed(response, response.body, close, stream.waitUntil);
  }
  try {
    return await settled(response);
  } finally {
    await close();
  }
}

/** Headers that keep proxies and CDNs from buffering or rewriting an event stream. */
export const SSE_HEADERS = {
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/**
 * Relays an SSE body to the client as the SDK writes it, with back-pressure. A client that hangs
 * up does not stop the work: the SDK's stream is drained to its end (the tool's result), so the
 * turn finishes, releases its lease and records its sequence id before the server closes; the
 * host is given that work (`waitUntil`) so it does not end the invocation first.
 */
function relayed(
  response: Response,
  source: ReadableStream<Uint8Array>,
  close: () => Promise<void>,
  waitUntil: (work: Promise<unknown>) => void
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const relay = async () => {
    const reader = source.getReader();
    let listening = true;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (listening) await writer.write(value).catch(() => (listening = false));
      }
      if (listening) await writer.close().catch(() => undefined);
    } catch (err) {
      await writer.abort(err).catch(() => undefined);
    } finally {
      reader.releaseLock();
      await close().catch(() => undefined);
    }
  };
  waitUntil(relay());
  const headers = new Headers(response.headers);
  headers.delete('connection');
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  return new Response(readable, { status: response.status, headers });
}

/**
 * A Lambda function cannot hold a `subscriptions/listen` stream open (one invocation per request,
 * ended by the function timeout), and this server never emits a change notification (`listChanged:
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
