import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Writable } from "node:stream"
import { newColumnsWarning } from "../src/airbyte/syncOutput.js"
import { AirbyteSyncOutputLive } from "../src/airbyte/syncOutput.js"
import { AirbyteOutput, makeAirbyteOutput } from "../src/airbyte/output.js"
import { HOUR_MS } from "../src/config/hours.js"
import { airbyteStream } from "../src/discover/streamSchema.js"
import { airbyteRecordEnvelope } from "../src/output/recordEnvelope.js"
import { makeMessageOutput } from "../src/output/writer.js"
import { decodeSingerCatalog, singerCatalogEntry } from "../src/singer/catalog.js"
import type { SingerMessage as TapMessage } from "../src/singer/messages.js"
import { SingerOutput } from "../src/singer/output.js"
import { singerSyncOutput } from "../src/singer/syncOutput.js"
import { decodeCatalog } from "../src/sync/catalog.js"
import { readStreams } from "../src/sync/read.js"
import { SyncOutput } from "../src/sync/syncOutput.js"
import { parseMessage } from "../integration_tests/support/protocol.js"
import { expectSingerSync, parseSingerMessage, type SingerMessage } from "../integration_tests/support/singer/messages.js"
import { type FakeFile, makeHarness, T0, underTestClock } from "./support/syncHarness.js"

// A file's header with columns the configured schema lacks: one engine event (SyncOutput.newColumns)
// before the file's first records; Airbyte's `read` warns once per stream, the Singer tap sends a
// new SCHEMA first. Deselected Singer columns stay out of SCHEMA and RECORD.

/** A file of `object` for the hour `hourMs`, `rows` rows, this header (values name column and row). */
const fileOf = (object: string, hourMs: number, header: ReadonlyArray<string>, rows = 3, part = 0): FakeFile => {
  const hour = new Date(hourMs).toISOString().slice(0, 13)
  const lines = Array.from({ length: rows }, (_, row) =>
    header.map((column) => (column === "record_id" ? `${object}-${hour}-${part}-${row}` : `${column} ${row}`)).join(",")
  )
  return { object, hourMs, name: `${object}/${hour}-${part}.csv`, csv: `${[header.join(","), ...lines].join("\n")}\n` }
}

const BASE = ["record_id", "text"]
/** Day one: the declared columns; day two: `extra`, then also `more`, in files read at once. */
const tenant: ReadonlyArray<FakeFile> = [
  fileOf("feedback", T0 + 1 * HOUR_MS, BASE),
  fileOf("feedback", T0 + 2 * HOUR_MS, BASE),
  fileOf("feedback", T0 + 25 * HOUR_MS, [...BASE, "extra"]),
  fileOf("feedback", T0 + 25 * HOUR_MS, ["extra", ...BASE], 3, 1),
  fileOf("feedback", T0 + 26 * HOUR_MS, [...BASE, "extra"]),
  fileOf("feedback", T0 + 30 * HOUR_MS, [...BASE, "extra", "more"]),
  fileOf("feedback", T0 + 31 * HOUR_MS, ["more", ...BASE, "extra"])
]

/** The configured catalog of Airbyte's `read` for `feedback`, its schema declaring `columns`. */
const airbyteCatalog = (columns: ReadonlyArray<string> | undefined) =>
  Effect.runSync(
    decodeCatalog(
      {
        streams: [
          {
            stream: {
              name: "feedback",
              json_schema:
                columns === undefined
                  ? { type: "object" }
                  : airbyteStream({ id: "feedback", name: "Feedback", description: "" }, columns).json_schema
            },
            sync_mode: "incremental"
          }
        ]
      },
      "catalog.json"
    )
  )

/** A stdout stand-in that keeps every line. */
const collector = () => {
  const lines: Array<string> = []
  let partial = ""
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const parts = (partial + chunk.toString("utf8")).split("\n")
      partial = parts.pop()!
      lines.push(...parts)
      callback()
    }
  })
  return { sink, lines }
}

