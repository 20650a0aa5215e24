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
    .use(injectLambdaContext(logger, { resetKeys: true }))
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
