import { defineConfig } from 'vitest/config';

// Unit specs sit beside the code (*.spec.ts); integration and browser tests live in test/.
// Integration tests share one Docker engine and one server, so files run one at a time.
export default defineConfig({
  test: {
    include: ['engine/**/*.spec.ts', 'sandbox-server/**/*.spec.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'site/dist'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
