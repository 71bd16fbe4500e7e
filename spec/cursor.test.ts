import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { HOUR_MS } from "../src/config/hours.js"
import {
  type Checkpoint,
  type Cursor,
  type CursorOptions,
  decodeStreamState,
  encodeStreamState,
  estimateTotals,
  type ExportWindow,
  cursorNotices,
  finishRead,
  INITIAL_WINDOW_HOURS,
  MAX_REQUESTS_WITHOUT_CHECKPOINT,
  nextWindow,
  nextWindowHours,
  pageListed,
  startCursor,
  startTally,
  syncEnd,
  syncStart,
  windowEmitted
} from "../src/sync/cursor.js"

const t = (iso: string) => Date.parse(iso)
const iso = (ms: number) => new Date(ms).toISOString()
const show = (windows: ReadonlyArray<ExportWindow>) => windows.map((w) => `${iso(w.startMs)} -> ${iso(w.endMs)}`)

/**
 * A simulated export endpoint: files at the given hours (epoch ms, several per hour allowed),
 * `pageFiles` URLs a page, one record per file. Drives a cursor to the end the way the stream
 * reader does (page by page: read on, split or listed; then emitted and checkpointed) and
 * records every request, window read, split and checkpoint.
 */
interface Run {
  readonly windows: Array<ExportWindow>
  readonly splits: Array<ExportWindow>
  readonly checkpoints: Array<Checkpoint>
  /** export requests between consecutive checkpoints (and before the first) */
  readonly requestsBetween: Array<number>
  requests: number
  /** pages listed and then dropped by a split */
  wasted: number
  /** pages held (not to be downloaded) until the next page of their window was listed */
  holds: number
  readonly estimates: Array<number>
}

const simulate = (options: CursorOptions, fileHours: ReadonlyArray<number>, pageFiles: number): Run => {
  const filesIn = (w: ExportWindow) => fileHours.filter((h) => h >= w.startMs && h < w.endMs).length
  let cursor: Cursor = startCursor(options)
  let tally = startTally(options)
  const run: Run = { windows: [], splits: [], checkpoints: [], requestsBetween: [], requests: 0, wasted: 0, holds: 0, estimates: [] }
  let since = 0
  let records = 0
  for (let window = nextWindow(cursor), guard = 0; window !== undefined; window = nextWindow(cursor), guard++) {
    if (guard > 100_000) throw new Error("the cursor does not progress")
    const files = filesIn(window)
    let listed = 0
    let pages = 0
    for (;;) {
      const onPage = Math.min(pageFiles, files - listed)
      listed += onPage
      pages++
      run.requests++
      since++
      const step = pageListed(cursor, window, { pages, pageFiles: onPage, files: listed, more: listed < files })
      cursor = step.cursor
      if (step._tag === "NextPage") {
        if (step.hold) run.holds++
        continue
      }
      if (step._tag === "Split") {
        run.splits.push(window)
        run.wasted += pages
        break
      }
      run.windows.push(window)
      records += files
      const emitted = windowEmitted(tally, window, files)
      tally = emitted.tally
      run.estimates.push(estimateTotals(tally, records, 0).records)
      expect(emitted.checkpoint !== undefined).toBe(step.checkpoint)
      if (emitted.checkpoint !== undefined) {
        run.checkpoints.push(emitted.checkpoint)
        run.requestsBetween.push(since)
        since = 0
      }
      break
    }
  }
  const last = finishRead(tally)
  if (last !== undefined) run.checkpoints.push(last)
  return run
}

const options = (overrides: Partial<CursorOptions> = {}): CursorOptions => ({
  startMs: t("2025-01-01T00:00:00Z"),
  endMs: t("2026-01-01T00:00:00Z"),
  savedMs: undefined,
  lookbackHours: 0,
  windowHours: undefined,
  syncMode: "incremental",
  ...overrides
})

/** One file a day at 02:00 over [from, to). */
const daily = (from: number, to: number) => {
  const hours: Array<number> = []
  for (let ms = from + 2 * HOUR_MS; ms < to; ms += 24 * HOUR_MS) hours.push(ms)
  return hours
}

