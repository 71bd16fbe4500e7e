import { Effect, Exit, Layer } from "effect"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { airbyteStream } from "../src/discover/streamSchema.js"
import { singerRecordEnvelope } from "../src/output/recordEnvelope.js"
import { makeMessageOutput } from "../src/output/writer.js"
import { decodeSingerCatalog, isDeselectedProperty, isSelected, type SelectedStream, singerCatalogEntry } from "../src/singer/catalog.js"
import type { SingerMessage } from "../src/singer/messages.js"
import { SingerOutput } from "../src/singer/output.js"
import { decodeTapState, selectedCursors } from "../src/singer/state.js"
import { singerSyncOutput } from "../src/singer/syncOutput.js"
import { SyncOutput } from "../src/sync/syncOutput.js"
import { expectValid, parseSingerMessage } from "../integration_tests/support/singer/messages.js"

const entry = singerCatalogEntry(airbyteStream({ id: "theme", name: "Theme", description: "Themes" }, ["record_id", "name"]))

const withStream = (metadata: Record<string, unknown>, properties: Record<string, unknown> = {}) => ({
  streams: [
    {
      ...entry,
      metadata: [
        { breadcrumb: [], metadata: { ...entry.metadata[0]!.metadata, ...metadata } },
        ...entry.metadata.slice(1).map((m) => ({ ...m, metadata: { ...m.metadata, ...properties } }))
      ]
    }
  ]
})

