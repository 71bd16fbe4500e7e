import { Effect, Schema } from "effect"
import { decodeWithPaths, InputError, readJsonFile } from "../config/inputFile.js"
import type { airbyteStream } from "../discover/streamSchema.js"
import { ADDED_FIELDS } from "../output/recordFields.js"
import { declaredProperties } from "../sync/catalog.js"
import { CURSOR_FIELD } from "../sync/cursor.js"

/**
 * The Singer catalog (singer-io/getting-started docs/DISCOVERY_MODE.md and SYNC_MODE.md): what
 * `--discover` prints, and which streams a sync reads, in which replication method, as the
 * catalog's metadata says (Meltano writes `selected` there from its `select` rules, and
 * `replication-method`/`replication-key` from its `metadata` block).
 */

type JsonObject = { readonly [key: string]: unknown }

export type ReplicationMethod = "INCREMENTAL" | "FULL_TABLE"

export interface MetadataEntry {
  readonly breadcrumb: ReadonlyArray<string>
  readonly metadata: JsonObject
}

export interface CatalogEntry {
  readonly tap_stream_id: string
  readonly stream: string
  readonly schema: JsonObject
  readonly key_properties: ReadonlyArray<string>
  readonly metadata: ReadonlyArray<MetadataEntry>
}

/** A stream the sync reads: its SCHEMA message's content and how its bookmark moves. */
export interface SelectedStream {
  readonly name: string
  /** The catalog's schema without the deselected properties: what the first SCHEMA says. */
  readonly schema: JsonObject
  readonly keyProperties: ReadonlyArray<string>
  readonly method: ReplicationMethod
  /**
   * Every property the catalog's schema declares, deselected ones included (a column outside
   * them is new, and gets a new SCHEMA), and the deselected ones (left out of SCHEMA and RECORD).
   */
  readonly columns: { readonly declared: ReadonlyArray<string>; readonly excluded: ReadonlyArray<string> }
}

/**
 * One catalog entry from the stream `discover` builds. Stream-level metadata offers both
 * replication methods (so no `forced-replication-method`) with `_ab_export_window_end` as the only
 * replication key; streams are `inclusion: available` and not selected by default, as SYNC_MODE.md
 * asks. Each CSV column is `inclusion: available`, selected by default: Meltano's `select` rules
 * may deselect it, and the tap then leaves it out of SCHEMA and RECORD. The key properties and the
 * two fields the connector adds are `inclusion: automatic`: a record without its key cannot be
 * upserted, and the replication key is the bookmark.
 */
export const singerCatalogEntry = (stream: ReturnType<typeof airbyteStream>): CatalogEntry => {
  const keyProperties = stream.source_defined_primary_key?.map((path) => path[0]!) ?? []
  const automatic = new Set<string>([...keyProperties, ...ADDED_FIELDS])
  return {
    tap_stream_id: stream.name,
    stream: stream.name,
    schema: stream.json_schema,
    key_properties: keyProperties,
    metadata: [
      {
        breadcrumb: [],
        metadata: {
          inclusion: "available",
          "selected-by-default": false,
          "table-key-properties": keyProperties,
          "valid-replication-keys": [CURSOR_FIELD],
          "schema-name": stream.name
        }
      },
      ...Object.keys(stream.json_schema.properties).map((property) => ({
        breadcrumb: ["properties", property],
        metadata: automatic.has(property) ? { inclusion: "automatic" } : { inclusion: "available", "selected-by-default": true }
      }))
    ]
  }
}

