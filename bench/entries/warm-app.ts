/**
 * Bundle entry for the warm-overhead benchmark: the production composition root, bundled with the
 * stack's esbuild options, so the timed code is byte-for-byte what Lambda runs. The benchmark wires
 * it to an in-process Salesforce stand-in and the in-memory store.
 */
export { createApp } from '../../lambda/app.js';
export { loadConfig } from '../../lambda/config.js';
export { createDependencies } from '../../lambda/dependencies.js';
export { createHandler } from '../../lambda/function-url-handler.js';
export { MemorySessionStore } from '../../lambda/state/memory-session-store.js';