const decodeCatalog = (value: unknown) => Effect.runSyncExit(decodeSingerCatalog(value, "catalog.json"))
const selected = (value: unknown) => {
  const exit = decodeCatalog(value)
  if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
  return exit.value
}
const failure = (exit: Exit.Exit<unknown, { message: string }>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.message : "no failure"

describe("Singer catalog entry (discover)", () => {
  it("has tap_stream_id, record_id as key, stream metadata and a breadcrumb per property: CSV columns deselectable", () => {
    expectValid("catalog", { streams: [entry] })
    expect(entry).toMatchObject({ tap_stream_id: "theme", stream: "theme", key_properties: ["record_id"] })
    expect(entry.metadata[0]).toEqual({
      breadcrumb: [],
      metadata: {
        inclusion: "available",
        "selected-by-default": false,
        "table-key-properties": ["record_id"],
        "valid-replication-keys": ["_ab_export_window_end"],
        "schema-name": "theme"
      }
    })
    // The key and the fields the connector adds are always there; a CSV column is selected unless deselected.
    expect(entry.metadata.slice(1)).toEqual([
      { breadcrumb: ["properties", "record_id"], metadata: { inclusion: "automatic" } },
      { breadcrumb: ["properties", "name"], metadata: { inclusion: "available", "selected-by-default": true } },
      { breadcrumb: ["properties", "_ab_export_window_end"], metadata: { inclusion: "automatic" } },
      { breadcrumb: ["properties", "_ab_source_file_url"], metadata: { inclusion: "automatic" } }
    ])
  })
})

describe("stream selection (catalog metadata, as Meltano writes it)", () => {
  it("follows inclusion, then selected, then selected-by-default", () => {
    expect(isSelected({ inclusion: "automatic", selected: false })).toBe(true)
    expect(isSelected({ inclusion: "unsupported", selected: true })).toBe(false)
    expect(isSelected({ inclusion: "available", selected: true })).toBe(true)
    expect(isSelected({ inclusion: "available", selected: false, "selected-by-default": true })).toBe(false)
    expect(isSelected({ inclusion: "available", "selected-by-default": true })).toBe(true)
    expect(isSelected({ inclusion: "available" })).toBe(false)
    expect(isSelected(undefined)).toBe(false)
  })

  it("reads only selected streams, INCREMENTAL unless FULL_TABLE is asked for", () => {
    expect(selected(withStream({}))).toEqual([])
    expect(selected(withStream({ selected: false }, { selected: true }))).toEqual([])
    const [incremental] = selected(
      withStream({ selected: true, "replication-method": "INCREMENTAL", "replication-key": "_ab_export_window_end" })
    )
    expect(incremental).toMatchObject({ name: "theme", method: "INCREMENTAL", keyProperties: ["record_id"] })
    expect(incremental!.schema).toEqual(entry.schema)
    expect(selected(withStream({ selected: true }))[0]!.method).toBe("INCREMENTAL")
    expect(selected(withStream({ "selected-by-default": true, "replication-method": "FULL_TABLE" }))[0]!.method).toBe("FULL_TABLE")
  })

  it("deselects a property by the Singer SDK's rules, never the key or the added fields", () => {
    expect(isDeselectedProperty({ inclusion: "automatic", selected: false }, undefined)).toBe(false)
    expect(isDeselectedProperty({ inclusion: "unsupported" }, undefined)).toBe(true)
    expect(isDeselectedProperty({ inclusion: "available", selected: false, "selected-by-default": true }, undefined)).toBe(true)
    expect(isDeselectedProperty({ inclusion: "available", selected: true, "selected-by-default": false }, undefined)).toBe(false)
    expect(isDeselectedProperty({ inclusion: "available", "selected-by-default": false }, undefined)).toBe(true)
    expect(isDeselectedProperty({ inclusion: "available" }, undefined)).toBe(false)
    expect(isDeselectedProperty(undefined, { type: "string" })).toBe(false)
    expect(isDeselectedProperty(undefined, { type: "string", selected: false })).toBe(true)
    // Meltano's `select: [theme.*, "!theme.name", "!theme.record_id"]`: the key stays (automatic).
    const deselect = (m: { breadcrumb: ReadonlyArray<string>; metadata: Record<string, unknown> }) =>
      m.breadcrumb.length === 0 ? m : { ...m, metadata: { ...m.metadata, selected: !["name", "record_id"].includes(m.breadcrumb[1]!) } }
    const theme = selected({
      streams: withStream({ selected: true }).streams.map((e) => ({ ...e, metadata: e.metadata.map(deselect) }))
    })[0]!
    expect(theme.columns).toEqual({ declared: ["record_id", "name", "_ab_export_window_end", "_ab_source_file_url"], excluded: ["name"] })
    expect(Object.keys(theme.schema.properties as object)).toEqual(["record_id", "_ab_export_window_end", "_ab_source_file_url"])
  })

  it("accepts a catalog without metadata that selects in the schema (the older form)", () => {
    const legacy = {
      streams: [{ tap_stream_id: "theme", stream: "theme", schema: { ...entry.schema, selected: true }, key_properties: ["record_id"] }]
    }
    expect(selected(legacy).map((s) => s.name)).toEqual(["theme"])
    expect(selected({ streams: [{ tap_stream_id: "theme", schema: {}, selected: true, replication_method: "FULL_TABLE" }] })).toEqual([
      { name: "theme", schema: {}, keyProperties: [], method: "FULL_TABLE", columns: { declared: [], excluded: [] } }
    ])
    expect(selected({ streams: [{ tap_stream_id: "theme", schema: {} }] })).toEqual([])
  })

  it("rejects, naming the stream, a replication key or method the tap cannot honour, and a stream listed twice", () => {
    expect(failure(decodeCatalog(withStream({ selected: true, "replication-key": "updated_at" })))).toBe(
      'Catalog file catalog.json is invalid: stream theme: replication-key must be _ab_export_window_end (the only one the Export API can filter on), got "updated_at"'
    )
    expect(failure(decodeCatalog(withStream({ selected: true, "replication-method": "LOG_BASED" })))).toMatch(
      /stream theme: replication-method must be INCREMENTAL or FULL_TABLE, got "LOG_BASED"/
    )
    expect(failure(decodeCatalog({ streams: [entry, entry] }))).toMatch(/stream theme is listed twice/)
    expect(failure(decodeCatalog({ streams: [{ stream: "theme", schema: {} }] }))).toMatch(/streams\.0\.tap_stream_id/)
  })
})

const decodeState = (value: unknown) => Effect.runSyncExit(decodeTapState(value, "state.json"))
/** The cursors a sync of `theme` takes from a state file. */
const stateFor = (value: unknown, streams: ReadonlyArray<string> = ["theme"]) =>
  Effect.runSyncExit(Effect.flatMap(decodeTapState(value, "state.json"), (state) => selectedCursors(state, streams, "state.json")))

describe("--state", () => {
  it("reads the tap's own STATE value, keeping every bookmark", () => {
    const exit = decodeState({
      bookmarks: {
        theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" },
        other: {},
        gone: { _ab_export_window_end: "2025-12-12T05:00:00Z" }
      }
    })
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect([...exit.value.entries.cursors]).toEqual([
      ["theme", Date.parse("2025-12-13T00:00:00Z")],
      ["gone", Date.parse("2025-12-12T05:00:00Z")]
    ])
    expect(exit.value.bookmarks).toEqual({
      theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" },
      gone: { _ab_export_window_end: "2025-12-12T05:00:00Z" }
    })
  })

  it("reads the Airbyte connector's per-stream state and its legacy object", () => {
    for (const airbyte of [
      [
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "theme" }, stream_state: { _ab_export_window_end: "2025-12-13T00:00:00Z" } }
        }
      ],
      { theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" } }
    ]) {
      const exit = decodeState(airbyte)
      expect(Exit.isSuccess(exit) && exit.value.bookmarks).toEqual({ theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" } })
    }
  })

  it("names the stream and the field of a bookmark it cannot use", () => {
    expect(failure(stateFor({ bookmarks: { theme: { _ab_export_window_end: "2025-12-13T00:30:00Z" } } }))).toBe(
      'State file state.json is invalid: bookmarks.theme._ab_export_window_end must be a whole UTC hour like 2025-12-13T00:00:00Z, got "2025-12-13T00:30:00Z"'
    )
    expect(failure(stateFor({ bookmarks: { theme: { replication_key_value: 3 } } }))).toBe(
      "State file state.json is invalid: bookmarks.theme._ab_export_window_end is missing (the state holds replication_key_value): not a state this connector wrote"
    )
    expect(failure(decodeState({ bookmarks: [1] }))).toMatch(/bookmarks must map each stream to an object/)
  })

  it("ignores the bookmark of a stream it does not sync, whatever its shape, and does not carry it on (issue 22)", () => {
    const value = {
      bookmarks: {
        theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" },
        removed: { updated_at: "2025-01-01" },
        odd: "2025-12-13T00:00:00Z",
        half: { _ab_export_window_end: "2025-12-13T00:30:00Z" }
      }
    }
    const exit = stateFor(value)
    expect(exit).toEqual(
      Exit.succeed({ cursors: new Map([["theme", Date.parse("2025-12-13T00:00:00Z")]]), ignored: ["removed", "odd", "half"] })
    )
    const decoded = decodeState(value)
    expect(Exit.isSuccess(decoded) && decoded.value.bookmarks).toEqual({ theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" } })
    // The same entries fail a sync that selects their stream, naming it.
    expect(failure(stateFor(value, ["theme", "odd"]))).toMatch(/bookmarks\.odd must be an object/)
    // The Airbyte connector's state, passed to the tap, alike.
    expect(
      stateFor([
        { type: "STREAM", stream: { stream_descriptor: { name: "removed" }, stream_state: { updated_at: 5 } } },
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "theme" }, stream_state: { _ab_export_window_end: "2025-12-13T00:00:00Z" } }
        }
      ])
    ).toEqual(Exit.succeed({ cursors: new Map([["theme", Date.parse("2025-12-13T00:00:00Z")]]), ignored: ["removed"] }))
  })
})

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

