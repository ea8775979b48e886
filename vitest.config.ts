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
    // The CLIs the tests run are `node --import tsx`, many at once: tsx's shared disk cache can
    // hand one process a module another is still writing (privatenumber/tsx; seen as a CLI that
    // exited 1 before doing anything). Each process keeps its own cache in memory instead.
    env: { TSX_DISABLE_CACHE: "1" },
    hookTimeout: 180_000,
  },
});