describe("state value", () => {
  it("decodes the cursor of a stream's state and encodes it back the same", () => {
    expect(decodeStreamState({ _ab_export_window_end: "2025-12-13T00:00:00Z" })).toEqual({ cursorMs: t("2025-12-13T00:00:00Z") })
    expect(encodeStreamState(t("2025-12-13T00:00:00Z"))).toEqual({ _ab_export_window_end: "2025-12-13T00:00:00Z" })
  })

  it("reads an empty or missing blob as no state, and names the field of a bad one", () => {
    expect(decodeStreamState({})).toEqual({ cursorMs: undefined })
    expect(decodeStreamState(null)).toEqual({ cursorMs: undefined })
    expect(decodeStreamState({ _ab_export_window_end: "2025-12-13T00:30:00Z" })).toEqual({
      problem: '_ab_export_window_end must be a whole UTC hour like 2025-12-13T00:00:00Z, got "2025-12-13T00:30:00Z"'
    })
    // Another connector's state: no cursor at all.
    expect(decodeStreamState({ updated_at: "2025-12-13T00:00:00Z", id: 3 })).toEqual({
      problem: "_ab_export_window_end is missing (the state holds updated_at, id): not a state this connector wrote"
    })
  })
})

describe("fixed windows (window_hours set): exactly those of 0.1.0", () => {
  const fixed = (from: string, to: string, windowHours: number) =>
    simulate(options({ startMs: t(from), endMs: t(to), windowHours }), [], 10).windows

  it("splits a range into windows of window_hours, the last one ending exactly at the end", () => {
    expect(show(fixed("2025-12-12T00:00:00Z", "2025-12-13T05:00:00Z", 12))).toEqual([
      "2025-12-12T00:00:00.000Z -> 2025-12-12T12:00:00.000Z",
      "2025-12-12T12:00:00.000Z -> 2025-12-13T00:00:00.000Z",
      "2025-12-13T00:00:00.000Z -> 2025-12-13T05:00:00.000Z"
    ])
  })

  it("gives a single window when the range is shorter than window_hours", () => {
    expect(show(fixed("2025-12-12T00:00:00Z", "2025-12-12T03:00:00Z", 24))).toEqual([
      "2025-12-12T00:00:00.000Z -> 2025-12-12T03:00:00.000Z"
    ])
  })

  it("keeps every window as long, however many pages a window takes: no split", () => {
    const hours = Array.from({ length: 40 }, (_, i) => t("2025-12-12T00:00:00Z") + (i % 20) * HOUR_MS)
    const run = simulate(options({ startMs: t("2025-12-12T00:00:00Z"), endMs: t("2025-12-14T00:00:00Z"), windowHours: 24 }), hours, 2)
    expect(run.splits).toEqual([])
    expect(run.windows).toHaveLength(2)
    expect(run.requests).toBe(20 + 1)
  })

  it("gives no window for an empty or reversed range; ends with the saved cursor, never past the end, and without one writes none (issue 22)", () => {
    for (const [from, to] of [
      ["2025-12-12T00:00:00Z", "2025-12-12T00:00:00Z"],
      ["2025-12-13T00:00:00Z", "2025-12-12T00:00:00Z"]
    ] as const) {
      // A start_date in the future: no state that would hide the hours before it once corrected.
      const fresh = simulate(options({ startMs: t(from), endMs: t(to), windowHours: 24 }), [], 10)
      expect(fresh.windows).toEqual([])
      expect(fresh.checkpoints).toEqual([])
      // A saved cursor: the same one, or the read's end when it lies past it.
      const saved = simulate(options({ startMs: t(from), endMs: t(to), savedMs: t(from), windowHours: 24 }), [], 10)
      expect(saved.windows).toEqual([])
      expect(saved.checkpoints).toEqual([{ cursorMs: Math.min(t(from), t(to)), recordCount: 0 }])
    }
    const future = simulate(options({ savedMs: t("2030-01-01T00:00:00Z"), lookbackHours: 2, windowHours: 24 }), [], 10)
    expect(future.checkpoints).toEqual([{ cursorMs: t("2026-01-01T00:00:00Z"), recordCount: 0 }])
  })

  it("tells what it sets back or leaves unwritten (issue 22)", () => {
    expect(cursorNotices(options({ savedMs: t("2030-01-01T00:00:00Z") }))).toEqual([
      "its state (2030-01-01T00:00:00Z) lies past this read's end (2026-01-01T00:00:00Z: end_date, or the newest hour settled), which no read can have reached; it is set back to 2026-01-01T00:00:00Z, so the hours after it are read when they are due instead of never."
    ])
    expect(cursorNotices(options({ startMs: t("2027-01-02T00:00:00Z") }))).toEqual([
      "start_date (2027-01-02T00:00:00Z) is not before this read's end (2026-01-01T00:00:00Z: end_date, or the newest hour settled): nothing is exported and no state is written, so that a corrected start_date later loses nothing."
    ])
    expect(cursorNotices(options())).toEqual([])
    expect(cursorNotices(options({ savedMs: t("2026-01-01T00:00:00Z") }))).toEqual([])
  })
})

