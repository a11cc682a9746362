import { defineConfig } from 'vitest/config';

// Two projects. `unit`: specs beside the code (*.spec.ts; *.spec.mjs for the set-up scripts) that need no Docker engine, no Incus and
// no browser (`npm run test:unit`, seconds). `integration`: test/*.test.ts against real sandboxes,
// the lab services and Chromium. Integration files share one host, so files run one at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'engine/**/*.spec.ts',
            'sandbox-server/**/*.spec.ts',
            'site/**/*.spec.ts',
            'lessons/**/*.spec.ts',
            'scripts/**/*.spec.mjs',
          ],
          exclude: ['node_modules', 'site/dist'],
          env: { DOCKYARD_LOG_LEVEL: 'error' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
