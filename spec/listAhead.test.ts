// The stream reader lists ahead while files download (issue 19), in process (fake API and file
// host, see syncHarness): the next page or window is asked for during the downloads, at most one
// listed page waits ahead of them, no more than 3 export requests go out without a checkpoint,
// each file path is read once per window, and a looping listing fails the stream at once.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { HOUR_MS } from "../src/config/hours.js"
import type { ExportRequest } from "../src/enterpret/client.js"
import { readStream } from "../src/sync/streamReader.js"
import { csvFile, type FakeFile, idsOf, makeHarness, T0, underTestClock } from "./support/syncHarness.js"

const DAY = 24 * HOUR_MS
/** `perDay` files of feedback a day for `days` days, two records each. */
const feedback = (days: number, perDay: number): ReadonlyArray<FakeFile> =>
  Array.from({ length: days * perDay }, (_, i) =>
    csvFile("feedback", T0 + Math.floor(i / perDay) * DAY + (i % perDay) * Math.floor(24 / perDay) * HOUR_MS, 2)
  )

const read = (h: ReturnType<typeof makeHarness>, endMs: number) =>
  underTestClock(readStream({ name: "feedback", syncMode: "incremental" }, undefined, endMs).pipe(Effect.provide(h.layer)))

/** The window [start, end) of an `export` line of the timeline, and its cursor. */
const exportLine = (line: string) => {
  const [, , range, cursor] = line.split(" ")
  const [start, end] = range!.split("..").map((s) => Date.parse(s))
  return { startMs: start!, endMs: end!, cursor: cursor === "-" ? undefined : cursor }
}
/** The hour of a file from its name (feedback/2025-12-12T03-part-0.csv). */
const hourOf = (path: string) => Date.parse(`${/(\d{4}-\d\d-\d\dT\d\d)-part/.exec(path)![1]}:00:00Z`)

describe("readStream lists ahead", () => {
  it.effect("asks for the next window while this one's files download, with at most one listed page waiting", () =>
    Effect.gen(function* () {
      const files = feedback(4, 4)
      const h = makeHarness({ files, filesPerPage: 4, downloadMs: 1_000, settings: { windowHours: 24, endMs: T0 + 4 * DAY } })
      expect(yield* read(h, T0 + 4 * DAY)).toEqual(Exit.succeed("complete"))
      expect(
        h
          .records()
          .map((r) => r.record_id as string)
          .sort()
      ).toEqual(idsOf(files).sort())
      const t = h.timeline
      for (let day = 1; day < 4; day++) {
        const asked = t.findIndex((line) => line.startsWith("export") && exportLine(line).startMs === T0 + day * DAY)
        const lastOfDayBefore = t.findLastIndex((line) => line.startsWith("downloaded") && hourOf(line) < T0 + day * DAY)
        // Before issue 19 the next window was asked for once the last file of this one was through.
        expect(asked).toBeLessThan(lastOfDayBefore)
      }
      // Windows (one page each) listed, less windows whose downloads began: never more than one ahead.
      let listed = 0
      const started = new Set<number>()
      let most = 0
      for (const line of t) {
        if (line.startsWith("export")) listed++
        if (line.startsWith("download ")) started.add(Math.floor((hourOf(line) - T0) / DAY))
        most = Math.max(most, listed - started.size)
      }
      expect(most).toBe(1)
    })
  )

  it.effect("never sends more than 3 export requests since the stream's last checkpoint, the ones listed ahead included", () =>
    Effect.gen(function* () {
      // Two pages a window: window k's second page downloading, window k+1's first listed is the
      // third request; its second waits for window k's checkpoint.
      const files = feedback(5, 4)
      const h = makeHarness({ files, filesPerPage: 2, downloadMs: 1_000, settings: { windowHours: 24, endMs: T0 + 5 * DAY } })
      expect(yield* read(h, T0 + 5 * DAY)).toEqual(Exit.succeed("complete"))
      let since = 0
      let most = 0
      for (const line of h.timeline) {
        if (line.startsWith("export")) most = Math.max(most, ++since)
        if (line.startsWith("checkpoint")) since = 0
      }
      expect(most).toBe(3)
      expect(h.exportRequests).toHaveLength(10)
      expect(
        h
          .records()
          .map((r) => r.record_id as string)
          .sort()
      ).toEqual(idsOf(files).sort())
    })
  )

  it.effect("holds an over-full window's first page until its second is listed: no file of it downloads before", () =>
    Effect.gen(function* () {
      // A file a day, then two a day from day 30: windows sized for 10 files meet 15.
      const days = 60
      const files = Array.from({ length: days }, (_, d) =>
        d < 30
          ? [csvFile("feedback", T0 + d * DAY + 2 * HOUR_MS, 1)]
          : [0, 1].map((p) => csvFile("feedback", T0 + d * DAY + 2 * HOUR_MS, 1, p))
      ).flat()
      const h = makeHarness({ files, filesPerPage: 10, downloadMs: 1_000, settings: { windowHours: undefined, endMs: T0 + days * DAY } })
      expect(yield* read(h, T0 + days * DAY)).toEqual(Exit.succeed("complete"))
      expect(
        h
          .records()
          .map((r) => r.record_id as string)
          .sort()
      ).toEqual(idsOf(files).sort())
      const secondPages = h.timeline.flatMap((line, i) => (line.startsWith("export") && exportLine(line).cursor !== undefined ? [i] : []))
      expect(secondPages.length).toBeGreaterThan(0)
      for (const i of secondPages) {
        const w = exportLine(h.timeline[i]!)
        const firstDownload = h.timeline.findIndex(
          (line) => line.startsWith("download ") && hourOf(line) >= w.startMs && hourOf(line) < w.endMs
        )
        expect(firstDownload).toBeGreaterThan(i)
      }
      // Nothing was thrown away: every request listed files that were read.
      expect(new Set(h.downloads).size).toBe(h.downloads.length)
    })
  )

  it.effect("refreshes the URLs of a page that expired while it waited ahead: every record once", () =>
    Effect.gen(function* () {
      const files = feedback(3, 4)
      // The second answer (day 2, listed while day 1 downloaded) has expired by the time it is read.
      const h = makeHarness({
        files,
        filesPerPage: 4,
        downloadMs: 1_000,
        expired: (_, signedAt) => signedAt === 1,
        settings: { windowHours: 24, endMs: T0 + 3 * DAY }
      })
      expect(yield* read(h, T0 + 3 * DAY)).toEqual(Exit.succeed("complete"))
      expect(
        h
          .records()
          .map((r) => r.record_id as string)
          .sort()
      ).toEqual(idsOf(files).sort())
      expect(h.exportRequests.map((r) => (r.startMs - T0) / DAY)).toEqual([0, 1, 2, 1])
    })
  )
})

