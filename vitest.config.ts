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

// SOURCE_ENTERPRET_LONG_TESTS=1 (set by .ci/run) runs the soak and bench tests' long forms
// (integration_tests/support/long.ts); without it `npm test` stays under 150 s on two cores.
export default defineConfig({
  test: {
    include: ["spec/**/*.test.ts", "integration_tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Vitest's default on two cores is one worker (cores - 1). The end-to-end files spend much of
    // their time waiting (one-second minutes of the rate limits, Retry-After, the emulator's
    // delays) while their CLI runs in a child process, so two at once keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    pool: "forks",
    setupFiles: ["spec/support/turnEventLoop.ts"],
    sequence: { sequencer: EndToEndFirst },
    // One process per worker, reused from file to file: a fresh process for each of 50-odd files
    // cost ~0.6 s of CPU apiece to start and to load effect again (spec/ and the emulator's tests:
    // 77 CPU s isolated, 43 s not). So no test file may leave process-wide state to the next:
    // spec/sharedWorkers.test.ts fails on vi.mock, vi.doMock, vi.stubEnv and vi.stubGlobal.
    poolOptions: { forks: { isolate: false } }
  }
})
