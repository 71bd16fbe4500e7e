// Issue 22: a file is known before it is trusted. What is not CSV (an HTML or XML page, a
// compressed or binary body without a coding header) or lacks the primary key column fails its
// stream: no record of it, and no state past its window, even when other files of the window
// were emitted before it.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { gzipSync } from "node:zlib"
import { HOUR_MS } from "../src/config/hours.js"
import { nonCsvContentType, SNIFF_BYTES, sniffBody } from "../src/csv/bodySniff.js"
import { type CatalogStream, keyColumns } from "../src/sync/catalog.js"
import { readStreams } from "../src/sync/read.js"
import { csvFile, type FakeFile, idsOf, makeHarness, T0, underTestClock } from "./support/syncHarness.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const cursorAt = (hours: number) => `${new Date(T0 + hours * HOUR_MS).toISOString().slice(0, 19)}Z`

describe("sniffBody", () => {
  it.each([
    ["an HTML page", "<!DOCTYPE html>\n<html><body>Access blocked</body></html>", /^an HTML page, not CSV: "<!DOCTYPE html>/],
    ["an HTML page after a BOM and blank lines", "\uFEFF\r\n\n  <html lang=en>", /^an HTML page, not CSV: "<html lang=en>"$/],
    ["an XML error", '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', /^an XML document, not CSV/],
    ["S3's XML without a declaration", "<Error><Code>AccessDenied</Code></Error>", /^markup \(HTML or XML\), not CSV: "<Error>/],
    ["a NUL byte", "record_id\u0000text", /^a binary body, not CSV text \(a NUL byte in its first 14 bytes\): "record_id\?text"$/]
  ])("knows %s", (_what, body, expected) => {
    expect(sniffBody(bytes(body))).toMatch(expected)
  })

  it.each([
    ["gzip", gzipSync(Buffer.from("record_id,text\n1,a\n"))],
    ["zstd", Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 1, 2)],
    ["zip", Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0)]
  ])("knows a %s body that came without a coding header", (name, body) => {
    expect(sniffBody(body.subarray(0, SNIFF_BYTES))).toBe(
      `a ${name}-compressed body that arrived without a Content-Encoding header saying so (it begins with the ${name} magic bytes)`
    )
  })

  it.each([
    ["a CSV", "record_id,text\n1,a\n"],
    ["a CSV with a BOM", "\uFEFFrecord_id,text\n"],
    ["a header cell that starts with <", "<5 stars,record_id\n"],
    ["a header cell that is < alone", "<,record_id\n"],
    ["an empty body", ""],
    ["a blank body", "\n\n"],
    ["multi-byte text", "récord,ид\n"]
  ])("lets %s through", (_what, body) => {
    expect(sniffBody(bytes(body))).toBeUndefined()
  })

  it("judges only the first SNIFF_BYTES, however much of the body it is given", () => {
    const header = "record_id,text\n"
    const nulAt = (at: number) => `${header}${"r,x\n".repeat(Math.ceil(at / 4))}r,"a\u0000b"\n`
    expect(sniffBody(bytes(nulAt(SNIFF_BYTES)))).toBeUndefined()
    expect(sniffBody(bytes(nulAt(10_000)))).toBeUndefined()
    expect(sniffBody(bytes(`${header}r,"a\u0000b"\n${"r,x\n".repeat(3_000)}`))).toMatch(
      /^a binary body, not CSV text \(a NUL byte in its first 64 bytes\)/
    )
  })

  it("knows an HTML or XML Content-Type, and nothing else", () => {
    expect(nonCsvContentType("text/html; charset=utf-8")).toBe("an HTML page")
    expect(nonCsvContentType("TEXT/HTML")).toBe("an HTML page")
    expect(nonCsvContentType("application/xml")).toBe("an XML document")
    expect(nonCsvContentType("application/atom+xml")).toBe("an XML document")
    for (const csvLike of [undefined, "text/csv", "binary/octet-stream", "application/octet-stream", "text/plain", ""]) {
      expect(nonCsvContentType(csvLike)).toBeUndefined()
    }
  })
})

describe("keyColumns", () => {
  it("takes the declared key, else record_id unless the schema's properties lack it", () => {
    expect(keyColumns(["id"], {})).toEqual(["id"])
    expect(keyColumns(undefined, { type: "object" })).toEqual(["record_id"])
    expect(keyColumns([], { properties: { record_id: {}, text: {} } })).toEqual(["record_id"])
    expect(keyColumns(undefined, { properties: { l1_id: {}, theme_id: {} } })).toEqual([])
    expect(keyColumns(undefined, undefined)).toEqual(["record_id"])
  })
})

