/**
 * `npm start`: serves the Lambda handler over HTTP at http://127.0.0.1:3000/mcp (PORT overrides)
 * on embedded defaults — DynamoDB Local and the Agentforce simulator — unless SALESFORCE_*
 * variables (or `.env`) point at a real org.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { startLocalBackends } from './backends.js';
import {
  type FunctionUrlHandler,
  lambdaContext,
  toFunctionUrlEvent,
} from './function-url-event.js';

const HOST = '127.0.0.1';

async function serve(
  handler: FunctionUrlHandler,
  timeoutMs: number,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const event = toFunctionUrlEvent({
    method: req.method ?? 'GET',
    url: `http://${req.headers.host ?? HOST}${req.url ?? '/'}`,
    headers: req.headers,
    ...(body.byteLength > 0 ? { body } : {}),
    sourceIp: req.socket.remoteAddress ?? HOST,
  });
  const result = await handler(event, lambdaContext(timeoutMs));
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  const raw = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(raw, 'base64') : raw);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const backends = await startLocalBackends();
  const server = createServer((req, res) => {
    serve(backends.handler, backends.timeoutMs, req, res).catch((err: unknown) => {
      process.stderr.write(`local server error: ${(err as Error).name}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"local server error"}');
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
      `  MCP Inspector (UI):  npx @modelcontextprotocol/inspector   then Transport "Streamable HTTP", URL ${url}`,
      `  MCP Inspector (CLI): npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
      `  Claude Code:         claude mcp add --transport http agentforce ${url}`,
      `  Health check:        curl http://${HOST}:${port}/health`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n')
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`Could not start the local server: ${(err as Error).message}\n`);
  process.exit(1);
});
