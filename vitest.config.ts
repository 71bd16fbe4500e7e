import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * The end-to-end files first (longest first once vitest has timed them, larger first before):
 * they are the long ones, 5-30 s each against under 2 s for almost every other file, and started
 * last they would leave one worker busy alone at the end.
 */
class EndToEndFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const sorted = await super.sort(files)
    const e2e = (file: TestSpecification) => file.moduleId.replaceAll("\\", "/").includes("/integration_tests/e2e/")
    return [...sorted.filter(e2e), ...sorted.filter((file) => !e2e(file))]
  }
}

export default defineConfig({
  test: {
    include: ["spec/**/*.test.ts", "integration_tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest runs one file at a time on two cores (cores - 1). The end-to-end files spend much of
    // their time waiting (one-second minutes of the rate limits, Retry-After, the emulator's
    // delays) while their CLI runs in a child process, so two at once keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: EndToEndFirst }
  }
})
