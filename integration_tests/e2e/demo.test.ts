// `npm start`'s demo (build/integration_tests/demo/demo.js): check, discover and two incremental
// reads against the demo tenant; a summary on stdout, progress on stderr, every message on file.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "../acceptance/acceptance.js"
import { parseMessage } from "../support/protocol.js"

describe("npm start (the demo)", () => {
  it("runs check, discover and two incremental reads, and reports them", () => {
    const out = mkdtempSync(join(tmpdir(), "source-enterpret-demo-"))
    try {
      const run = spawnSync(process.execPath, [join(repoRoot(), "build", "integration_tests", "demo", "demo.js")], {
        env: { ...process.env, SOURCE_ENTERPRET_DEMO_OUTPUT: out },
        encoding: "utf8",
        timeout: 110_000
      })
      expect(run.status, run.stderr).toBe(0)
      // Progress on stderr while it runs; the summary on stdout.
      for (const phase of ["check: SUCCEEDED", "discover: 11 streams", "read 1: done", "new data:", "read 2: done"])
        expect(run.stderr).toContain(phase)
      expect(run.stdout).toMatch(/^streams: +11$/m)
      expect(run.stdout).toMatch(/^records: +\d+ in read 1, 40 in read 2 \(25 new \+ 10 updated feedback records, 5 new NPS responses\)$/m)
      expect(run.stdout).toMatch(/^checkpoints: +\d+ in read 1, \d+ in read 2$/m)
      expect(run.stdout).toMatch(/^time: +check [\d.]+ s, discover [\d.]+ s, read 1 [\d.]+ s, read 2 [\d.]+ s; total [\d.]+ s$/m)
      expect(run.stdout).toMatch(/^feedback_record +\d+ +35$/m)

      // Every Airbyte message of the four commands, in order, valid against the protocol.
      const messages = readFileSync(join(out, "messages.jsonl"), "utf8").trim().split("\n").map(parseMessage)
      expect(messages[0]!.type).toBe("CONNECTION_STATUS")
      expect(messages.filter((m) => m.type === "CATALOG")).toHaveLength(1)
      const records = messages.filter((m) => m.type === "RECORD")
      const first = Number(/^records: +(\d+) in read 1/m.exec(run.stdout)![1])
      expect(records).toHaveLength(first + 40)
      expect(first).toBeGreaterThan(1000)
      const state = JSON.parse(readFileSync(join(out, "state.json"), "utf8")) as unknown[]
      expect(state).toHaveLength(11)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)
})
