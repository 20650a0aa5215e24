/**
 * `npm start`: serves the Lambda handler over HTTP at http://127.0.0.1:3000/mcp (PORT overrides)
 * on embedded defaults — DynamoDB Local and the Agentforce simulator — unless SALESFORCE_*
 * variables (or `.env`) point at a real org.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { type LocalBackendOptions, startLocalBackends } from './backends.js';
import {
  eventFromIncoming,
  type FunctionUrlHandler,
  lambdaContext,
  writeResult,
} from './function-url-event.js';

const HOST = '127.0.0.1';

async function serve(
  handler: FunctionUrlHandler,
  timeoutMs: number,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const event = await eventFromIncoming(req);
  writeResult(res, await handler(event, lambdaContext(timeoutMs)));
}

/**
 * Serves until SIGINT/SIGTERM. `options.loadHandler` swaps the handler (the conformance fixture
 * server's); everything else, the HTTP edge included, is the same.
 */
export async function serveLocally(
  options: Pick<LocalBackendOptions, 'loadHandler'> = {}
): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const backends = await startLocalBackends({
    resourceUrl: `http://${HOST}:${port}/mcp`,
    ...options,
  });
  const server = createServer((req, res) => {
    serve(backends.handler, backends.timeoutMs, req, res).catch((err: unknown) => {
      // Lambda answers a rejected invocation with 502; so does the local server.
      process.stderr.write(`handler failed: ${(err as Error).name}\n`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    });
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
