/**
 * Test tiers as vitest projects, each runnable on its own
 * (`npx vitest run --project unit`):
 *
 * - unit: the pure core, the handlers over in-memory fakes, the CLI, the permission check;
 * - cdk: the stack, synthesized (one test bundles for real);
 * - model: the lifecycle against a model (HERALD_MODEL_RUNS for longer runs);
 * - e2e: the local stack on real emulators;
 * - browser: pages and emails in Debian's Chromium (playwright-core, axe).
 *
 * `npm test` runs them all with the coverage report and its floors on core/ and
 * functions/ (`.ci/run` prints the floor; a run under it fails); `npm run
 * test:fast` runs them without coverage.
 */
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  // Tests run on Node 20 on purpose (the Lambdas run newer); the SDK's upgrade notice is noise here.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

export default defineConfig({
  test: {
    // Much of the suite waits on child processes, emulators and a browser, so two files at
    // once keep two cores busy. Vitest's default (cores - 1) ran one file at a time on the
    // 2-core CI machine: 657 s, against 509 s with two.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: [
            'test/core/**/*.test.ts',
            'test/functions/**/*.test.ts',
            'test/cli/**/*.test.ts',
            'test/local/**/*.test.ts',
            'test/iam/**/*.test.ts',
          ],
        },
      },
      { test: { ...shared, name: 'cdk', include: ['test/cdk/**/*.test.ts'] } },
      { test: { ...shared, name: 'model', include: ['test/model/**/*.test.ts'] } },
      // Real emulators and child processes: slower, and slower still on a loaded machine.
      {
        test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000 },
      },
      { test: { ...shared, name: 'browser', include: ['test/browser/**/*.test.ts'] } },
    ],
    coverage: {
      provider: 'v8',
      include: ['core/**/*.ts', 'functions/**/*.ts'],
      reporter: ['text-summary', 'text'],
      // The floor CI enforces (measured, then rounded down; raise it as tests grow).
      thresholds: {
        'core/**/*.ts': { lines: 90, functions: 90, branches: 80, statements: 90 },
        'functions/**/*.ts': { lines: 85, functions: 85, branches: 75, statements: 85 },
      },
    },
  },
});