describe("adaptive windows (window_hours unset)", () => {
  it("grows 8x a window over an empty object: a year in 4 requests instead of 365", () => {
    const run = simulate(options(), [], 6)
    expect(run.windows.map((w) => (w.endMs - w.startMs) / HOUR_MS)).toEqual([24, 192, 1536, 8760 - 24 - 192 - 1536])
    expect(run.checkpoints.map((c) => iso(c.cursorMs)).at(-1)).toBe("2026-01-01T00:00:00.000Z")
  })

  it("reads a year of daily files in full pages: the floor and 2 requests, checkpointing every 3 requests at most", () => {
    const o = options()
    const files = daily(o.startMs, o.endMs)
    const pageFiles = 6
    const floor = Math.ceil(files.length / pageFiles)
    const run = simulate(o, files, pageFiles)
    // 24 hours (1 file), 192 (8 files: the first full page, read on), then 144 hours (6 files) a window.
    expect(run.windows.slice(0, 4).map((w) => (w.endMs - w.startMs) / HOUR_MS)).toEqual([24, 192, 144, 144])
    expect(run.requests).toBeLessThanOrEqual(floor + 2)
    expect(run.splits).toEqual([])
    expect(Math.max(...run.requestsBetween)).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
    expect(run.checkpoints.reduce((n, c) => n + c.recordCount, 0)).toBe(files.length)
  })

  it("reads 60 days of hourly files at the floor: the first day shows 24 files, the next two days two full pages, then a day a page", () => {
    const o = options({ endMs: t("2025-03-02T00:00:00Z") })
    const hourly = Array.from({ length: 60 * 24 }, (_, h) => o.startMs + h * HOUR_MS)
    const run = simulate(o, hourly, 24)
    expect(run.windows.slice(0, 4).map((w) => (w.endMs - w.startMs) / HOUR_MS)).toEqual([24, 48, 24, 24])
    expect(run.requests).toBe(hourly.length / 24)
    expect(run.wasted).toBe(0)
  })

  it("reads on a window sized from its predecessor whose first page shows a cursor, holding its files until the second page is listed", () => {
    const o = options({ endMs: t("2025-03-02T00:00:00Z") })
    // A file a day for 30 days, then two a day: the window sized for 10 files meets 15.
    const files = daily(o.startMs, o.endMs).flatMap((ms) => (ms < t("2025-01-31T00:00:00Z") ? [ms] : [ms, ms + 12 * HOUR_MS]))
    const run = simulate(o, files, 10)
    expect(run.holds).toBeGreaterThan(0)
    expect(run.splits).toEqual([])
    expect(run.wasted).toBe(0)
    expect(run.requests).toBeLessThanOrEqual(Math.ceil(files.length / 10) + 4)
    expect(Math.max(...run.requestsBetween)).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
  })

  it("splits a blind window whose first page shows a cursor to a quarter before any download, and one still paging at its second request to one hour", () => {
    const o = options({ endMs: t("2025-02-01T00:00:00Z") })
    // Empty for 10 days, then a file every hour: the 1,536-hour window (grown over nothing) meets a full page.
    const burst = Array.from({ length: 500 }, (_, i) => t("2025-01-11T00:00:00Z") + i * HOUR_MS).filter((ms) => ms < o.endMs)
    const run = simulate(o, burst, 10)
    expect(show(run.windows.slice(0, 2))).toEqual([
      "2025-01-01T00:00:00.000Z -> 2025-01-02T00:00:00.000Z",
      "2025-01-02T00:00:00.000Z -> 2025-01-10T00:00:00.000Z"
    ])
    expect(show(run.splits.slice(0, 2))).toEqual([
      "2025-01-10T00:00:00.000Z -> 2025-02-01T00:00:00.000Z",
      "2025-01-10T00:00:00.000Z -> 2025-01-15T12:00:00.000Z"
    ])
    const after = run.windows.find((w) => w.startMs === run.splits[0]!.startMs)!
    expect(after.endMs - after.startMs).toBe(HOUR_MS)
    expect(Math.max(...run.requestsBetween)).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
  })

  it("never splits a one-hour window: an hour that lists many pages is read through", () => {
    const o = options({ startMs: t("2025-01-01T00:00:00Z"), endMs: t("2025-01-01T01:00:00Z") })
    const run = simulate(
      o,
      Array.from({ length: 50 }, () => o.startMs),
      10
    )
    expect(run.splits).toEqual([])
    expect(run.holds).toBe(0)
    expect(run.requests).toBe(5)
  })

  it("reads on at the first request since a checkpoint, splits at the second, and reads anything through at the third", () => {
    const o = options({ endMs: t("2025-03-01T00:00:00Z") })
    const cursor = startCursor(o)
    const window = { startMs: o.startMs, endMs: o.startMs + 1000 * HOUR_MS }
    const first = pageListed({ ...cursor, blind: false }, window, { pages: 1, pageFiles: 10, files: 10, more: true })
    expect(first).toMatchObject({ _tag: "NextPage", hold: true, cursor: { requests: 1, page: { full: 10 } } })
    const second = pageListed(first.cursor, window, { pages: 2, pageFiles: 10, files: 20, more: true })
    expect(second).toMatchObject({ _tag: "Split", cursor: { requests: 2, hours: 1, positionMs: o.startMs } })
    const hour = nextWindow(second.cursor)!
    const third = pageListed(second.cursor, hour, { pages: 1, pageFiles: 10, files: 10, more: true })
    expect(third).toMatchObject({ _tag: "NextPage", hold: false, cursor: { requests: 3 } })
    const done = pageListed(third.cursor, hour, { pages: 2, pageFiles: 3, files: 13, more: false })
    expect(done).toMatchObject({ _tag: "Listed", checkpoint: true, cursor: { requests: 0, positionMs: hour.endMs } })
  })

  it("sizes the next window to fill one page, within 8x either way; towards twice the floor of an unknown page", () => {
    expect(nextWindowHours(192, 8, { full: 6, floor: 6 })).toBe(144)
    expect(nextWindowHours(48, 48, { full: 24, floor: 24 })).toBe(24)
    expect(nextWindowHours(24, 1, { full: 6, floor: 6 })).toBe(144)
    expect(nextWindowHours(24, 1, { full: 100, floor: 100 })).toBe(192)
    expect(nextWindowHours(24, 1000, { full: 10, floor: 10 })).toBe(3)
    expect(nextWindowHours(24, 0, { full: 10, floor: 10 })).toBe(192)
    expect(nextWindowHours(24, 24, { full: undefined, floor: 24 })).toBe(48)
    expect(nextWindowHours(24, 4, { full: undefined, floor: 4 })).toBe(96)
    expect(nextWindowHours(4000, 0, { full: undefined, floor: 0 })).toBe(8760)
  })

  it("meets an object that turns busy after months of quiet within 3 requests a checkpoint", () => {
    // Quiet for 200 days (windows grow to 1,536 hours), then a file every hour.
    const o = options()
    const busy = Array.from({ length: 165 * 24 }, (_, h) => t("2025-07-20T00:00:00Z") + h * HOUR_MS)
    const run = simulate(o, busy, 10)
    expect(run.splits.length).toBeGreaterThan(0)
    expect(Math.max(...run.requestsBetween)).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
    expect(run.requests).toBeLessThanOrEqual(2 * Math.ceil(busy.length / 10) + 10)
  })

  it("makes the next hourly sync one request per stream", () => {
    const end = t("2026-01-01T00:00:00Z")
    const run = simulate(options({ savedMs: end - HOUR_MS, endMs: end }), daily(t("2025-01-01T00:00:00Z"), end), 6)
    expect(show(run.windows)).toEqual(["2025-12-31T23:00:00.000Z -> 2026-01-01T00:00:00.000Z"])
    expect(run.requests).toBe(1)
    expect(run.checkpoints).toEqual([{ cursorMs: end, recordCount: 0 }])
  })

  it("estimates per hour, so that windows of varying length extrapolate the same rate", () => {
    const o = options()
    const files = daily(o.startMs, o.endMs)
    const run = simulate(o, files, 6)
    // After the first month the estimate stays within 10% of the truth (a file a day, evenly).
    for (const estimate of run.estimates.slice(8)) expect(Math.abs(estimate - files.length) / files.length).toBeLessThan(0.1)
  })
})

