import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/dynamodb-local.ts'],
    setupFiles: ['test/setup/env.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