describe("the engine: SyncOutput.newColumns", () => {
  // A whole file in one chunk: its header and its rows come out of the same push.
  it.effect.each([5, 4096])(
    "once per new set, before the first record that carries it, 4 files read at once (%i-byte chunks)",
    (chunkBytes) =>
      Effect.gen(function* () {
        const h = makeHarness({ files: tenant, filesPerPage: 4, chunkBytes })
        const exit = yield* underTestClock(readStreams(airbyteCatalog(BASE), new Map()).pipe(Effect.provide(h.layer)))
        expect(exit).toEqual(Exit.succeed([]))
        expect(h.of("newColumns")).toEqual([
          { kind: "newColumns", stream: "feedback", columns: ["extra"] },
          { kind: "newColumns", stream: "feedback", columns: ["more"] }
        ])
        const index = (predicate: (e: (typeof h.events)[number]) => boolean) => h.events.findIndex(predicate)
        for (const column of ["extra", "more"]) {
          const told = index((e) => e.kind === "newColumns" && e.columns.includes(column))
          const first = index((e) => e.kind === "record" && column in e.data)
          expect(told).toBeGreaterThanOrEqual(0)
          expect(first, column).toBeGreaterThan(told)
        }
        // Records are as they were: every column of every file.
        expect(h.records()).toHaveLength(21)
        expect(h.records().filter((r) => r.more !== undefined)).toHaveLength(6)
      })
  )

  it.effect("none when the schema declares every column, or declares no properties at all", () =>
    Effect.gen(function* () {
      for (const declared of [[...BASE, "extra", "more"], undefined]) {
        const h = makeHarness({ files: tenant, filesPerPage: 4 })
        const exit = yield* underTestClock(readStreams(airbyteCatalog(declared), new Map()).pipe(Effect.provide(h.layer)))
        expect(exit).toEqual(Exit.succeed([]))
        expect(h.of("newColumns")).toEqual([])
        expect(h.records()).toHaveLength(21)
      }
    })
  )

  it.effect("a slow newColumns holds back the records of every file that carries those columns", () =>
    Effect.gen(function* () {
      // Four files of one page, all with the new column, read at once; telling takes many turns.
      const files = [0, 1, 2, 3].map((part) => fileOf("feedback", T0 + 25 * HOUR_MS, [...BASE, "extra"], 20, part))
      const events: Array<string> = []
      const slow = Layer.succeed(
        SyncOutput,
        SyncOutput.of({
          recordEnvelope: (stream, windowEnd, fileUrl) => airbyteRecordEnvelope(stream, windowEnd, fileUrl, 0),
          records: (lines, written) =>
            Effect.sync(() => {
              events.push(
                ...new TextDecoder()
                  .decode(lines)
                  .trimEnd()
                  .split("\n")
                  .map(() => "record")
              )
              written?.()
            }),
          newColumns: (_stream, columns) =>
            Effect.zipRight(
              Effect.repeatN(Effect.yieldNow(), 200),
              Effect.sync(() => void events.push(`new ${columns.join(",")}`))
            ),
          started: () => Effect.void,
          rateLimited: () => Effect.void,
          estimate: () => Effect.void,
          checkpoint: () => Effect.void,
          warn: () => Effect.void,
          failed: () => Effect.void,
          ended: () => Effect.void
        })
      )
      const h = makeHarness({ files, filesPerPage: 4, chunkBytes: 16, syncOutput: slow })
      const exit = yield* underTestClock(readStreams(airbyteCatalog(BASE), new Map()).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed([]))
      expect(events[0]).toBe("new extra")
      expect(events.filter((e) => e !== "record")).toEqual(["new extra"])
      expect(events).toHaveLength(81)
    })
  )
})

