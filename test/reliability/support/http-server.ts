import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type FunctionUrlHandler,
  lambdaContext,
  writeResult,
} from '../../../local/function-url-event.js';
import { readEdgeRequest, writeRefusal } from '../../../local/http-edge.js';

/** The Lambda handler served over real HTTP on 127.0.0.1, as `npm start` serves it. */
export interface HandlerServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `http://127.0.0.1:PORT/mcp` */
  readonly mcpUrl: URL;
  /** Invocations, those that rejected (a crashed Lambda), and the most held at once. */
  readonly stats: { invocations: number; crashes: number; inFlight: number; maxInFlight: number };
  /** What each crash was (the rejection's name and message). */
  readonly crashes: string[];
  close(): Promise<void>;
}

/**
 * Serves `handler` on a random loopback port. Each HTTP request becomes one Function URL event
 * (lower-cased headers, base64 body), read by `local/server.ts`'s own edge reader, and one buffered
 * invocation with `timeoutMs` remaining; the handler, its simulator and its table stay
 * inspectable in-process.
 *
 * @example
 * const server = await serveHandler(harness.handler);
 * const transport = new StreamableHTTPClientTransport(server.mcpUrl);
 */
export async function serveHandler(
  handler: FunctionUrlHandler,
  options: { timeoutMs?: number } = {}
): Promise<HandlerServer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const stats = { invocations: 0, crashes: 0, inFlight: 0, maxInFlight: 0 };
  const crashes: string[] = [];

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // npm start's reader, with no edge body limit: the function's own limit is what is tested.
    const read = await readEdgeRequest(req, Number.POSITIVE_INFINITY);
    if (!read.ok) return writeRefusal(res, read.refusal);
    const { event } = read;
    stats.invocations++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let result: Awaited<ReturnType<FunctionUrlHandler>>;
    try {
      result = await handler(event, lambdaContext(timeoutMs));
    } finally {
      stats.inFlight--;
    }
    writeResult(res, result);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      // Lambda answers a rejected invocation with 502; so does this stand-in.
      stats.crashes++;
      crashes.push(`${(err as Error).name}: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    });
  });
  // Hundreds of keep-alive clients at once: do not let the backlog refuse any of them.
  server.maxConnections = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 2_048 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    mcpUrl: new URL(`${origin}/mcp`),
    stats,
    crashes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
