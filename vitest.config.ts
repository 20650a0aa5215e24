import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/dynamodb-local.ts'],
    setupFiles: ['test/setup/env.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['lambda/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportOnFailure: true,
      // `npm test` fails below these: the level `lambda/` had when they were set. Raise, never lower.
      thresholds: { lines: 97, branches: 90 },
    },
  },
});
