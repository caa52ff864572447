import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vitest/config";

/** Lua scripts are imported as their text, as wrangler bundles them (wrangler.jsonc, "rules"). */
const textModules: Plugin = {
  name: "text-modules",
  load: (id) => (id.endsWith(".lua") ? `export default ${JSON.stringify(readFileSync(id, "utf8"))};` : undefined),
};

/**
 * Builds the Worker (as `wrangler deploy` would) and checks redis-server: what the suites that run the
 * edge in workerd need. Unit tests (app.request() with fakes, pure functions) need neither.
 */
const globalSetup = ["test/support/global-setup.ts"];

export default defineConfig({
  plugins: [textModules],
  test: {
    // Worker logs show only for failing tests.
    silent: "passed-only",
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // The suites share one Redis (the same logical databases) and their ports: one file at a time.
          fileParallelism: false,
        },
      },
      {
        // npm run test:faults: origins, Redis, the edge itself and the platforms failing under load.
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          globalSetup,
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // npm run test:fuzz: hostile input, 10,000 cases per channel (FUZZ_RUNS to change).
        test: {
          name: "fuzz",
          include: ["test/fuzz/**/*.fuzz.ts"],
          globalSetup,
          testTimeout: 600_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Its own Redis databases (see test/e2e), so it runs beside the integration suites.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
