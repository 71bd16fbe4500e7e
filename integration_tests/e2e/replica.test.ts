// Issue 19's time-to-replica tenant in miniature, over real HTTP: the five objects of 60 days with
// tiny files, the export quota at its default 10 requests a "minute" scaled to 400 ms on both
// sides. What is held is counts, not times: a first sync's export requests against their floor
// (one whole-range window per object), no 429 provoked, every record exactly once, every file
// downloaded once, a checkpoint within 3 export requests. The timed form is `npm run bench`'s
// time-to-replica row.
import { afterAll, beforeAll, expect, it } from "vitest"
import { type Emulator, isoMinutes, startEmulator } from "../emulator/index.js"
import { ofType } from "../support/cli.js"
import { catalogFor, configFor } from "../support/fixture.js"
import { expectReadInvariants, stateOf } from "../support/invariants.js"
import { duplicates, read, traceErrors } from "../support/reads.js"

const MINUTE_MS = 400
let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator({
    seed: "replica",
    tenant: "replica",
    now: "2025-12-15T06:30:00Z",
    replicaFileBytes: 300,
    rateLimits: { exportPerMinute: 10, objectsPerMinute: 60, minuteMs: MINUTE_MS }
  })
})
afterAll(() => emulator.close())

it(
  "a first sync of the replica tenant: export requests within 1.25x the floor, no 429, every record and file once",
  { timeout: 120_000 },
  async () => {
    const streams = emulator.objects().map((o) => o.id)
    const start = emulator.dataSpan.start.getTime()
    const end = emulator.dataSpan.end.getTime()
    const replica = emulator.replica!
    const files = new Map(streams.map((s) => [s, replica.fileHours(s, start, end).length]))
    expect([...files.values()]).toEqual([1440, 1440, 240, 3, 0])
    const floor = [...files.values()].reduce((n, f) => n + Math.max(1, Math.ceil(f / emulator.filesPerPage)), 0)
    expect(floor).toBe(132)

    const config = configFor(emulator, { start_date: isoMinutes(start), end_date: isoMinutes(end), export_requests_per_minute: 10 })
    const run = await read(
      { config, catalog: catalogFor(streams) },
      { env: { SOURCE_ENTERPRET_RATE_WINDOW_MS: String(MINUTE_MS) }, timeoutMs: 110_000 }
    )
    expect(run.code, run.stderr).toBe(0)
    expectReadInvariants(run.messages)
    expect(traceErrors(run.messages)).toEqual([])
    expect(duplicates(run.messages)).toEqual([])

    const exports = emulator.requestLog.filter((e) => e.listener === "api" && e.path.endsWith("/external/v2/export"))
    expect(exports.filter((e) => e.status === 429)).toEqual([])
    console.info(`replica tenant: ${exports.length} export requests, floor ${floor}`)
    expect(exports.length).toBeLessThanOrEqual(1.25 * floor)

    const records = ofType(run.messages, "RECORD")
    for (const stream of streams) {
      const of = records.filter((m) => (m.record as { stream: string }).stream === stream)
      expect(of, stream).toHaveLength(files.get(stream)! * replica.rowsPerFile)
    }
    const gets = emulator.requestLog.filter((e) => e.listener === "storage" && e.method === "GET")
    expect(new Set(gets.map((g) => g.path)).size).toBe(gets.length)
    expect(gets).toHaveLength([...files.values()].reduce((n, f) => n + f, 0))

    // A request belongs to the first checkpoint of its stream past its startTime.
    const states = ofType(run.messages, "STATE").map(stateOf)
    for (const stream of streams) {
      const cursors = states.filter((s) => s.stream === stream).map((s) => Date.parse(s.cursor))
      const counts = cursors.map(() => 0)
      for (const e of exports.filter((x) => (x.body as { objectID: string }).objectID === stream)) {
        const index = cursors.findIndex((c) => c > Date.parse((e.body as { startTime: string }).startTime))
        expect(index, stream).toBeGreaterThanOrEqual(0)
        counts[index]!++
      }
      expect(Math.max(...counts), stream).toBeLessThanOrEqual(3)
    }
  }
)