describe("each file once per window (issue 22)", () => {
  const day = (files: ReadonlyArray<FakeFile>) => files.filter((f) => f.hourMs < T0 + DAY)
  const url = (f: FakeFile, call: number) => `https://files.test/${f.name}?sig=${call}`

  it.effect("reads a file listed twice in a window (on one page and across pages) once", () =>
    Effect.gen(function* () {
      const files = feedback(1, 3)
      const [a, b, c] = files as [FakeFile, FakeFile, FakeFile]
      const pages = (request: ExportRequest, call: number) =>
        request.cursor === undefined
          ? { files: [url(a, call), url(b, call), url(a, call)], cursor: "p2" }
          : { files: [url(b, call), url(c, call)], cursor: undefined }
      const h = makeHarness({ files, page: pages, settings: { windowHours: 24, endMs: T0 + DAY } })
      expect(yield* read(h, T0 + DAY)).toEqual(Exit.succeed("complete"))
      expect(h.downloads.map((u) => u.split("?")[0])).toEqual(day(files).map((f) => `https://files.test/${f.name}`))
      expect(
        h
          .records()
          .map((r) => r.record_id as string)
          .sort()
      ).toEqual(idsOf(files).sort())
      expect(h.of("checkpoint")).toEqual([{ kind: "checkpoint", stream: "feedback", cursor: "2025-12-13T00:00:00Z", recordCount: 6 }])
    })
  )

  it.effect("files a host names in the query are told apart by it, not by their signature: each read once, none dropped", () =>
    Effect.gen(function* () {
      // `/download?key=…`: one path for every file. Cutting the whole query made them one file.
      const named = (hour: number): FakeFile => ({
        object: "feedback",
        hourMs: T0 + hour * HOUR_MS,
        name: `download?key=feedback-${hour}.csv`,
        csv: `record_id,text\nq-${hour}-0,x\nq-${hour}-1,y\n`
      })
      const files = [named(1), named(5), named(9)]
      const [a, b, c] = files as [FakeFile, FakeFile, FakeFile]
      const signed = (f: FakeFile, call: number) =>
        `https://files.test/${f.name}&X-Amz-Date=2025121${call}T000000Z&X-Amz-Expires=900&X-Amz-Signature=${call}abc`
      // The second page lists `a` again, signed anew.
      const pages = (request: ExportRequest, call: number) =>
        request.cursor === undefined
          ? { files: [signed(a, call), signed(b, call)], cursor: "p2" }
          : { files: [signed(a, call), signed(c, call)], cursor: undefined }
      const h = makeHarness({ files, page: pages, settings: { windowHours: 24, endMs: T0 + DAY } })
      expect(yield* read(h, T0 + DAY)).toEqual(Exit.succeed("complete"))
      expect(h.downloads.map((u) => u.split("&")[0])).toEqual(files.map((f) => `https://files.test/${f.name}`))
      expect(
        h
          .records()
          .map((r) => r.record_id as string)
          .sort()
      ).toEqual(idsOf(files).sort())
      // The record's file field is the URL without its query, as the contract says.
      expect(new Set(h.records().map((r) => r._ab_source_file_url))).toEqual(new Set(["https://files.test/download"]))
    })
  )

  it.effect("fails the stream at once, naming the window, when a page under a new cursor lists only files already listed", () =>
    Effect.gen(function* () {
      const files = feedback(1, 2)
      // A new cursor every time, the same two files: the cursor guard alone would read 1,000 pages.
      const h = makeHarness({
        files,
        page: (_, call) => ({ files: files.map((f) => url(f, call)), cursor: `c${call}` }),
        settings: { windowHours: 24, endMs: T0 + DAY }
      })
      expect(yield* read(h, T0 + DAY)).toEqual(Exit.succeed("failed"))
      expect(h.exportRequests).toHaveLength(2)
      const [failed] = h.of("failed")
      expect(failed?.report.message).toBe(
        "While exporting feedback 2025-12-12T00:00Z..2025-12-13T00:00Z, the API listed only files it had already listed in the window 2025-12-12T00:00:00Z..2025-12-13T00:00:00Z (2 of them) under a new cursor: its pagination is looping, so the stream stops"
      )
      expect(h.of("checkpoint")).toEqual([])
    })
  )
})