const Metadata = Schema.Struct({
  breadcrumb: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

const InputEntry = Schema.Struct({
  tap_stream_id: Schema.String.pipe(Schema.minLength(1)),
  stream: Schema.optional(Schema.String),
  schema: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  key_properties: Schema.optional(Schema.Array(Schema.String)),
  metadata: Schema.optional(Schema.Array(Metadata)),
  // Catalogs older than metadata put these on the entry itself (Meltano still writes them there too).
  selected: Schema.optional(Schema.Boolean),
  replication_method: Schema.optional(Schema.String),
  replication_key: Schema.optional(Schema.String)
})

const InputCatalog = Schema.Struct({ streams: Schema.Array(InputEntry) })
type InputEntry = typeof InputEntry.Type

/**
 * Whether a node is selected, by the rules Meltano and the Singer SDK apply: `inclusion:
 * unsupported` never, `inclusion: automatic` always, else `selected` when it is set, else
 * `selected-by-default`.
 */
export const isSelected = (metadata: JsonObject | undefined): boolean => {
  if (metadata === undefined) return false
  if (metadata.inclusion === "unsupported") return false
  if (metadata.inclusion === "automatic") return true
  if (typeof metadata.selected === "boolean") return metadata.selected
  return metadata["selected-by-default"] === true
}

const streamMetadata = (entry: InputEntry): JsonObject | undefined => entry.metadata?.find((m) => m.breadcrumb.length === 0)?.metadata

/**
 * Whether a property is deselected, by the Singer SDK's rules for a property breadcrumb
 * (`_breadcrumb_is_selected`): never when `inclusion: automatic`, always when `unsupported`, else
 * `selected: false`, else `selected-by-default: false`; no metadata at all means selected. The
 * older form, `"selected": false` in the property's own schema, counts too.
 */
export const isDeselectedProperty = (metadata: JsonObject | undefined, schema: unknown): boolean => {
  if (metadata?.inclusion === "automatic") return false
  if (metadata?.inclusion === "unsupported") return true
  if (typeof metadata?.selected === "boolean") return !metadata.selected
  if (typeof metadata?.["selected-by-default"] === "boolean") return !metadata["selected-by-default"]
  return typeof schema === "object" && schema !== null && (schema as { selected?: unknown }).selected === false
}

/**
 * The declared properties of a selected stream and the deselected ones; the key properties and
 * the fields the connector adds are never left out (records are keyed and bookmarked by them).
 */
const propertiesOf = (entry: InputEntry, keyProperties: ReadonlyArray<string>) => {
  const declared = declaredProperties(entry.schema) ?? []
  const properties = (entry.schema.properties ?? {}) as JsonObject
  const kept = new Set<string>([...keyProperties, ...ADDED_FIELDS])
  const metadataOf = new Map(
    (entry.metadata ?? []).flatMap((m) =>
      m.breadcrumb.length === 2 && m.breadcrumb[0] === "properties" ? [[String(m.breadcrumb[1]), m.metadata]] : []
    )
  )
  const excluded = declared.filter((name) => !kept.has(name) && isDeselectedProperty(metadataOf.get(name), properties[name]))
  const schema =
    excluded.length === 0
      ? entry.schema
      : { ...entry.schema, properties: Object.fromEntries(Object.entries(properties).filter(([name]) => !excluded.includes(name))) }
  return { schema, columns: { declared, excluded } }
}

/** The replication method the catalog asks for; INCREMENTAL unless it says FULL_TABLE. */
const methodOf = (entry: InputEntry, metadata: JsonObject | undefined, fail: (message: string) => InputError) => {
  const method = metadata?.["replication-method"] ?? entry.replication_method
  const key = metadata?.["replication-key"] ?? entry.replication_key
  const name = entry.tap_stream_id
  if (method !== undefined && method !== "INCREMENTAL" && method !== "FULL_TABLE") {
    return Effect.fail(fail(`stream ${name}: replication-method must be INCREMENTAL or FULL_TABLE, got ${JSON.stringify(method)}`))
  }
  if (method !== "FULL_TABLE" && key !== undefined && key !== null && key !== CURSOR_FIELD) {
    return Effect.fail(
      fail(
        `stream ${name}: replication-key must be ${CURSOR_FIELD} (the only one the Export API can filter on), got ${JSON.stringify(key)}`
      )
    )
  }
  return Effect.succeed<ReplicationMethod>(method === "FULL_TABLE" ? "FULL_TABLE" : "INCREMENTAL")
}

/** The selected streams of a catalog `--catalog` (or `--properties`) names, in catalog order. */
export const decodeSingerCatalog = (value: unknown, file: string) =>
  Effect.gen(function* () {
    const catalog = yield* decodeWithPaths(InputCatalog, value, file, "Catalog")
    const fail = (message: string) => new InputError({ file, message: `Catalog file ${file} is invalid: ${message}` })
    const seen = new Set<string>()
    const selected: Array<SelectedStream> = []
    for (const entry of catalog.streams) {
      if (seen.has(entry.tap_stream_id)) return yield* fail(`stream ${entry.tap_stream_id} is listed twice`)
      seen.add(entry.tap_stream_id)
      const metadata = streamMetadata(entry)
      // A catalog without stream metadata may still select the legacy way, on the entry or in its schema.
      const chosen = metadata === undefined ? entry.selected === true || entry.schema.selected === true : isSelected(metadata)
      if (!chosen) continue
      const declaredKeys = metadata?.["table-key-properties"]
      const keyProperties = Array.isArray(declaredKeys) ? declaredKeys.map(String) : (entry.key_properties ?? [])
      selected.push({
        name: entry.tap_stream_id,
        keyProperties,
        method: yield* methodOf(entry, metadata, fail),
        ...propertiesOf(entry, keyProperties)
      })
    }
    return selected as ReadonlyArray<SelectedStream>
  })

export const loadSingerCatalog = (path: string) =>
  readJsonFile(path, "Catalog").pipe(Effect.flatMap((value) => decodeSingerCatalog(value, path)))

/** Every stream of a fresh discovery, selected, incremental: a sync run without `--catalog`. */
export const allStreams = (entries: ReadonlyArray<CatalogEntry>): ReadonlyArray<SelectedStream> =>
  entries.map((entry) => ({
    name: entry.tap_stream_id,
    schema: entry.schema,
    keyProperties: entry.key_properties,
    method: "INCREMENTAL",
    columns: { declared: declaredProperties(entry.schema) ?? [], excluded: [] }
  }))