describe("export requests of a first sync against the floor (issue 19: at most 1.25x)", () => {
  /** The pages of one whole-range window per object: the fewest requests that list every file. */
  const floorOf = (objects: ReadonlyArray<ReadonlyArray<number>>, pageFiles: number) =>
    objects.reduce((n, files) => n + Math.max(1, Math.ceil(files.length / pageFiles)), 0)
  const sync = (o: CursorOptions, objects: ReadonlyArray<ReadonlyArray<number>>, pageFiles: number) => {
    const runs = objects.map((files) => simulate(o, files, pageFiles))
    return {
      requests: runs.reduce((n, r) => n + r.requests, 0),
      wasted: runs.reduce((n, r) => n + r.wasted, 0),
      most: Math.max(...runs.flatMap((r) => r.requestsBetween))
    }
  }

  it("a year over 7 objects (two daily, one every sixth day, three sparse, one empty), 6 and 8 files a page", () => {
    const o = options()
    const day = (d: number, hour: number) => o.startMs + d * 24 * HOUR_MS + hour * HOUR_MS
    const objects = [
      daily(o.startMs, o.endMs),
      daily(o.startMs + HOUR_MS, o.endMs),
      Array.from({ length: 61 }, (_, k) => day(k * 6 + 1, 4)),
      [day(0, 5), day(100, 5), day(250, 5)],
      [day(0, 5), day(40, 5), day(180, 5), day(300, 5)],
      [day(0, 5), day(200, 5)],
      []
    ]
    for (const pageFiles of [6, 8]) {
      const floor = floorOf(objects, pageFiles)
      const run = sync(o, objects, pageFiles)
      expect(run.requests / floor).toBeLessThanOrEqual(1.25)
      expect(run.most).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
    }
  })

  it("60 days over 5 objects (two hourly, one every 6 hours, one sparse, one empty), 24 files a page: the bench's time-to-replica tenant", () => {
    const o = options({ endMs: t("2025-03-02T00:00:00Z") })
    const every = (hours: number, offset = 0) =>
      Array.from({ length: Math.floor((60 * 24 - offset) / hours) }, (_, k) => o.startMs + (offset + k * hours) * HOUR_MS)
    const objects = [every(1), every(1), every(6, 3), [o.startMs + 5 * HOUR_MS, o.startMs + 700 * HOUR_MS], []]
    const floor = floorOf(objects, 24)
    const run = sync(o, objects, 24)
    expect(floor).toBe(60 + 60 + 10 + 1 + 1)
    expect(run.requests / floor).toBeLessThanOrEqual(1.25)
    expect(run.wasted).toBe(0)
    expect(run.most).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
  })
})

