/**
 * The rules the Function URL front end applies before an invocation, for `npm start`: a request
 * target and `Host` that cannot name a URL get 400, and a body over the limit gets 413 while it
 * is still arriving, so neither reaches the handler (where it would be a 502 or a huge buffer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { isHostSyntax } from '../lambda/http/rules.js';
import { toFunctionUrlEvent } from './function-url-event.js';

/** An answer the edge gives itself, without invoking the handler. */
export interface EdgeRefusal {
  readonly status: 400 | 413;
  readonly message: string;
}

/** What reading a request at the edge gives: the handler's event, or the edge's own answer. */
export type EdgeRead =
  | { readonly ok: true; readonly event: LambdaFunctionURLEvent }
  | { readonly ok: false; readonly refusal: EdgeRefusal };

const badRequest = (message: string): EdgeRead => ({
  ok: false,
  refusal: { status: 400, message: `Bad Request: ${message}` },
});

/** The highest TCP port; `URL` refuses more, `Host` syntax alone does not. */
const MAX_PORT = 65_535;

/**
 * The absolute URL a request addresses (RFC 9112 §3.2), or why it has none. Origin-form
 * (`/mcp`) takes its authority from `Host`, which must be one valid `host[:port]`;
 * absolute-form (`http://host/mcp`, what proxies send) is served with its own authority and the
 * `Host` header ignored, as §3.2.2 requires of an origin server. Asterisk-form (`*`, only for
 * server-wide OPTIONS) and authority-form (CONNECT) name no resource here.
 *
 * @example
 * targetUrl('/mcp', '127.0.0.1:3000'); // { url: 'http://127.0.0.1:3000/mcp' }
 * targetUrl('*', '127.0.0.1:3000');    // { problem: 'the request target must be a path …' }
 */
export function targetUrl(
  target: string,
  host: string | undefined
): { readonly url: string } | { readonly problem: string } {
  if (/^https?:\/\//i.test(target)) {
    if (!URL.canParse(target)) return { problem: 'the absolute request target is not a URL.' };
    const url = new URL(target);
    if (url.protocol !== 'http:' || url.username || url.password) {
      return { problem: 'an absolute request target must be http:// without credentials.' };
    }
    return { url: url.href };
  }
  if (!target.startsWith('/')) {
    return { problem: 'the request target must be a path such as /mcp (or an absolute URL).' };
  }
  if (host === undefined || !isHostSyntax(host)) {
    return {
      problem: 'the Host header must be one host name or IP literal with an optional port.',
    };
  }
  const port = /:(\d+)$/.exec(host.trim())?.[1];
  if (port !== undefined && Number(port) > MAX_PORT) {
    return { problem: `the Host port must be at most ${MAX_PORT}.` };
  }
  const url = `http://${host.trim()}${target}`;
  return URL.canParse(url) ? { url } : { problem: 'the request target is not a valid path.' };
}

/**
 * Reads a Node HTTP request into a Function URL event, applying the edge rules: the target first
 * (nothing is read from a request that names no URL), then the body, refused with 413 as soon as
 * it passes `maxBodyBytes` (a declared `Content-Length` over it is refused before reading any).
 * The rest of a refused body is never read: the caller answers and closes the connection.
 */
export async function readEdgeRequest(
  req: IncomingMessage,
  maxBodyBytes: number
): Promise<EdgeRead> {
  const target = targetUrl(req.url ?? '/', req.headers.host);
  if ('problem' in target) return badRequest(target.problem);
  const tooLarge: EdgeRead = {
    ok: false,
    refusal: { status: 413, message: `Payload Too Large: the body exceeds ${maxBodyBytes} bytes.` },
  };
  if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) return tooLarge;

  const body = await readLimited(req, maxBodyBytes);
  if (body === undefined) return tooLarge;
  const event = toFunctionUrlEvent({
    method: req.method ?? 'GET',
    url: target.url,
    // The Function URL event's host is the one the request addressed (absolute-form wins).
    headers: { ...req.headers, host: new URL(target.url).host },
    ...(body.byteLength > 0 ? { body } : {}),
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
  });
  return { ok: true, event };
}

/**
 * The body, or `undefined` at the first byte past `maxBodyBytes`: reading stops there, so what a
 * flood sends beyond it is never buffered (the socket is left for {@link writeRefusal} to close).
 */
function readLimited(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', reject);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= maxBodyBytes) return void chunks.push(chunk);
      stop();
      req.pause();
      resolve(undefined);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

/** How long a refused connection's remaining input is read and dropped before it is closed. */
const LINGER_MS = 2_000;

/**
 * Answers an edge refusal in the JSON-RPC error shape the function uses, then closes the
 * connection: after a 413 the rest of the body is not worth reading, and the connection cannot be
 * reused without reading it. The close lingers: a half-close, then whatever the client is still
 * sending is read and dropped (never buffered) for {@link LINGER_MS}, because destroying a socket
 * with unread input resets it, and a reset can discard the answer before the client reads it.
 */
export function writeRefusal(res: ServerResponse, refusal: EdgeRefusal): void {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32000, message: refusal.message },
    id: null,
  });
  const { socket, req } = res;
  if (socket) {
    // Node destroys a `Connection: close` socket as soon as the answer is written; this one is
    // half-closed instead (the http server allows half-open sockets), then destroyed later.
    socket.destroySoon = () => {
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
  }
  req.resume();
  res.writeHead(refusal.status, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
}
