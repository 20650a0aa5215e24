import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the fast files (`*.test.ts`, also part of `npm test`) plus the slow
 * ones (`*.reliability.ts`, only here). One file at a time: the load scenarios measure latency and
 * must not compete with each other for the CPU.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/reliability/**/*.test.ts', 'test/reliability/**/*.reliability.ts'],
    globalSetup: ['test/setup/dynamodb-local.ts'],
    setupFiles: ['test/setup/env.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
