import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createDependencies } from './dependencies.js';
import {
  createHandler,
  createStreamingHandler,
  type StreamingRuntime,
} from './function-url-handler.js';

// Module scope = once per container: config parsing, AWS clients, token and secret caches.
// A bad configuration fails the cold start with the variable's name.
const dependencies = createDependencies(loadConfig(process.env));

/** The Lambda entry point for a Function URL in BUFFERED invoke mode (payload 2.0). */
export const handler = createHandler(createApp(dependencies));

/** The entry point for RESPONSE_STREAM invoke mode; defined only inside the Lambda runtime. */
export const streamingHandler = createStreamingHandler(
  handler,
  (globalThis as { awslambda?: Partial<StreamingRuntime> }).awslambda
);
