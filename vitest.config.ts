import { defineConfig } from 'vitest/config';

/** Tests that take a shared broker away from everyone (an Artemis restart): alone, after all others. */
const SERIAL = 'test/**/*.serial.test.ts';

export default defineConfig({
  test: {
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Test files run in child processes; each broker gets its own worker thread inside them.
    // Two cores: at most two files at once, so timing-sensitive broker tests are not starved.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      // Each project names its files: `include` arrays would be merged with a root one.
      { extends: true, test: { name: 'salvo', include: ['test/**/*.test.ts'], exclude: [SERIAL, 'node_modules/**'] } },
      // groupOrder: the groups run one after the other, so no other file shares Artemis with these.
      {
        extends: true,
        test: { name: 'serial', include: [SERIAL], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
