import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Test files run in child processes; each broker gets its own worker thread inside them.
    // Two cores: at most two files at once, so timing-sensitive broker tests are not starved.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