describe("Airbyte read: one WARN per stream and sync", () => {
  const airbyteRead = (declared: ReadonlyArray<string>, files: ReadonlyArray<FakeFile> = tenant) =>
    Effect.gen(function* () {
      const { sink, lines } = collector()
      const output = makeAirbyteOutput(sink)
      const door = AirbyteSyncOutputLive.pipe(Layer.provide(Layer.succeed(AirbyteOutput, output)))
      const h = makeHarness({ files, filesPerPage: 4, syncOutput: door })
      const exit = yield* underTestClock(readStreams(airbyteCatalog(declared), new Map()).pipe(Effect.provide(h.layer)))
      yield* output.settle
      expect(exit).toEqual(Exit.succeed([]))
      // Every message is a valid Airbyte message.
      return lines.map(parseMessage)
    })

  it.effect("names the new columns once, before the stream's COMPLETE; records carry them as today", () =>
    Effect.gen(function* () {
      const messages = yield* airbyteRead(BASE)
      const warnings = messages.filter((m) => m.type === "LOG" && (m.log as { level: string }).level === "WARN")
      expect(warnings.map((m) => (m.log as { message: string }).message)).toEqual([
        "Stream feedback: the files carry 2 columns that the configured catalog's schema lacks: extra, more. Destinations will drop them until the source schema is refreshed (in Airbyte: refresh the source schema of the connection, then accept the new fields). Records carry them as usual; a column deselected in the connection needs nothing."
      ])
      const statuses = messages.flatMap((m, i) =>
        m.type === "TRACE" ? [[(m.trace as { stream_status?: { status: string } }).stream_status?.status, i] as const] : []
      )
      const complete = statuses.find(([status]) => status === "COMPLETE")![1]
      expect(messages.indexOf(warnings[0]!)).toBe(complete - 1)
      const records = messages.filter((m) => m.type === "RECORD").map((m) => (m.record as { data: Record<string, unknown> }).data)
      expect(records).toHaveLength(21)
      expect(records.filter((r) => "more" in r)).toHaveLength(6)
    })
  )

  it.effect("no WARN when the catalog declares every column", () =>
    Effect.gen(function* () {
      const messages = yield* airbyteRead([...BASE, "extra", "more"])
      expect(messages.filter((m) => m.type === "LOG")).toEqual([])
    })
  )

  it("names at most 10 columns, each cut to 64 characters, then how many more", () => {
    const columns = Array.from({ length: 13 }, (_, i) => `${String(i).padStart(2, "0")}_${"x".repeat(80)}`)
    const warning = newColumnsWarning("feedback", columns)
    expect(warning).toContain(
      `: ${columns
        .slice(0, 10)
        .map((c) => `${c.slice(0, 64)}…`)
        .join(", ")} and 3 more. Destinations will drop them`
    )
    expect(warning).not.toContain(columns[10]!.slice(0, 64))
    expect(newColumnsWarning("s", ["only"])).toContain(
      "a column that the configured catalog's schema lacks: only. Destinations will drop it"
    )
  })
})

