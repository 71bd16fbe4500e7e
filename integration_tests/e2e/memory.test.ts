// Issue #11, issue #20: what keeps `read`'s memory small and flat, held in the built CLI over real
// HTTP, with no V8 flag changed at run time. Two runs of the same read: bare (`npx
// source-enterpret`, `tap-enterpret`: no flag at all) and with the image's NODE_OPTIONS (read
// from the Dockerfile), which is where the one flag that pays its way is set.
// A probe loaded before the entry point (`node --import`) samples V8's heap spaces, the
// ArrayBuffers outside the heap and the RSS every 2 ms (and once more at exit) and reports the
// largest of each on stderr. These are sizes, not times; a slow or busy machine samples less
// often and can only miss a peak, never make one, so the test can pass wrongly but not fail wrongly.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { imageFacts } from "../acceptance/dockerfile.js"
import { type Emulator, isoMinutes, startEmulator } from "../emulator/index.js"
import { ofType, runCli, writeInputs } from "../support/cli.js"
import { catalogFor } from "../support/fixture.js"
import { expectReadInvariants } from "../support/invariants.js"

const MB = 1e6
const MiB = 1 << 20
const OBJECT = "memory_probe"
const FILES = 16
const BYTES = 40 * MB

const PROBE = `data:text/javascript,${encodeURIComponent(`
import { getHeapSpaceStatistics } from "node:v8"
import { writeSync } from "node:fs"
let newSpace = 0, arrayBuffers = 0, rss = 0
const sample = () => {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === "new_space") newSpace = Math.max(newSpace, s.space_size)
  const m = process.memoryUsage()
  arrayBuffers = Math.max(arrayBuffers, m.arrayBuffers)
  rss = Math.max(rss, m.rss)
}
setInterval(sample, 2).unref()
process.on("exit", () => { sample(); writeSync(2, "MEMORY " + JSON.stringify({ newSpace, arrayBuffers, rss }) + "\\n") })
`)}`

interface Peak {
  readonly newSpace: number
  readonly arrayBuffers: number
  readonly rss: number
}

let emulator: Emulator
let dir: string
beforeAll(async () => {
  // Generated for this test alone and removed after it (40 MB).
  dir = mkdtempSync(join(tmpdir(), "source-enterpret-e2e-memory-"))
  emulator = await startEmulator({
    seed: "memory",
    now: "2025-12-15T10:30Z",
    urlTtlSeconds: 3600,
    rateLimits: { exportPerMinute: 600, objectsPerMinute: 600 },
    bench: { dir, objects: [{ id: OBJECT, kind: "feedback", bytes: BYTES, files: FILES }] }
  })
}, 120_000)
afterAll(async () => {
  await emulator?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const readMeasured = async (env: Record<string, string>): Promise<Peak> => {
  const end = emulator.dataSpan.end.getTime()
  const inputs = writeInputs({
    config: {
      api_token: emulator.token,
      base_url: emulator.baseUrl,
      start_date: isoMinutes(end - 3_600_000),
      end_date: isoMinutes(end),
      window_hours: 1,
      export_requests_per_minute: 600,
      objects: [OBJECT]
    },
    catalog: catalogFor([OBJECT], "full_refresh")
  })
  const run = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!], {
    nodeArgs: ["--import", PROBE],
    env,
    timeoutMs: 120_000
  })
  expect(run.code, run.stderr).toBe(0)
  expectReadInvariants(run.messages)
  expect(ofType(run.messages, "RECORD").length).toBeGreaterThan(40_000)
  // Nothing but the probe's line on stderr: no V8 complaint about a flag, no warning.
  const lines = run.stderr.split("\n").filter((l) => l !== "")
  expect(
    lines.filter((l) => !l.startsWith("MEMORY ")),
    run.stderr
  ).toEqual([])
  return JSON.parse(lines.find((l) => l.startsWith("MEMORY "))!.slice("MEMORY ".length)) as Peak
}

describe("read's memory (issues 11 and 20)", () => {
  it(`bare, as npx and tap-enterpret run it: ${BYTES / MB} MB in ${FILES} files stay bounded without any flag`, async () => {
    const peak = await readMeasured({ NODE_OPTIONS: "" })
    expect(emulator.benchFiles()).toHaveLength(FILES)
    // Unflagged, V8 lets the young generation grow (to 32 MB on Node 20, 128 MB on Node 24) and
    // frees spent socket buffers only when it collects the objects that hold them, so the bound
    // is looser than the image's. Measured 2026-12-03 on this read: peak RSS 111 MiB on Node 20 and
    // on Node 24, ArrayBuffers 31 and 19 MiB (on 100 MB in 5 files: 109 and 150-160 MiB of RSS).
    expect(peak.arrayBuffers, JSON.stringify(peak)).toBeLessThanOrEqual(96 * MiB)
    expect(peak.rss, JSON.stringify(peak)).toBeLessThanOrEqual(256 * MiB)
  }, 120_000)

  it("with the image's NODE_OPTIONS: the young generation held to a few MiB, spent buffers freed as it goes", async () => {
    const nodeOptions = imageFacts().env.NODE_OPTIONS
    expect(nodeOptions).toContain("--max-semi-space-size=1")
    const peak = await readMeasured({ NODE_OPTIONS: nodeOptions! })
    // The flag caps each semi-space at 1 MiB. What V8 reports as new space's size around that cap
    // depends on the machine: 2 MiB here, 2.5 MiB on the CI machine on the same Node 24.21.0
    // (2026-12-03). Unflagged, it grows to 16 MiB on this read (Node 20 and 24), so 4 MiB still tells the two apart.
    expect(peak.newSpace, JSON.stringify(peak)).toBeLessThanOrEqual(4 * MiB)
    // Socket buffers freed at each scavenge, output buffers handed from file to file, the
    // writer's batches: 10-16 MiB at any time, whatever the size of the read. Measured 2026-12-03
    // on this read: peak RSS 79 MiB on Node 20, 103 MiB on Node 24.
    expect(peak.arrayBuffers, JSON.stringify(peak)).toBeLessThanOrEqual(24 * MiB)
    expect(peak.rss, JSON.stringify(peak)).toBeLessThanOrEqual(150 * MiB)
  }, 120_000)
})