describe("readStreams in process: a file that is not what it must be (issue 22)", () => {
  /** Day 1 is clean; day 2 has a good file, then (in download order) the bad one, then another good one. */
  const tenant = (bad: FakeFile): ReadonlyArray<FakeFile> => [
    csvFile("feedback", T0 + 3 * HOUR_MS, 4),
    csvFile("feedback", T0 + 25 * HOUR_MS, 3),
    bad,
    csvFile("feedback", T0 + 40 * HOUR_MS, 2),
    csvFile("account", T0 + 2 * HOUR_MS, 4),
    csvFile("account", T0 + 30 * HOUR_MS, 5)
  ]
  const streams = [
    { name: "feedback", syncMode: "incremental" as const },
    { name: "account", syncMode: "incremental" as const }
  ]
  const at = (hour: number, body: string | Uint8Array): FakeFile => {
    const name = `feedback/bad-${hour}.csv`
    return typeof body === "string"
      ? { object: "feedback", hourMs: T0 + hour * HOUR_MS, name, csv: body }
      : { object: "feedback", hourMs: T0 + hour * HOUR_MS, name, csv: "", body }
  }

  const run = (files: ReadonlyArray<FakeFile>, chunkBytes = 64, streamsRead: ReadonlyArray<CatalogStream> = streams) =>
    Effect.gen(function* () {
      // One download at a time: the good file of day 2 is emitted before the bad one is met.
      const h = makeHarness({ files, chunkBytes, settings: { maxConcurrentDownloads: 1 } })
      const exit = yield* underTestClock(readStreams(streamsRead, new Map()).pipe(Effect.provide(h.layer)))
      return { h, exit }
    })

  const expectFailedAtDay2 = (
    h: ReturnType<typeof makeHarness>,
    exit: Exit.Exit<ReadonlyArray<string>, unknown>,
    files: ReadonlyArray<FakeFile>,
    bad: FakeFile
  ) => {
    expect(exit).toEqual(Exit.succeed(["feedback"]))
    // The window of the bad file is never checkpointed; the clean day before it is.
    expect(h.of("checkpoint", "feedback").map((c) => c.cursor)).toEqual([cursorAt(24)])
    // No record of the bad file; the files before it in the window were emitted.
    const read = h.records("feedback")
    expect(read.filter((r) => String(r._ab_source_file_url).endsWith(bad.name))).toEqual([])
    expect(read.map((r) => String(r.record_id)).sort()).toEqual(
      idsOf(files.filter((f) => f.object === "feedback" && f.hourMs < T0 + 26 * HOUR_MS && f !== bad)).sort()
    )
    // The other stream completes.
    expect(h.of("ended", "account")).toEqual([{ kind: "ended", stream: "account", complete: true }])
    expect(h.of("checkpoint", "account").map((c) => c.cursor)).toEqual([cursorAt(24), cursorAt(48)])
    const [failure] = h.of("failed", "feedback").map((e) => e.report)
    expect(failure?.failureType).toBe("system_error")
    return failure!.message
  }

  it.effect.each([
    ["an HTML page", "<!DOCTYPE html>\n<html><head><title>Access blocked</title></head></html>\n", /an HTML page, not CSV/],
    ["an XML error", '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code></Error>\n', /an XML document, not CSV/]
  ] as const)("%s served as a file fails the stream, saying what arrived", ([_what, page, expected]) =>
    Effect.gen(function* () {
      for (const chunkBytes of [1, 7, 4096]) {
        const bad = at(30, page)
        const files = tenant(bad)
        const { h, exit } = yield* run(files, chunkBytes)
        const message = expectFailedAtDay2(h, exit, files, bad)
        expect(message).toMatch(new RegExp(`^Stream feedback: file https://files.test/${bad.name}, line 1: the file host sent `))
        expect(message).toMatch(expected)
      }
    })
  )

  it.effect("a gzip body without Content-Encoding fails the stream, saying it is compressed", () =>
    Effect.gen(function* () {
      const bad = at(30, gzipSync(Buffer.from("record_id,text\nx,y\n")))
      const files = tenant(bad)
      const { h, exit } = yield* run(files)
      expect(expectFailedAtDay2(h, exit, files, bad)).toContain(
        "the file host sent a gzip-compressed body that arrived without a Content-Encoding header saying so"
      )
    })
  )

  it.effect("a header without record_id fails the stream naming the column; none of its rows goes out", () =>
    Effect.gen(function* () {
      for (const chunkBytes of [1, 64, 4096]) {
        const bad = at(30, "id,text\nk1,a\nk2,b\n")
        const files = tenant(bad)
        const { h, exit } = yield* run(files, chunkBytes)
        expect(expectFailedAtDay2(h, exit, files, bad)).toBe(
          `Stream feedback: file https://files.test/${bad.name}, line 1: the header has no record_id column (the stream's primary key), so its records could not be told apart; it begins "id,text"`
        )
      }
    })
  )

  it.effect("a stream whose catalog declares another key is held to that key, and one declaring none to none", () =>
    Effect.gen(function* () {
      const files = [at(3, "l1_id,theme_id\na,b\n"), csvFile("account", T0 + 2 * HOUR_MS, 4)]
      const keyless = yield* run(files, 64, [
        { name: "feedback", syncMode: "incremental" as const, primaryKey: [] },
        { name: "account", syncMode: "incremental" as const, primaryKey: ["record_id", "text"] }
      ])
      expect(keyless.exit).toEqual(Exit.succeed([]))
      expect(keyless.h.records("feedback")).toEqual([expect.objectContaining({ l1_id: "a", theme_id: "b" })])
      const keyed = yield* run(files, 64, [{ name: "feedback", syncMode: "incremental" as const, primaryKey: ["theme_id", "l2_id"] }])
      expect(keyed.exit).toEqual(Exit.succeed(["feedback"]))
      expect(keyed.h.of("failed", "feedback")[0]!.report.message).toContain("the header has no l2_id column")
    })
  )

  it.effect("a NUL inside a quoted cell past the first 64 bytes is data, in whatever chunks the body comes", () =>
    Effect.gen(function* () {
      const rows = Array.from({ length: 400 }, (_, i) => (i === 200 ? `nul-${i},"before\u0000after"` : `nul-${i},"text ${i}"`))
      const file = at(3, `record_id,text\n${rows.join("\n")}\n`)
      for (const chunkBytes of [64, 4096, 65_536]) {
        const { h, exit } = yield* run([file], chunkBytes, [streams[0]!])
        expect(exit).toEqual(Exit.succeed([]))
        const read = h.records("feedback")
        expect(read).toHaveLength(400)
        expect(read.find((r) => r.record_id === "nul-200")?.text).toBe("before\u0000after")
      }
    })
  )

  it.effect("an empty body and a header-only file are read as files without records", () =>
    Effect.gen(function* () {
      const files = [at(3, ""), at(5, "record_id,text\n"), csvFile("feedback", T0 + 6 * HOUR_MS, 2)]
      const { h, exit } = yield* run(files, 64, [streams[0]!])
      expect(exit).toEqual(Exit.succeed([]))
      expect(h.records("feedback")).toHaveLength(2)
    })
  )
})

