import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../src/config/inputFile.js"
import { type CatalogStream, decodeCatalog } from "../src/sync/catalog.js"

const FILE = "catalog.json"

const decode = (value: unknown): Either.Either<ReadonlyArray<CatalogStream>, InputError> =>
  Effect.runSync(Effect.either(decodeCatalog(value, FILE)))

const streams = (value: unknown) => {
  const result = decode(value)
  if (Either.isLeft(result)) throw new Error(`expected the catalog to be accepted: ${result.left.message}`)
  return result.right
}

const failure = (value: unknown): InputError => {
  const result = decode(value)
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(value)} to be rejected`)
  return result.left
}

const configured = (name: unknown, sync_mode: unknown = "incremental") => ({
  stream: {
    name,
    json_schema: { type: "object", properties: { record_id: { type: ["null", "string"] } } },
    supported_sync_modes: ["full_refresh", "incremental"],
    source_defined_cursor: true,
    default_cursor_field: ["_ab_export_window_end"]
  },
  sync_mode,
  destination_sync_mode: "append_dedup",
  cursor_field: ["_ab_export_window_end"],
  primary_key: [["record_id"]]
})

describe("decodeCatalog", () => {
  it("reads the streams, their sync modes and their schemas' properties, in order", () => {
    expect(streams({ streams: [configured("feedback_record"), configured("account", "full_refresh")] })).toEqual([
      { name: "feedback_record", syncMode: "incremental", primaryKey: ["record_id"], columns: { declared: ["record_id"] } },
      { name: "account", syncMode: "full_refresh", primaryKey: ["record_id"], columns: { declared: ["record_id"] } }
    ])
  })

  it("declares no columns for a schema without a properties object (nothing to compare a header with)", () => {
    const withSchema = (json_schema: unknown) =>
      streams({ streams: [{ stream: { name: "a", json_schema }, sync_mode: "incremental" }] })[0]!
    expect(withSchema({ type: "object" }).columns).toEqual({ declared: undefined })
    expect(withSchema({ type: "object", properties: ["record_id"] }).columns).toEqual({ declared: undefined })
    expect(withSchema("not a schema").columns).toEqual({ declared: undefined })
    expect(withSchema({ type: "object", properties: {} }).columns).toEqual({ declared: [] })
  })

  it("takes each stream's primary key columns: configured, else source-defined, else record_id unless the schema lacks it (issue 22)", () => {
    const keyed = (stream: Record<string, unknown>, primaryKey?: unknown) => ({
      stream: { name: "s", ...stream },
      sync_mode: "incremental",
      ...(primaryKey === undefined ? {} : { primary_key: primaryKey })
    })
    const keyOf = (entry: unknown) => streams({ streams: [entry] })[0]!.primaryKey
    expect(keyOf(keyed({}, [["id"], ["part"]]))).toEqual(["id", "part"])
    expect(keyOf(keyed({ source_defined_primary_key: [["sid"]] }, []))).toEqual(["sid"])
    expect(keyOf(keyed({ source_defined_primary_key: [["sid"]] }))).toEqual(["sid"])
    expect(keyOf(keyed({ json_schema: { properties: { record_id: {} } } }))).toEqual(["record_id"])
    expect(keyOf(keyed({ json_schema: { properties: { l1_id: {} } } }))).toEqual([])
    expect(keyOf(keyed({ json_schema: { type: "object" } }))).toEqual(["record_id"])
  })

  it("needs only the stream name and sync_mode, and ignores fields it does not use", () => {
    expect(
      streams({
        streams: [{ stream: { name: "a", namespace: null, is_resumable: true }, sync_mode: "full_refresh", generation_id: 3 }],
        extra: true
      })
    ).toEqual([{ name: "a", syncMode: "full_refresh", primaryKey: ["record_id"], columns: { declared: undefined } }])
  })

  it("accepts an empty catalog", () => {
    expect(streams({ streams: [] })).toEqual([])
  })

  it.each(["append", "INCREMENTAL", "", null, 1])("rejects sync_mode %j, naming the field", (mode) => {
    const error = failure({ streams: [configured("a"), configured("b", mode)] })
    expect(error).toBeInstanceOf(InputError)
    expect(error.file).toBe(FILE)
    expect(error.message).toContain("streams.1.sync_mode")
  })

  it("rejects a missing sync_mode", () => {
    expect(failure({ streams: [{ stream: { name: "a" } }] }).message).toContain("streams.0.sync_mode: is missing")
  })

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["not a string", 42]
  ])("rejects a stream name that is %s, naming the field", (_what, name) => {
    const item = configured(name)
    if (name === undefined) delete (item.stream as { name?: unknown }).name
    expect(failure({ streams: [item] }).message).toContain("streams.0.stream.name")
  })

  it("rejects a stream that is configured twice, naming it", () => {
    const error = failure({ streams: [configured("a"), configured("b"), configured("a", "full_refresh")] })
    expect(error.message).toContain("stream a is configured twice")
  })

  it.each([
    ["without streams", {}, "streams: is missing"],
    ["whose streams are not an array", { streams: "a" }, "streams: "],
    ["whose stream item is not an object", { streams: ["a"] }, "streams.0: "]
  ])("rejects a catalog %s", (_what, value, expected) => {
    expect(failure(value).message).toContain(expected)
  })

  it("says in words what a primary key must be, not the name of its type", () => {
    const stream = { stream: { name: "a" }, sync_mode: "incremental", destination_sync_mode: "append" }
    expect(failure({ streams: [{ ...stream, primary_key: "record_id" }] }).message).toContain(
      'streams.0.primary_key: Expected a list of key paths, each a list of field names, such as [["record_id"]], got "record_id"'
    )
    // Singer's key_properties shape, one level short.
    expect(failure({ streams: [{ ...stream, primary_key: ["record_id"] }] }).message).toContain(
      'streams.0.primary_key.0: Expected a key path, a list of field names such as ["record_id"], got "record_id"'
    )
    expect(failure({ streams: [{ ...stream, cursor_field: "updated_at" }] }).message).toContain(
      'streams.0.cursor_field: Expected a field path, a list of names such as ["updated_at"], got "updated_at"'
    )
  })

  it.each([null, [], "catalog", 3])("rejects a catalog that is not an object (%j)", (value) => {
    const error = failure(value)
    expect(error.file).toBe(FILE)
    expect(error.message).toMatch(/^Catalog file \S+ is invalid: /)
  })
})
