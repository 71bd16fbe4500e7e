// The stream reader on adaptive windows, in process (fake API and file host, see syncHarness):
// what cursor.ts plans is what is asked for, a paged first page is split before any download,
// every record comes once, and checkpoints follow at least every 3 export requests.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { ApiAuthError } from "../src/enterpret/errors.js"
import { HOUR_MS } from "../src/config/hours.js"
import { readStream } from "../src/sync/streamReader.js"
import { csvFile, type FakeFile, idsOf, makeHarness, T0, underTestClock } from "./support/syncHarness.js"

const DAYS = 40
const END = T0 + DAYS * 24 * HOUR_MS
/** Quiet for 20 days, then a file every hour: the growing windows meet a burst. */
const burst: ReadonlyArray<FakeFile> = Array.from({ length: 20 * 24 }, (_, h) =>
  csvFile("feedback", T0 + 20 * 24 * HOUR_MS + h * HOUR_MS, 2)
)

describe("readStream on adaptive windows", () => {
  it.effect("reads every record once, splits before downloading, and checkpoints within 3 export requests", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files: burst, filesPerPage: 4, settings: { windowHours: undefined, endMs: END } })
      const exit = yield* underTestClock(
        readStream({ name: "feedback", syncMode: "incremental" }, undefined, END).pipe(Effect.provide(h.layer))
      )
      expect(exit).toEqual(Exit.succeed("complete"))
      const ids = h.records("feedback").map((r) => r.record_id as string)
      expect(ids.sort()).toEqual(idsOf(burst).sort())
      // Each file was downloaded exactly once: split windows download nothing.
      expect(new Set(h.downloads.map((u) => u.split("?")[0])).size).toBe(burst.length)
      expect(h.downloads).toHaveLength(burst.length)
      // Windows tile [T0, END): the requests without a cursor start where the last one ended or repeat its start (a split).
      const firsts = h.exportRequests.filter((r) => r.cursor === undefined)
      expect(firsts[0]!.startMs).toBe(T0)
      expect(firsts.length).toBeGreaterThan(new Set(firsts.map((r) => r.startMs)).size) // some window was split
      // A request belongs to the first checkpoint past its start.
      const cursors = h.of("checkpoint").map((c) => Date.parse(c.cursor))
      expect(cursors.at(-1)).toBe(END)
      const counts = cursors.map(() => 0)
      for (const r of h.exportRequests) counts[cursors.findIndex((c) => c > r.startMs)]!++
      expect(Math.max(...counts)).toBeLessThanOrEqual(3)
      expect(h.of("checkpoint").reduce((n, c) => n + c.recordCount, 0)).toBe(ids.length)
    })
  )
})

describe("readStream over an absurd range (issue 15 point 8)", () => {
  it.effect("plans windows one at a time: from 100,000 years ago in hourly windows the first requests go out at once", () =>
    Effect.gen(function* () {
      // 0.1.0 built every window up front: from year 0 in hourly windows, 17.7 million objects
      // (1.8 GB, 2.8 s) before the first request; from here, 900 million, out of memory.
      // start_date refuses years before 2000 now; the engine must not depend on that.
      const yearZero = Date.UTC(-100_000, 0, 1)
      const stop = new ApiAuthError({ status: 401, message: "stop here" })
      const h = makeHarness({
        files: burst,
        settings: { startMs: yearZero, windowHours: 1, endMs: END },
        apiFault: (_, call) => (call >= 3 ? stop : undefined)
      })
      const exit = yield* underTestClock(
        readStream({ name: "feedback", syncMode: "incremental" }, undefined, END).pipe(Effect.provide(h.layer))
      )
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toEqual(Option.some(stop))
      expect(h.exportRequests.map((r) => r.endMs - r.startMs)).toEqual([HOUR_MS, HOUR_MS, HOUR_MS, HOUR_MS])
      expect(h.of("checkpoint")).toHaveLength(3)
    })
  )
})
