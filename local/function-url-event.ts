import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import type { FunctionUrlResult } from '../lambda/http/function-url.js';

/** The plain parts of an HTTP request, as a local server or a test has them. */
export interface HttpRequestParts {
  readonly method: string;
  /** Absolute URL; its host becomes the event's `domainName`. */
  readonly url: string;
  /** Header names in any case; repeated values already joined or as arrays. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: Uint8Array | string;
  readonly sourceIp?: string;
}

/**
 * Builds a Function URL (payload 2.0) event the way AWS delivers it: lower-cased header names,
 * repeated headers comma-joined, cookies split out into `cookies[]`, the body base64-encoded.
 *
 * @example
 * const event = toFunctionUrlEvent({ method: 'POST', url: 'http://127.0.0.1:3000/mcp', headers, body });
 */
export function toFunctionUrlEvent(parts: HttpRequestParts): LambdaFunctionURLEvent {
  const url = new URL(parts.url);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [rawName, rawValue] of Object.entries(parts.headers ?? {})) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    const value = typeof rawValue === 'string' ? rawValue : rawValue.join(', ');
    if (name === 'cookie') cookies = value.split(/;\s*/).filter(Boolean);
    else headers[name] = value;
  }
  headers.host ??= url.host;
  const now = new Date();
  const body =
    parts.body === undefined
      ? undefined
      : Buffer.from(typeof parts.body === 'string' ? Buffer.from(parts.body) : parts.body).toString(
          'base64'
        );
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(cookies ? { cookies } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: url.hostname.split('.')[0] ?? 'local',
      domainName: url.host,
      domainPrefix: url.hostname.split('.')[0] ?? url.hostname,
      http: {
        method: parts.method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: parts.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body, isBase64Encoded: true } : { isBase64Encoded: false }),
  } as LambdaFunctionURLEvent;
}

/** A Lambda context whose remaining time counts down from `timeoutMs`. */
export function lambdaContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'agentforce-mcp-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:agentforce-mcp-local',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/agentforce-mcp-local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Converts a Function URL result back into a web `Response`. */
export function toWebResponse(result: FunctionUrlResult): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers.set(name, String(value));
  for (const cookie of result.cookies ?? []) headers.append('set-cookie', cookie);
  const raw = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(raw, 'base64') : raw;
  const empty = result.statusCode === 204 || result.statusCode === 304 || body.length === 0;
  return new Response(empty ? null : body, { status: result.statusCode ?? 200, headers });
}

/** A Function URL handler, as exported by `lambda/handler.ts`. */
export type FunctionUrlHandler = (
  event: LambdaFunctionURLEvent,
  context: Context
) => Promise<FunctionUrlResult>;

/**
 * A `fetch` that sends each request through the Lambda handler via the exact Function URL
 * conversion: what tests give the MCP SDK's real `Client` transport.
 *
 * @example
 * const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: handlerFetch(handler) });
 */
export function handlerFetch(handler: FunctionUrlHandler, timeoutMs = 60_000): typeof fetch {
  return async (input, init) => {
    const event = await eventFromRequest(new Request(input, init));
    return toWebResponse(await handler(event, lambdaContext(timeoutMs)));
  };
}

/** Reads a web `Request` into a Function URL event, as the Function URL front end does. */
export async function eventFromRequest(request: Request): Promise<LambdaFunctionURLEvent> {
  const body =
    request.method === 'GET' || request.method === 'HEAD'
      ? undefined
      : new Uint8Array(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return toFunctionUrlEvent({
    method: request.method,
    url: request.url,
    headers,
    ...(body && body.byteLength > 0 ? { body } : {}),
  });
}

/** Writes a Function URL result to a Node HTTP response. */
export function writeResult(res: ServerResponse, result: FunctionUrlResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  const raw = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(raw, 'base64') : raw);
}
