// Vitest runs the test files in worker processes reused from file to file (vitest.config.ts:
// isolate false), so a file must not leave process-wide state behind: a module swapped by vi.mock
// stays swapped for every later file of that worker, and so do stubbed globals and variables.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const testFiles = (dir: string): Array<string> =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => join(dir, name))

// Built from parts, so that this file does not name them itself.
const FORBIDDEN = ["mock", "doMock", "stubEnv", "stubGlobal"].map((name) => `vi.${name}(`)

describe("test files in shared worker processes", () => {
  it("swap no module and stub no global or environment variable (give such a file an isolated vitest project)", () => {
    const files = [...testFiles("spec"), ...testFiles("integration_tests")]
    expect(files.length).toBeGreaterThan(40)
    const offenders = files.flatMap((file) => {
      const text = readFileSync(join(ROOT, file), "utf8")
      return FORBIDDEN.filter((call) => text.includes(call)).map((call) => `${file}: ${call}`)
    })
    expect(offenders).toEqual([])
  })
})
