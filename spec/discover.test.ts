import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { HOUR_MS } from "../src/config/hours.js"
import { discoverStreams } from "../src/discover/discover.js"
import { probeColumns, RECENT_WINDOW_MAX_HOURS, unionOfHeaders } from "../src/discover/headerProbe.js"
import { UrlExpired } from "../src/enterpret/errors.js"
import { csvFile, type FakeFile, makeHarness, T0, underTestClock } from "./support/syncHarness.js"

/** A file of `object` for the hour `hourMs` with this header and one row. */
const withHeader = (object: string, hourMs: number, header: ReadonlyArray<string>): FakeFile => {
  const hour = new Date(hourMs).toISOString().slice(0, 13)
  const row = header.map((column) => (column === "record_id" ? `${object}-${hour}` : `${column} value`))
  return { object, hourMs, name: `${object}/${hour}.csv`, csv: `${header.join(",")}\n${row.join(",")}\n` }
}

/** Hourly files over the harness's two days; the header of each from `headerAt(hour)`. */
const hourly = (object: string, headerAt: (hour: number) => ReadonlyArray<string>) =>
  Array.from({ length: 48 }, (_, hour) => withHeader(object, T0 + hour * HOUR_MS, headerAt(hour)))

const exportRequestsOf = (h: ReturnType<typeof makeHarness>, object: string) => h.exportRequests.filter((r) => r.objectId === object)

describe("unionOfHeaders", () => {
  it("keeps the first (newest) header's order, then adds older headers' new columns in their order", () => {
    expect(
      unionOfHeaders([
        ["record_id", "b", "new"],
        ["record_id", "old1", "b"],
        ["old2", "record_id", "old1"]
      ])
    ).toEqual(["record_id", "b", "new", "old1", "old2"])
    expect(unionOfHeaders([])).toEqual([])
  })
})

describe("probeColumns in process: at most 2 export requests an object", () => {
  it.effect("a range that fits one page: 1 request, the oldest and the newest file's headers, nothing else downloaded", () =>
    Effect.gen(function* () {
      const files = [
        withHeader("feedback", T0 + 1 * HOUR_MS, ["record_id", "text", "legacy"]),
        withHeader("feedback", T0 + 5 * HOUR_MS, ["record_id", "text"]),
        withHeader("feedback", T0 + 40 * HOUR_MS, ["record_id", "added", "text"])
      ]
      const h = makeHarness({ files, filesPerPage: 4 })
      const exit = yield* underTestClock(probeColumns("feedback").pipe(Effect.provide(h.layer)))
      // The newest file's order, then the column only the oldest carries.
      expect(exit).toEqual(Exit.succeed(["record_id", "added", "text", "legacy"]))
      expect(h.exportRequests.map((r) => [r.startMs, r.endMs, r.cursor])).toEqual([[T0, T0 + 48 * HOUR_MS, undefined]])
      expect(h.downloads.map((url) => url.split("?")[0])).toEqual([
        `https://files.test/${files[0]!.name}`,
        `https://files.test/${files[2]!.name}`
      ])
    })
  )

  it.effect("a range of many pages: the whole range's first page, then one recent window; a column only old files carry is kept", () =>
    Effect.gen(function* () {
      // "legacy" until hour 10, "added" from hour 30: neither is in every file.
      const files = hourly("feedback", (hour) => ["record_id", "text", ...(hour < 10 ? ["legacy"] : []), ...(hour >= 30 ? ["added"] : [])])
      const h = makeHarness({ files, filesPerPage: 4 })
      const exit = yield* underTestClock(probeColumns("feedback").pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["record_id", "text", "added", "legacy"]))
      const endMs = T0 + 48 * HOUR_MS
      // The recent window is the last quarter of the 48 hours.
      expect(h.exportRequests.map((r) => [(endMs - r.startMs) / HOUR_MS, r.endMs, r.cursor])).toEqual([
        [48, endMs, undefined],
        [12, endMs, undefined]
      ])
      // Headers only: the whole range's first and last file of its first page, the recent page's last.
      expect(h.downloads.map((url) => url.split("?")[0]!.replace("https://files.test/feedback/", ""))).toEqual([
        "2025-12-12T00.csv",
        "2025-12-12T03.csv",
        "2025-12-13T15.csv"
      ])
    })
  )

  it.effect(`the recent window is at most ${RECENT_WINDOW_MAX_HOURS / 24} days, and empty: the first page's last file stands in`, () =>
    Effect.gen(function* () {
      // 30 days (up to the test clock's now), a file a day for the first 15 only: more than a page,
      // nothing in the last week.
      const days = 30
      const files = Array.from({ length: 15 }, (_, day) => withHeader("sparse", T0 + day * 24 * HOUR_MS, ["record_id", `c${day}`]))
      const h = makeHarness({ files, filesPerPage: 4, settings: { endMs: T0 + days * 24 * HOUR_MS } })
      const exit = yield* underTestClock(probeColumns("sparse").pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["record_id", "c3", "c0"]))
      expect(h.exportRequests.map((r) => (T0 + days * 24 * HOUR_MS - r.startMs) / HOUR_MS)).toEqual([days * 24, RECENT_WINDOW_MAX_HOURS])
    })
  )

  it.effect("an object with no file anywhere: 1 request, no columns", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files: [csvFile("other", T0, 1)], emptyObjects: ["empty"] })
      const exit = yield* underTestClock(probeColumns("empty").pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(undefined))
      expect(h.exportRequests).toHaveLength(1)
      expect(h.downloads).toEqual([])
    })
  )

  it.effect("a file without a header (empty body, expired URL) gives way to its neighbour, still within 2 requests", () =>
    Effect.gen(function* () {
      const files = [
        { ...withHeader("feedback", T0, ["record_id"]), csv: "" },
        withHeader("feedback", T0 + 1 * HOUR_MS, ["record_id", "second"]),
        withHeader("feedback", T0 + 2 * HOUR_MS, ["record_id", "third"]),
        withHeader("feedback", T0 + 3 * HOUR_MS, ["record_id", "fourth"])
      ]
      const h = makeHarness({
        files,
        filesPerPage: 4,
        downloadFault: (file) => (file.name === files[3]!.name ? new UrlExpired({ file: file.name }) : undefined)
      })
      const exit = yield* underTestClock(probeColumns("feedback").pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["record_id", "third", "second"]))
      expect(h.exportRequests).toHaveLength(1)
    })
  )

  it.effect("an API that hands out the same cursor over empty pages costs 2 requests and ends, without looping", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files: [csvFile("feedback", T0, 1)], page: () => ({ files: [], cursor: "same" }) })
      const exit = yield* underTestClock(probeColumns("feedback").pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(undefined))
      expect(h.exportRequests.map((r) => r.cursor)).toEqual([undefined, undefined])
    })
  )
})

