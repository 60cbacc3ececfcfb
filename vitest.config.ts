import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files each start their own local stack; two cores, so keep the fan-out small.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // Validates every response the local stack gave against /openapi.json after the run (see the file).
    // Builds web/ into web/dist (the UI the local stack serves) first.
    globalSetup: ['./test/support/web-build.ts', './test/support/openapi-guard.ts'],
  },
});