describe("where a read begins and what it checkpoints", () => {
  it("starts lookback_hours before the saved cursor, checkpoints nothing at or below it, and counts those records into the next checkpoint", () => {
    const saved = t("2025-06-01T00:00:00Z")
    const o = options({ savedMs: saved, lookbackHours: 48, endMs: t("2025-06-10T00:00:00Z"), windowHours: 24 })
    const run = simulate(o, daily(t("2025-05-01T00:00:00Z"), o.endMs), 6)
    expect(iso(run.windows[0]!.startMs)).toBe("2025-05-30T00:00:00.000Z")
    expect(run.checkpoints.every((c) => c.cursorMs > saved)).toBe(true)
    expect(run.checkpoints[0]).toEqual({ cursorMs: t("2025-06-02T00:00:00Z"), recordCount: 3 })
  })

  it("ends a read with the saved cursor and the re-read records when the lookback reaches no new hour", () => {
    const saved = t("2025-06-01T00:00:00Z")
    const run = simulate(
      options({ savedMs: saved, lookbackHours: 48, endMs: saved, windowHours: 24 }),
      daily(t("2025-05-01T00:00:00Z"), saved),
      6
    )
    expect(run.windows).toHaveLength(2)
    expect(run.checkpoints).toEqual([{ cursorMs: saved, recordCount: 2 }])
  })

  it("resumes a full refresh exactly at the state it is given (an earlier attempt of the same job), without lookback", () => {
    const saved = t("2025-06-01T00:00:00Z")
    const run = simulate(options({ savedMs: saved, lookbackHours: 48, syncMode: "full_refresh", windowHours: 24 }), [], 6)
    expect(iso(run.windows[0]!.startMs)).toBe("2025-06-01T00:00:00.000Z")
    const fresh = simulate(options({ syncMode: "full_refresh", windowHours: 24 }), [], 6)
    expect(iso(fresh.windows[0]!.startMs)).toBe("2025-01-01T00:00:00.000Z")
  })

  it("plans windows one at a time, so a start in year 0 costs nothing up front", () => {
    const cursor = startCursor(options({ startMs: Date.UTC(0, 0, 1) - 1900 * 365.2425 * 24 * HOUR_MS, windowHours: 1 }))
    const first = nextWindow(cursor)!
    expect(first.endMs - first.startMs).toBe(HOUR_MS)
  })
})

