import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "data/**"],
    pool: "forks",
    // Two test files at a time (Vitest's default on 2 cores is one): every file builds its own world
    // (database, DATA_DIR, store service, free ports), and no test measures itself against the clock.
    maxWorkers: 2,
    testTimeout: 120_000,
    // A file's world (generate, load, a full ETL, a report) takes minutes when two files run beside other work.
    hookTimeout: 300_000,
  },
});
