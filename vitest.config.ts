import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "circuits/**/*.test.ts",
      "compiler/**/*.test.ts",
      "simulator/**/*.test.ts",
      "packages/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 120_000,
    globalSetup: ["test/setup-build.ts"],
    setupFiles: ["test/support/fast-check-seed.ts"],
    pool: "forks",
  },
});