describe("properties", () => {
  const hour = (from: number, span: number) => fc.integer({ min: 0, max: span }).map((h) => from + h * HOUR_MS)
  const BASE = t("2025-01-01T00:00:00Z")
  const arbitraryRun = fc.record({
    startH: fc.integer({ min: 0, max: 500 }),
    spanH: fc.integer({ min: 0, max: 3000 }),
    savedH: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
    lookbackHours: fc.integer({ min: 0, max: 168 }),
    windowHours: fc.option(fc.integer({ min: 1, max: 800 }), { nil: undefined }),
    syncMode: fc.constantFrom("incremental" as const, "full_refresh" as const),
    pageFiles: fc.integer({ min: 1, max: 20 }),
    files: fc.array(hour(BASE, 3600), { maxLength: 400 })
  })

  it("windows tile [from, end) with no gap or overlap, on whole hours, at least an hour, never past the end; the cursor never moves backwards; every record is counted once", () => {
    fc.assert(
      fc.property(arbitraryRun, (r) => {
        const o = options({
          startMs: BASE + r.startH * HOUR_MS,
          endMs: BASE + (r.startH + r.spanH) * HOUR_MS,
          savedMs: r.savedH === undefined ? undefined : BASE + r.savedH * HOUR_MS,
          lookbackHours: r.lookbackHours,
          windowHours: r.windowHours,
          syncMode: r.syncMode
        })
        const run = simulate(o, r.files, r.pageFiles)
        const from = startCursor(o).fromMs
        let at = from
        for (const w of run.windows) {
          expect(w.startMs).toBe(at)
          expect(w.startMs % HOUR_MS).toBe(0)
          expect(w.endMs - w.startMs).toBeGreaterThanOrEqual(HOUR_MS)
          if (r.windowHours !== undefined) expect(w.endMs - w.startMs).toBeLessThanOrEqual(r.windowHours * HOUR_MS)
          expect(w.endMs).toBeLessThanOrEqual(o.endMs)
          at = w.endMs
        }
        expect(at).toBe(Math.max(from, o.endMs))
        const cursors = run.checkpoints.map((c) => c.cursorMs)
        for (let i = 1; i < cursors.length; i++) expect(cursors[i]!).toBeGreaterThanOrEqual(cursors[i - 1]!)
        if (o.savedMs !== undefined) expect(Math.min(...cursors)).toBeGreaterThanOrEqual(Math.min(o.savedMs, o.endMs))
        // No cursor runs past the read's end (issue 22).
        for (const cursor of cursors) expect(cursor).toBeLessThanOrEqual(o.endMs)
        // Every read ends with a state, except one with nothing saved and nothing to read.
        expect(run.checkpoints.length > 0).toBe(o.savedMs !== undefined || from < o.endMs)
        const read = r.files.filter((ms) => ms >= from && ms < o.endMs).length
        expect(run.checkpoints.reduce((n, c) => n + c.recordCount, 0)).toBe(read)
        if (r.windowHours !== undefined) expect(run.splits).toEqual([])
      }),
      { numRuns: 300 }
    )
  })

  it("adaptive windows keep a checkpoint within 3 export requests while no hour alone lists more than a page, whatever the bursts", () => {
    fc.assert(
      fc.property(
        fc.record({
          perDay: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 12 }),
          pageFiles: fc.integer({ min: 2, max: 50 }),
          days: fc.integer({ min: 1, max: 400 })
        }),
        ({ perDay, pageFiles, days }) => {
          // Files at up to two an hour (so that no hour alone lists a second page), the rate
          // changing abruptly every month or so, from nothing to 30 a day and back.
          const o = options({ endMs: BASE + days * 24 * HOUR_MS })
          const files: Array<number> = []
          for (let d = 0; d < days; d++) {
            const rate = perDay[Math.floor(d / 34) % perDay.length]!
            for (let k = 0; k < rate; k++) files.push(BASE + d * 24 * HOUR_MS + Math.floor((k * 24) / Math.max(1, rate)) * HOUR_MS)
          }
          const run = simulate(o, files, pageFiles)
          expect(Math.max(0, ...run.requestsBetween)).toBeLessThanOrEqual(MAX_REQUESTS_WITHOUT_CHECKPOINT)
        }
      ),
      { numRuns: 60 }
    )
  })
})

