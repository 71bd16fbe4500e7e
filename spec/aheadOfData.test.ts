// Issue 22: state never runs ahead of the data. No cursor past the present or the read's end, a
// start_date in the future writes no state, and the hour that has just closed waits
// settle_minutes before it is exported.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, TestClock } from "effect"
import { HOUR_MS } from "../src/config/hours.js"
import { readStreams } from "../src/sync/read.js"
import { csvFile, makeHarness, NOW } from "./support/syncHarness.js"

const at = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`
const feedback = [{ name: "feedback", syncMode: "incremental" as const }]

/** readStreams under the TestClock set to `nowMs`, waits passing at once. */
const readAt = (nowMs: number, h: ReturnType<typeof makeHarness>, saved?: number) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(nowMs)
    const fiber = yield* Effect.fork(
      readStreams(feedback, new Map(saved === undefined ? [] : [["feedback", saved]])).pipe(Effect.provide(h.layer))
    )
    yield* TestClock.adjust(Duration.days(1))
    return yield* Fiber.await(fiber)
  })

describe("the hour that has just closed waits settle_minutes (issue 22)", () => {
  const files = [csvFile("feedback", NOW - 2 * HOUR_MS, 3), csvFile("feedback", NOW - 1 * HOUR_MS, 4)]
  const settings = { startMs: NOW - 24 * HOUR_MS, endMs: undefined, settleMs: 15 * 60_000 }

  it.effect("a sync a second after the hour leaves it for the next; the next reads it whole", () =>
    Effect.gen(function* () {
      const first = makeHarness({ files, settings })
      expect(yield* readAt(NOW + 1_000, first)).toEqual(Exit.succeed([]))
      expect(first.records()).toHaveLength(3)
      expect(first.exportRequests.map((r) => at(r.endMs))).toEqual([at(NOW - HOUR_MS)])
      const cursor = first.of("checkpoint").at(-1)!.cursor
      expect(cursor).toBe(at(NOW - HOUR_MS))

      const second = makeHarness({ files, settings })
      expect(yield* readAt(NOW + 15 * 60_000, second, Date.parse(cursor))).toEqual(Exit.succeed([]))
      expect(second.records()).toHaveLength(4)
      expect(second.of("checkpoint").at(-1)!.cursor).toBe(at(NOW))
    })
  )

  it.effect("settle_minutes 0 exports the hour as soon as it has ended", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files, settings: { ...settings, settleMs: 0 } })
      expect(yield* readAt(NOW + 1_000, h)).toEqual(Exit.succeed([]))
      expect(h.records()).toHaveLength(7)
      expect(h.of("checkpoint").at(-1)!.cursor).toBe(at(NOW))
    })
  )
})

describe("state never runs ahead of the data (issue 22)", () => {
  it.effect("a start_date in the future exports nothing, writes no state, and says so", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: [csvFile("feedback", NOW - 2 * HOUR_MS, 3)],
        settings: { startMs: NOW + 24 * HOUR_MS, endMs: undefined, settleMs: 0 }
      })
      expect(yield* readAt(NOW + 1_000, h)).toEqual(Exit.succeed([]))
      expect(h.exportRequests).toEqual([])
      expect(h.of("checkpoint")).toEqual([])
      expect(h.of("warn").map((w) => w.message)).toEqual([
        `start_date (${at(NOW + 24 * HOUR_MS)}) is not before this read's end (${at(NOW)}: end_date, or the newest hour settled): nothing is exported and no state is written, so that a corrected start_date later loses nothing.`
      ])
      expect(h.of("ended")).toEqual([{ kind: "ended", stream: "feedback", complete: true }])
    })
  )

  it.effect("a saved cursor in the future is set back to the read's end, with a warning", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: [csvFile("feedback", NOW - 2 * HOUR_MS, 3)],
        settings: { startMs: NOW - 24 * HOUR_MS, endMs: undefined, settleMs: 0 }
      })
      const future = NOW + 400 * 24 * HOUR_MS
      expect(yield* readAt(NOW + 1_000, h, future)).toEqual(Exit.succeed([]))
      expect(h.records()).toEqual([])
      expect(h.of("checkpoint")).toEqual([{ kind: "checkpoint", stream: "feedback", cursor: at(NOW), recordCount: 0 }])
      expect(h.of("warn")[0]!.message).toMatch(new RegExp(`^its state \\(${at(future)}\\) lies past this read's end \\(${at(NOW)}`))
    })
  )
})
