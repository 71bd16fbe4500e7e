import { Context, Effect, Schema } from "effect"
import { decodeWithPaths, InputError, readJsonFile } from "../config/inputFile.js"
import { expectedKind } from "../config/shownValue.js"
import type { ConfiguredColumns } from "./streamColumns.js"
import { PRIMARY_KEY } from "../discover/streamSchema.js"

/** A list of field paths, each a list of names: a primary key (`[["record_id"]]`). */
const KeyPaths = Schema.Array(
  Schema.Array(Schema.String).annotations({ message: expectedKind('a key path, a list of field names such as ["record_id"]') })
).annotations({
  message: expectedKind('a list of key paths, each a list of field names, such as [["record_id"]]')
})

const ConfiguredStream = Schema.Struct({
  stream: Schema.Struct({
    name: Schema.String.pipe(Schema.minLength(1)),
    json_schema: Schema.optional(Schema.Unknown),
    supported_sync_modes: Schema.optional(Schema.Array(Schema.String)),
    source_defined_primary_key: Schema.optional(KeyPaths)
  }),
  sync_mode: Schema.Literal("full_refresh", "incremental"),
  destination_sync_mode: Schema.optional(Schema.String),
  cursor_field: Schema.optional(
    Schema.Array(Schema.String).annotations({ message: expectedKind('a field path, a list of names such as ["updated_at"]') })
  ),
  primary_key: Schema.optional(KeyPaths)
})

const ConfiguredCatalog = Schema.Struct({ streams: Schema.Array(ConfiguredStream) })

export interface CatalogStream {
  readonly name: string
  readonly syncMode: "full_refresh" | "incremental"
  /** Columns every file of the stream must have (see `keyColumns`); undefined: `record_id`. */
  readonly primaryKey?: ReadonlyArray<string>
  /** What its schema declares, to tell the columns a file brings that it lacks. */
  readonly columns?: ConfiguredColumns
}

/**
 * The columns every file of the stream being read must have in its header: its primary key. A
 * file without them is not read (issue 22): its records would have no key, and append_dedup may
 * collapse them into one. Provided per stream by the stream reader; `record_id` unless told.
 */
export class PrimaryKey extends Context.Reference<PrimaryKey>()("source-enterpret/PrimaryKey", {
  defaultValue: (): ReadonlyArray<string> => [PRIMARY_KEY]
}) {}

/**
 * A stream's primary key columns: those the catalog declares (the configured key, else the
 * source-defined one), else `record_id`, Enterpret's primary key of every object, unless the
 * stream's schema lists its properties and `record_id` is not among them (an object whose files
 * have no such column, which discover offers without a primary key).
 */
export const keyColumns = (declared: ReadonlyArray<string> | undefined, jsonSchema: unknown): ReadonlyArray<string> => {
  if (declared !== undefined && declared.length > 0) return declared
  const properties = typeof jsonSchema === "object" && jsonSchema !== null ? (jsonSchema as { properties?: unknown }).properties : undefined
  if (typeof properties === "object" && properties !== null && !Object.hasOwn(properties, PRIMARY_KEY)) return []
  return [PRIMARY_KEY]
}

/** The top-level field of each key path (`[["record_id"]]` is `["record_id"]`). */
const topLevel = (paths: ReadonlyArray<ReadonlyArray<string>> | undefined): ReadonlyArray<string> | undefined =>
  paths?.flatMap((path) => (path[0] === undefined ? [] : [path[0]]))

/** The property names of a JSON schema; undefined when it has no `properties` object. */
export const declaredProperties = (schema: unknown): ReadonlyArray<string> | undefined => {
  if (typeof schema !== "object" || schema === null) return undefined
  const properties = (schema as { properties?: unknown }).properties
  return typeof properties === "object" && properties !== null && !Array.isArray(properties) ? Object.keys(properties) : undefined
}

/**
 * The configured catalog Airbyte passes to `read`: which streams, in which sync mode, their
 * primary keys, and the properties each stream's schema declares (Airbyte's field selection sends
 * only the selected ones).
 */
export const decodeCatalog = (value: unknown, file: string) =>
  Effect.gen(function* () {
    const catalog = yield* decodeWithPaths(ConfiguredCatalog, value, file, "Catalog")
    const seen = new Set<string>()
    for (const { stream } of catalog.streams) {
      if (seen.has(stream.name)) {
        return yield* new InputError({ file, message: `Catalog file ${file} is invalid: stream ${stream.name} is configured twice` })
      }
      seen.add(stream.name)
    }
    return catalog.streams.map(
      (s): CatalogStream => ({
        name: s.stream.name,
        syncMode: s.sync_mode,
        primaryKey: keyColumns(
          topLevel(s.primary_key)?.length ? topLevel(s.primary_key) : topLevel(s.stream.source_defined_primary_key),
          s.stream.json_schema
        ),
        columns: { declared: declaredProperties(s.stream.json_schema) }
      })
    )
  })

export const loadCatalog = (path: string) => readJsonFile(path, "Catalog").pipe(Effect.flatMap((value) => decodeCatalog(value, path)))
