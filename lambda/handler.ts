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

const app = createApp(dependencies);

/** The Lambda entry point for a Function URL in BUFFERED invoke mode (payload 2.0). */
export const handler = createHandler(app);

/**
 * The entry point for RESPONSE_STREAM invoke mode (progress streams as the agent works); defined
 * only inside the Lambda runtime, or where a stand-in `awslambda` was installed (`npm start`).
 */
export const streamingHandler = createStreamingHandler(
  app,
  (globalThis as { awslambda?: Partial<StreamingRuntime> }).awslambda
);