describe("Singer tap: a new SCHEMA before the first RECORD with new columns", () => {
  /** The discovered catalog of `feedback` (record_id, text, note), selected, `deselected` columns deselected. */
  const singerCatalog = (deselected: ReadonlyArray<string>) => {
    const entry = singerCatalogEntry(airbyteStream({ id: "feedback", name: "Feedback", description: "" }, [...BASE, "note"]))
    return {
      streams: [
        {
          ...entry,
          metadata: entry.metadata.map((m) =>
            m.breadcrumb.length === 0
              ? { ...m, metadata: { ...m.metadata, selected: true } }
              : deselected.includes(m.breadcrumb[1]!)
                ? { ...m, metadata: { ...m.metadata, selected: false } }
                : m
          )
        }
      ]
    }
  }

  const tapSync = (catalog: unknown, files: ReadonlyArray<FakeFile>) =>
    Effect.gen(function* () {
      const streams = yield* decodeSingerCatalog(catalog, "catalog.json")
      const { sink, lines } = collector()
      const output = makeMessageOutput<TapMessage>(sink)
      const door = singerSyncOutput(streams, { entries: { cursors: new Map(), problems: new Map() }, bookmarks: {} }).pipe(
        Layer.provide(Layer.succeed(SingerOutput, output))
      )
      // Whole files in one chunk: a file's header and rows come out of the same push.
      const h = makeHarness({ files, filesPerPage: 4, chunkBytes: 4096, syncOutput: door })
      const exit = yield* underTestClock(
        readStreams(
          streams.map((s) => ({ name: s.name, syncMode: "incremental" as const, columns: s.columns })),
          new Map()
        ).pipe(Effect.provide(h.layer))
      )
      yield* output.settle
      expect(exit).toEqual(Exit.succeed([]))
      // Every message valid against the Singer schemas; SCHEMA before RECORD, cumulative STATE.
      const messages = lines.map(parseSingerMessage)
      expectSingerSync(messages)
      return messages
    })

  const schemas = (messages: ReadonlyArray<SingerMessage>) =>
    messages.flatMap((m) => (m.type === "SCHEMA" ? [Object.keys(m.schema.properties)] : []))

  it.effect("the union SCHEMA (old properties kept, new ones nullable strings) precedes the first RECORD carrying them", () =>
    Effect.gen(function* () {
      // The tenant's files with the declared `note` column too.
      const withNotes = tenant.map((f) => {
        const [header, ...rows] = f.csv.trimEnd().split("\n")
        return { ...f, csv: `${[`${header},note`, ...rows.map((row) => `${row},n`)].join("\n")}\n` }
      })
      const messages = yield* tapSync(singerCatalog([]), withNotes)
      const added = ["_ab_export_window_end", "_ab_source_file_url"]
      expect(schemas(messages)).toEqual([
        [...BASE, "note", ...added],
        [...BASE, "note", ...added, "extra"],
        [...BASE, "note", ...added, "extra", "more"]
      ])
      const last = messages.filter((m) => m.type === "SCHEMA").at(-1)!
      expect(last).toMatchObject({ key_properties: ["record_id"], bookmark_properties: ["_ab_export_window_end"] })
      expect((last as { schema: { properties: Record<string, unknown> } }).schema.properties.more).toEqual({ type: ["null", "string"] })
      // Each new SCHEMA comes before the first RECORD with its columns, after those without.
      for (const column of ["extra", "more"]) {
        const schemaAt = messages.findIndex((m) => m.type === "SCHEMA" && column in m.schema.properties)
        const recordAt = messages.findIndex((m) => m.type === "RECORD" && column in m.record)
        expect(recordAt, column).toBeGreaterThan(schemaAt)
        expect(messages.slice(0, schemaAt).some((m) => m.type === "RECORD")).toBe(true)
      }
      // Every RECORD's fields are properties of the last SCHEMA before it.
      let properties = new Set<string>()
      for (const message of messages) {
        if (message.type === "SCHEMA") properties = new Set(Object.keys(message.schema.properties))
        if (message.type === "RECORD") for (const key of Object.keys(message.record)) expect(properties.has(key), key).toBe(true)
      }
    })
  )

  it.effect("a deselected column stays out of every SCHEMA and RECORD, and is not new when a file carries it", () =>
    Effect.gen(function* () {
      // The catalog declares `note` and deselects it, and `text`; day two brings `note` and `extra`.
      const files = [
        fileOf("feedback", T0 + 1 * HOUR_MS, BASE),
        fileOf("feedback", T0 + 25 * HOUR_MS, [...BASE, "note", "extra"]),
        fileOf("feedback", T0 + 26 * HOUR_MS, ["note", ...BASE, "extra"])
      ]
      const messages = yield* tapSync(singerCatalog(["note", "text", "record_id"]), files)
      const added = ["_ab_export_window_end", "_ab_source_file_url"]
      // record_id is the key: always in (inclusion automatic), whatever the catalog says.
      expect(schemas(messages)).toEqual([
        ["record_id", ...added],
        ["record_id", ...added, "extra"]
      ])
      const records = messages.flatMap((m) => (m.type === "RECORD" ? [m.record] : []))
      expect(records).toHaveLength(9)
      for (const record of records) {
        expect(record).not.toHaveProperty("note")
        expect(record).not.toHaveProperty("text")
        expect(record.record_id).toMatch(/^feedback-/)
      }
      expect(records.filter((r) => r.extra !== undefined)).toHaveLength(6)
      expect(records.find((r) => r.record_id === "feedback-2025-12-13T02-0-1")).toEqual({
        record_id: "feedback-2025-12-13T02-0-1",
        extra: "extra 1",
        _ab_export_window_end: "2025-12-14T00:00:00Z",
        _ab_source_file_url: "https://files.test/feedback/2025-12-13T02-0.csv"
      })
    })
  )
})
