import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { servedScheme } from './rules.js';

/** A Function URL result in its structured form (the only form this server returns). */
export type FunctionUrlResult = APIGatewayProxyStructuredResultV2;

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);

/**
 * Converts a Function URL (payload 2.0) event into a web `Request`.
 * Function URLs lower-case header names, join repeated headers with commas, move cookies to
 * `cookies[]` and may base64-encode the body; this undoes all of that.
 *
 * @example
 * const request = toWebRequest(event); // POST https://abc.lambda-url.eu-west-1.on.aws/mcp
 */
export function toWebRequest(event: LambdaFunctionURLEvent): Request {
  const method = event.requestContext.http.method.toUpperCase();
  const host = event.headers?.host ?? event.requestContext.domainName ?? 'localhost';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  // The scheme of the authority that served the request, so metadata and challenges name a URL
  // that answers (http:// for the local server, https:// behind a Function URL).
  const scheme = servedScheme(event.requestContext.domainName ?? host);
  const url = `${scheme}//${host}${event.rawPath || '/'}${query}`;

  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  if (event.cookies && event.cookies.length > 0) headers.set('cookie', event.cookies.join('; '));

  // `new Request` throws when a GET or HEAD carries a body, and a Function URL event can have one.
  let body: Uint8Array | string | undefined;
  if (!METHODS_WITHOUT_BODY.has(method) && event.body !== undefined && event.body !== null) {
    body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  }
  return new Request(url, { method, headers, body });
}

/**
 * Converts a web `Response` into a Function URL result. Bodies are text (JSON) in this server;
 * anything else is passed base64-encoded so no byte is lost.
 */
export async function toFunctionUrlResult(response: Response): Promise<FunctionUrlResult> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') cookies.push(value);
    else headers[name] = value;
  });
  const contentType = response.headers.get('content-type') ?? '';
  const isText = contentType === '' || /^(application\/(json|.*\+json)|text\/)/i.test(contentType);
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    body: isText ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !isText,
  };
}
