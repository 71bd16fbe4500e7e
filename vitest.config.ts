import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["spec/**/*.test.ts", "integration_tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
