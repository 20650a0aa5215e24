import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createDependencies } from './dependencies.js';
import { createHandler } from './function-url-handler.js';

// Module scope = once per container: config parsing, AWS clients, token and secret caches.
// A bad configuration fails the cold start with the variable's name.
const dependencies = createDependencies(loadConfig(process.env));

/** The Lambda entry point (Function URL, payload 2.0). */
export const handler = createHandler(createApp(dependencies));