describe("readStreams in process: a body whose end cannot be checked (issue 22)", () => {
  it.effect("is read, with one WARN per stream however many such files it has", () =>
    Effect.gen(function* () {
      const unframed = (file: FakeFile): FakeFile => ({ ...file, framing: "close" })
      const files = [
        unframed(csvFile("feedback", T0 + 1 * HOUR_MS, 3)),
        unframed(csvFile("feedback", T0 + 2 * HOUR_MS, 2)),
        unframed(csvFile("feedback", T0 + 30 * HOUR_MS, 4)),
        { ...csvFile("account", T0 + 3 * HOUR_MS, 2), framing: "chunked" as const }
      ]
      const h = makeHarness({ files })
      const exit = yield* underTestClock(
        readStreams(
          [
            { name: "feedback", syncMode: "incremental" },
            { name: "account", syncMode: "incremental" }
          ],
          new Map()
        ).pipe(Effect.provide(h.layer))
      )
      expect(exit).toEqual(Exit.succeed([]))
      expect(h.records("feedback")).toHaveLength(9)
      expect(h.of("checkpoint", "feedback").map((c) => c.cursor)).toEqual([cursorAt(24), cursorAt(48)])
      expect(h.of("warn")).toEqual([
        {
          kind: "warn",
          stream: "feedback",
          message: expect.stringMatching(
            /^the file host sent https:\/\/files\.test\/feedback\/\S+ \(and maybe others\) with neither Content-Length nor chunked framing, so whether each such file arrived whole cannot be checked/
          )
        }
      ])
    })
  )
})
