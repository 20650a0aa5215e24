/**
 * `npm start`: serves the Lambda handler over HTTP at http://127.0.0.1:3000/mcp (PORT overrides)
 * on embedded defaults — DynamoDB Local and the Agentforce simulator — unless SALESFORCE_*
 * variables (or `.env`) point at a real org.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { envSchema } from '../lambda/config.js';
import { type LocalBackendOptions, startLocalBackends } from './backends.js';
import { lambdaContext } from './function-url-event.js';
import { readEdgeRequest, writeRefusal } from './http-edge.js';
import type { StreamingHandler } from './streaming-runtime.js';

const HOST = '127.0.0.1';

/** Serves one request through the `RESPONSE_STREAM` entry point: answers stream as on Lambda. */
async function serve(
  handler: StreamingHandler,
  timeoutMs: number,
  maxBodyBytes: number,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const read = await readEdgeRequest(req, maxBodyBytes);
  if (!read.ok) return writeRefusal(res, read.refusal);
  await handler(read.event, res, lambdaContext(timeoutMs));
}

/**
 * Serves until SIGINT/SIGTERM. `options.loadHandler` swaps the handler (the conformance fixture
 * server's); everything else, the HTTP edge included, is the same.
 */
export async function serveLocally(
  options: Pick<LocalBackendOptions, 'loadHandler'> = {}
): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const backends = await startLocalBackends(options);
  // The function's own body limit (read after `.env`), applied while the body arrives.
  const maxBodyBytes = envSchema.shape.MAX_BODY_BYTES.parse(process.env.MAX_BODY_BYTES);
  const server = createServer((req, res) => {
    serve(backends.streamingHandler, backends.timeoutMs, maxBodyBytes, req, res).catch(
      (err: unknown) => {
        // Lambda answers a rejected invocation with 502; so does the local server.
        process.stderr.write(`handler failed: ${(err as Error).name}\n`);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"message":"Internal Server Error"}');
      }
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, resolve);
    });
  } catch (err) {
    await backends.stop();
    throw err;
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close(() => void backends.stop().then(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const url = `http://${HOST}:${port}/mcp`;
  process.stdout.write(
    [
      '',
      `Agentforce MCP server listening on ${url}`,
      `  Salesforce: ${backends.salesforce}`,
      `  State:      ${backends.dynamo}`,
      `  Auth:       ${process.env.AUTH_MODE === 'none' ? 'none (local run)' : process.env.AUTH_MODE}`,
      '',
      'Connect a client:',
      `  MCP Inspector (UI):  npx -y @modelcontextprotocol/inspector@2.12.0 (Node 22), then Add Servers > + Add manually > streamable-http, URL ${url}`,
      `  MCP Inspector (CLI): npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
      `  Claude Code:         claude mcp add --transport http agentforce ${url}`,
      `  Health check:        curl http://${HOST}:${port}/health`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n')
  );
}

/** Starts the server unless imported by another entry (the conformance fixture server). */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveLocally().catch(exitWithError);
}

/** Reports a failed start and exits 1. */
export function exitWithError(err: unknown): never {
  process.stderr.write(`Could not start the local server: ${(err as Error).message}\n`);
  process.exit(1);
}
