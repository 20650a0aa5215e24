import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import type { App } from './app.js';
import { type FunctionUrlResult, toFunctionUrlResult, toWebRequest } from './http/function-url.js';
import { logger } from './logger.js';

/** Time kept back from the invocation's limit to convert and return the answer. */
const RESPONSE_MARGIN_MS = 1_500;

/**
 * Wraps the web application as a Function URL (payload 2.0) Lambda handler: event -> `Request`,
 * app, `Response` -> result. Holds no state of its own.
 *
 * @example
 * export const handler = createHandler(createApp(dependencies));
 */
export function createHandler(app: App) {
  return middy<LambdaFunctionURLEvent, FunctionUrlResult, Error, Context>()
    .use(
      // logEvent stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry bearer
      // tokens and message text.
      injectLambdaContext(logger, { resetKeys: true, logEvent: false })
    )
    .handler(async (event, context) => {
      const remainingMs = context.getRemainingTimeInMillis?.() ?? 60_000;
      const signal = AbortSignal.timeout(Math.max(1_000, remainingMs - RESPONSE_MARGIN_MS));
      let request: Request;
      try {
        request = toWebRequest(event);
      } catch {
        return {
          statusCode: 400,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: 'Bad request: the HTTP request could not be read.' }),
        };
      }
      const response = await app(request, { signal, requestId: context.awsRequestId });
      return toFunctionUrlResult(response);
    });
}

/** The parts of Lambda's `awslambda` runtime global that response streaming uses. */
export interface StreamingRuntime {
  streamifyResponse(
    handler: (
      event: LambdaFunctionURLEvent,
      stream: NodeJS.WritableStream,
      context: Context
    ) => Promise<void>
  ): unknown;
  HttpResponseStream: {
    from(
      stream: NodeJS.WritableStream,
      metadata: { statusCode: number; headers: Record<string, string>; cookies?: string[] }
    ): NodeJS.WritableStream;
  };
}

/**
 * The same handler for a Function URL in `RESPONSE_STREAM` invoke mode. Every answer is one JSON
 * body, so it is computed exactly as in buffered mode and written in one piece; streaming only
 * lifts the 6 MB buffered response limit. Returns `undefined` outside the Lambda runtime, which
 * is the only place `awslambda` exists.
 *
 * @example
 * export const streamingHandler = createStreamingHandler(handler, globalThis.awslambda);
 */
export function createStreamingHandler(
  buffered: (event: LambdaFunctionURLEvent, context: Context) => Promise<FunctionUrlResult>,
  runtime: Partial<StreamingRuntime> | undefined
): unknown {
  // Libraries (e.g. Powertools' invoke store) create a partial `awslambda` outside Lambda too.
  const { streamifyResponse, HttpResponseStream } = runtime ?? {};
  if (typeof streamifyResponse !== 'function' || !HttpResponseStream) return undefined;
  return streamifyResponse.call(runtime, async (event, responseStream, context) => {
    const result = await buffered(event, context);
    const stream = HttpResponseStream.from(responseStream, {
      statusCode: result.statusCode ?? 200,
      headers: Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)])
      ),
      ...(result.cookies?.length ? { cookies: result.cookies } : {}),
    });
    const body = result.body ?? '';
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body, () => resolve());
    });
  });
}
