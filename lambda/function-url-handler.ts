import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import type { App } from './app.js';
import { type FunctionUrlResult, toFunctionUrlResult, toWebRequest } from './http/function-url.js';
import { isEventStream } from './http/rules.js';
import { logger } from './logger.js';

/** Time kept back from the invocation's limit to convert and return the answer. */
const RESPONSE_MARGIN_MS = 1_500;

/** Powertools' logger context per invocation; never the event, which carries tokens and text. */
const loggerContext = () =>
  // logEvent stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry bearer
  // tokens and message text.
  injectLambdaContext(logger, { resetKeys: true, logEvent: false });

/** Runs the app for one Function URL event, inside the invocation's time. */
async function answer(
  app: App,
  event: LambdaFunctionURLEvent,
  context: Context,
  waitUntil?: (work: Promise<unknown>) => void
): Promise<Response> {
  const remainingMs = context.getRemainingTimeInMillis?.() ?? 60_000;
  const signal = AbortSignal.timeout(Math.max(1_000, remainingMs - RESPONSE_MARGIN_MS));
  let request: Request;
  try {
    request = toWebRequest(event);
  } catch {
    return Response.json(
      { error: 'Bad request: the HTTP request could not be read.' },
      { status: 400 }
    );
  }
  return app(request, {
    signal,
    requestId: context.awsRequestId,
    ...(waitUntil ? { waitUntil } : {}),
  });
}

/**
 * Wraps the web application as a Function URL (payload 2.0) Lambda handler in `BUFFERED` invoke
 * mode: event -> `Request`, app, `Response` -> result. Every answer is one body. Holds no state of
 * its own.
 *
 * @example
 * export const handler = createHandler(createApp(dependencies));
 */
export function createHandler(app: App) {
  return middy<LambdaFunctionURLEvent, FunctionUrlResult, Error, Context>()
    .use(loggerContext())
    .handler(async (event, context) => toFunctionUrlResult(await answer(app, event, context)));
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

/** What the streaming entry hands its middy chain: the event and the stream to answer on. */
interface StreamedInvocation {
  readonly event: LambdaFunctionURLEvent;
  readonly responseStream: NodeJS.WritableStream;
}

/**
 * The handler for a Function URL in `RESPONSE_STREAM` invoke mode (`awslambda.streamifyResponse`):
 * the app's `Response` body is piped to the client as it is produced, with back-pressure, so a
 * tool call asking for progress gets each `notifications/progress` event while the agent works.
 * JSON answers are the same bytes as in buffered mode. The invocation lasts until the turn behind
 * a streamed answer has recorded its outcome, also when the client hung up mid-stream, so no turn
 * is frozen holding its lease. Returns `undefined` outside the Lambda runtime, which is the only
 * place `awslambda` exists (`npm start` installs a stand-in).
 *
 * @example
 * export const streamingHandler = createStreamingHandler(app, globalThis.awslambda);
 */
export function createStreamingHandler(
  app: App,
  runtime: Partial<StreamingRuntime> | undefined
): unknown {
  // Libraries (e.g. Powertools' invoke store) create a partial `awslambda` outside Lambda too.
  const { streamifyResponse, HttpResponseStream } = runtime ?? {};
  if (typeof streamifyResponse !== 'function' || !HttpResponseStream) return undefined;
  const invoke = middy<StreamedInvocation, void, Error, Context>()
    .use(loggerContext())
    .handler(async ({ event, responseStream }, context) => {
      const pending: Promise<unknown>[] = [];
      try {
        const response = await answer(app, event, context, (work) => pending.push(work));
        const stream = HttpResponseStream.from(responseStream, streamMetadata(response));
        await writeBody(response, stream);
      } finally {
        await Promise.allSettled(pending);
      }
    });
  return streamifyResponse.call(runtime, (event, responseStream, context) =>
    invoke({ event, responseStream }, context)
  );
}

function streamMetadata(response: Response) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  return { statusCode: response.status, headers, ...(cookies.length > 0 ? { cookies } : {}) };
}

/**
 * Pipes an event stream as it comes; a client that hangs up ends the copy, not the work behind
 * it. Any other answer (JSON, 401, 404…) is complete already and goes in one write, as in
 * buffered mode.
 */
async function writeBody(response: Response, stream: NodeJS.WritableStream): Promise<void> {
  if (!response.body || !isEventStream(response)) {
    const body = Buffer.from(await response.arrayBuffer());
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(body, () => resolve());
    });
    return;
  }
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), stream);
  } catch (err) {
    logger.info('the client stopped reading the response', { error: (err as Error).name });
  }
}