describe("SingerSyncOutput", () => {
  const streams: ReadonlyArray<SelectedStream> = [
    { name: "theme", schema: entry.schema, keyProperties: ["record_id"], method: "INCREMENTAL", columns: { declared: [], excluded: [] } },
    { name: "subtheme", schema: entry.schema, keyProperties: ["record_id"], method: "FULL_TABLE", columns: { declared: [], excluded: [] } }
  ]
  const state = {
    entries: { cursors: new Map(), problems: new Map() },
    bookmarks: { subtheme: { _ab_export_window_end: "2025-12-12T00:00:00Z" }, gone: { _ab_export_window_end: "2025-12-01T00:00:00Z" } }
  }

  it("writes SCHEMA on start, records in its envelope, and cumulative STATEs; FULL_TABLE leaves its bookmark", async () => {
    const { sink, lines } = collector()
    const output = makeMessageOutput<SingerMessage>(sink)
    const layer = singerSyncOutput(streams, state).pipe(Layer.provide(Layer.succeed(SingerOutput, output)))
    await Effect.runPromise(
      Effect.gen(function* () {
        const sync = yield* SyncOutput
        yield* sync.started("theme")
        const envelope = sync.recordEnvelope("theme", "2025-12-13T00:00:00Z", "https://files/theme.csv")
        yield* sync.records(
          new TextEncoder().encode(
            `${envelope.head}"record_id":"t1","name":""${envelope.tail}${envelope.head}"record_id":"t2","name":null${envelope.tail}`
          )
        ) ?? Effect.void
        yield* sync.checkpoint("theme", { _ab_export_window_end: "2025-12-13T00:00:00Z" }, 2)
        yield* sync.started("subtheme")
        yield* sync.checkpoint("subtheme", { _ab_export_window_end: "2025-12-14T00:00:00Z" }, 0)
        yield* sync.failed("theme", { failureType: "transient_error", message: "gave up", internal: "x" })
        yield* sync.ended("theme", false)
        yield* output.settle
      }).pipe(Effect.provide(layer))
    )
    const messages = lines.map(parseSingerMessage)
    expect(messages.map((m) => m.type)).toEqual(["SCHEMA", "RECORD", "RECORD", "STATE", "SCHEMA", "STATE"])
    expect(messages[0]).toEqual({
      type: "SCHEMA",
      stream: "theme",
      schema: entry.schema,
      key_properties: ["record_id"],
      bookmark_properties: ["_ab_export_window_end"]
    })
    expect(messages[1]).toMatchObject({
      stream: "theme",
      record: { record_id: "t1", name: "", _ab_export_window_end: "2025-12-13T00:00:00Z", _ab_source_file_url: "https://files/theme.csv" }
    })
    expect(messages[2]).toMatchObject({ record: { record_id: "t2", name: null } })
    const both = { ...state.bookmarks, theme: { _ab_export_window_end: "2025-12-13T00:00:00Z" } }
    expect(messages[3]).toEqual({ type: "STATE", value: { bookmarks: both } })
    expect(messages[4]).not.toHaveProperty("bookmark_properties")
    expect(messages[5]).toEqual({ type: "STATE", value: { bookmarks: both } })
  })

  it("frames a record as one Singer RECORD line with time_extracted", () => {
    const envelope = singerRecordEnvelope('a "quoted" stream', "2025-12-13T00:00:00Z", "u", Date.parse("2025-12-13T01:02:03.004Z"))
    const message = parseSingerMessage(`${envelope.head}"k":"v"${envelope.tail}`.trimEnd())
    expect(message).toEqual({
      type: "RECORD",
      stream: 'a "quoted" stream',
      time_extracted: "2025-12-13T01:02:03.004Z",
      record: { k: "v", _ab_export_window_end: "2025-12-13T00:00:00Z", _ab_source_file_url: "u" }
    })
    expect(envelope.tail.endsWith("}}\n")).toBe(true)
  })
})
