/**
 * "Server C" of `npm run test:interop`: `local/server.ts` (same HTTP edge, same app, same
 * DynamoDB Local and simulator) with the conformance suite's fixture tools registered next to the
 * real ones (conformance-fixtures.ts), so fixture scenarios test our edge and transport for real.
 * Test-only: nothing in `lambda/` imports it or the fixtures.
 */
import { createApp } from '../../lambda/app.js';
import { loadConfig } from '../../lambda/config.js';
import { createDependencies } from '../../lambda/dependencies.js';
import {
  createHandler,
  createStreamingHandler,
  type StreamingRuntime,
} from '../../lambda/function-url-handler.js';
import { TOOLS } from '../../lambda/mcp/tools/index.js';
import { exitWithError, serveLocally } from '../../local/server.js';
import type { StreamingHandler } from '../../local/streaming-runtime.js';
import { FIXTURE_TOOLS } from './conformance-fixtures.js';

serveLocally({
  // Called once the local backends have set the environment, as lambda/handler.ts would be loaded.
  loadHandler: async () => {
    const app = createApp({
      ...createDependencies(loadConfig(process.env)),
      tools: [...TOOLS, ...FIXTURE_TOOLS],
    });
    return {
      handler: createHandler(app),
      streamingHandler: createStreamingHandler(
        app,
        (globalThis as { awslambda?: Partial<StreamingRuntime> }).awslambda
      ) as StreamingHandler,
    };
  },
}).catch(exitWithError);