describe("syncEnd", () => {
  it("ends at the start of the current hour when there is no end_date", () => {
    expect(iso(syncEnd(undefined, t("2025-12-12T10:59:59.999Z")))).toBe("2025-12-12T10:00:00.000Z")
    expect(iso(syncEnd(undefined, t("2025-12-12T10:00:00.001Z")))).toBe("2025-12-12T10:00:00.000Z")
  })

  it("uses end_date when it is in the past", () => {
    expect(iso(syncEnd(t("2025-12-01T00:00:00Z"), t("2025-12-12T10:30:00Z")))).toBe("2025-12-01T00:00:00.000Z")
  })

  it("never includes the unfinished current hour, even when end_date lies in the future", () => {
    expect(iso(syncEnd(t("2026-01-01T00:00:00Z"), t("2025-12-12T10:30:00Z")))).toBe("2025-12-12T10:00:00.000Z")
    expect(iso(syncEnd(t("2025-12-12T11:00:00Z"), t("2025-12-12T10:59:00Z")))).toBe("2025-12-12T10:00:00.000Z")
  })
})

describe("syncEnd with settle_minutes (issue 22)", () => {
  it("exports an hour only once settle_minutes have passed since it ended", () => {
    const settle = 15 * 60_000
    // An hourly sync just after 10:00 leaves 09:00-10:00 for the next one; at 10:15 it is due.
    expect(iso(syncEnd(undefined, t("2025-12-12T10:00:01Z"), settle))).toBe("2025-12-12T09:00:00.000Z")
    expect(iso(syncEnd(undefined, t("2025-12-12T10:14:59.999Z"), settle))).toBe("2025-12-12T09:00:00.000Z")
    expect(iso(syncEnd(undefined, t("2025-12-12T10:15:00Z"), settle))).toBe("2025-12-12T10:00:00.000Z")
    // end_date is held to the same margin when it is that recent, not when it is older.
    expect(iso(syncEnd(t("2025-12-12T10:00:00Z"), t("2025-12-12T10:05:00Z"), settle))).toBe("2025-12-12T09:00:00.000Z")
    expect(iso(syncEnd(t("2025-12-12T08:00:00Z"), t("2025-12-12T10:05:00Z"), settle))).toBe("2025-12-12T08:00:00.000Z")
    expect(iso(syncEnd(undefined, t("2025-12-12T10:00:01Z"), 0))).toBe("2025-12-12T10:00:00.000Z")
  })
})

describe("syncStart", () => {
  const start = t("2025-12-01T00:00:00Z")

  it("starts at start_date when there is no state, at the saved cursor less the lookback otherwise, never before start_date", () => {
    expect(syncStart(start, undefined, 48)).toBe(start)
    expect(iso(syncStart(start, t("2025-12-10T00:00:00Z"), 0))).toBe("2025-12-10T00:00:00.000Z")
    expect(iso(syncStart(start, t("2025-12-10T00:00:00Z"), 5))).toBe("2025-12-09T19:00:00.000Z")
    expect(syncStart(start, t("2025-12-01T03:00:00Z"), 168)).toBe(start)
    expect(syncStart(start, t("2025-11-01T00:00:00Z"), 0)).toBe(start)
  })
})

it("starts adaptive windows at a day", () => {
  expect(INITIAL_WINDOW_HOURS).toBe(24)
})
