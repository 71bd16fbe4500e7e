import { Effect, Schema } from "effect"
import { decodeWithPaths, InputError, readJsonFile } from "../config/inputFile.js"
import type { ConfiguredColumns } from "./streamColumns.js"

const ConfiguredStream = Schema.Struct({
  stream: Schema.Struct({
    name: Schema.String.pipe(Schema.minLength(1)),
    json_schema: Schema.optional(Schema.Unknown),
    supported_sync_modes: Schema.optional(Schema.Array(Schema.String))
  }),
  sync_mode: Schema.Literal("full_refresh", "incremental"),
  destination_sync_mode: Schema.optional(Schema.String),
  cursor_field: Schema.optional(Schema.Array(Schema.String)),
  primary_key: Schema.optional(Schema.Array(Schema.Array(Schema.String)))
})

const ConfiguredCatalog = Schema.Struct({ streams: Schema.Array(ConfiguredStream) })

export interface CatalogStream {
  readonly name: string
  readonly syncMode: "full_refresh" | "incremental"
  /** What its schema declares, to tell the columns a file brings that it lacks. */
  readonly columns?: ConfiguredColumns
}

/** The property names of a JSON schema; undefined when it has no `properties` object. */
export const declaredProperties = (schema: unknown): ReadonlyArray<string> | undefined => {
  if (typeof schema !== "object" || schema === null) return undefined
  const properties = (schema as { properties?: unknown }).properties
  return typeof properties === "object" && properties !== null && !Array.isArray(properties) ? Object.keys(properties) : undefined
}

/**
 * The configured catalog Airbyte passes to `read`: which streams, in which sync mode, and the
 * properties each stream's schema declares (Airbyte's field selection sends only the selected ones).
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
        columns: { declared: declaredProperties(s.stream.json_schema) }
      })
    )
  })

export const loadCatalog = (path: string) => readJsonFile(path, "Catalog").pipe(Effect.flatMap((value) => decodeCatalog(value, path)))
