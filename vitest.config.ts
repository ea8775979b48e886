import { defineConfig } from "vitest/config";

// Tests run in Node and drive the real worker in workerd through Miniflare (see test/worker.ts).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "tools/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    // Generous: tests wait on conditions, and must pass with a second `npm test` running beside them.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