describe("discoverStreams in process", () => {
  it.effect("a tenant of dense, sparse and empty objects: at most 2 export requests each, union schemas, a WARN for the empty one", () =>
    Effect.gen(function* () {
      const files = [
        ...hourly("dense", (hour) => ["record_id", "text", ...(hour >= 38 ? ["late"] : [])]),
        withHeader("sparse", T0 + 3 * HOUR_MS, ["record_id", "early"]),
        withHeader("sparse", T0 + 30 * HOUR_MS, ["record_id", "later"]),
        ...Array.from({ length: 9 }, (_, i) => withHeader("burst", T0 + i * HOUR_MS, ["record_id", "text"]))
      ]
      const h = makeHarness({ files, filesPerPage: 4, emptyObjects: ["empty"] })
      const exit = yield* underTestClock(discoverStreams("config.json").pipe(Effect.provide(h.layer)))
      if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
      const { streams, warnings } = exit.value
      const columnsOf = (name: string) => Object.keys(streams.find((s) => s.name === name)!.json_schema.properties)
      const added = ["_ab_export_window_end", "_ab_source_file_url"]
      expect(columnsOf("dense")).toEqual(["record_id", "text", "late", ...added])
      expect(columnsOf("sparse")).toEqual(["record_id", "later", "early", ...added])
      expect(columnsOf("burst")).toEqual(["record_id", "text", ...added])
      expect(columnsOf("empty")).toEqual(["record_id", ...added])
      expect(warnings).toEqual(["No export file found for empty since start_date; its schema has only record_id until data arrives."])
      expect(exportRequestsOf(h, "dense")).toHaveLength(2)
      expect(exportRequestsOf(h, "sparse")).toHaveLength(1)
      // 9 files, 4 a page: paged, so a recent window, whose first 12 hours hold none; still 2.
      expect(exportRequestsOf(h, "burst")).toHaveLength(2)
      expect(exportRequestsOf(h, "empty")).toHaveLength(1)
      // Each download is cut after the header: never a whole file's worth of chunks.
      expect(h.downloads.length).toBeLessThanOrEqual(3 * 4)
    })
  )
})
