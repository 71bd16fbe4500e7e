// Validates what tap-enterpret writes against Singer's message shapes, written down from
// singer-io/getting-started's docs as the JSON schemas beside this file (each rule says where it
// comes from), plus the rules JSON Schema cannot say.
import { Ajv, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const SCHEMAS = ["record", "schema", "state", "state-value", "catalog", "about"] as const
type SchemaName = (typeof SCHEMAS)[number]

let validators: Record<SchemaName, ValidateFunction> | undefined

const validatorsOf = () => {
  if (validators !== undefined) return validators
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  for (const name of SCHEMAS) {
    ajv.addSchema(JSON.parse(readFileSync(fileURLToPath(new URL(`./${name}.json`, import.meta.url)), "utf8")) as object)
  }
  validators = Object.fromEntries(SCHEMAS.map((name) => [name, ajv.getSchema(`singer/${name}.json`)!])) as Record<
    SchemaName,
    ValidateFunction
  >
  return validators
}

/** Throws, naming the schema and the value, unless `value` is valid against `singer/<name>.json`. */
export const expectValid = (name: SchemaName, value: unknown) => {
  const validate = validatorsOf()[name]
  if (!validate(value)) {
    throw new Error(`not a valid ${name} (${JSON.stringify(validate.errors)}): ${JSON.stringify(value).slice(0, 300)}`)
  }
}

export type SingerMessage =
  | { type: "RECORD"; stream: string; record: Record<string, string | null>; time_extracted?: string }
  | {
      type: "SCHEMA"
      stream: string
      schema: { properties: Record<string, unknown> }
      key_properties: string[]
      bookmark_properties?: string[]
    }
  | { type: "STATE"; value: { bookmarks: Record<string, { _ab_export_window_end: string }> } }

const SCHEMA_OF: Record<string, SchemaName> = { RECORD: "record", SCHEMA: "schema", STATE: "state" }

/** Parses one stdout line of a sync and throws, naming the line, unless it is a valid Singer message. */
export const parseSingerMessage = (line: string): SingerMessage => {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new Error(`stdout line is not JSON: ${line.slice(0, 300)}`)
  }
  const type = (value as { type?: unknown } | null)?.type
  const schema = typeof type === "string" ? SCHEMA_OF[type] : undefined
  if (schema === undefined) throw new Error(`stdout line is not a RECORD, SCHEMA or STATE message: ${line.slice(0, 300)}`)
  expectValid(schema, value)
  const message = value as SingerMessage
  if (message.type === "SCHEMA") {
    // SPEC.md: each key_properties and bookmark_properties item must name a top-level property.
    for (const key of [...message.key_properties, ...(message.bookmark_properties ?? [])]) {
      if (!(key in message.schema.properties)) throw new Error(`SCHEMA of ${message.stream} names ${key}, not a property of its schema`)
    }
  }
  return message
}

export const recordsOf = (messages: ReadonlyArray<SingerMessage>) => messages.flatMap((m) => (m.type === "RECORD" ? [m] : []))

export const statesOf = (messages: ReadonlyArray<SingerMessage>) => messages.flatMap((m) => (m.type === "STATE" ? [m.value] : []))

/**
 * What every sync must show: a stream's SCHEMA before its first RECORD (SPEC.md: a RECORD not
 * preceded by a SCHEMA is schema-less), every field of a RECORD a property of its stream's last
 * SCHEMA (issue 23: SDK targets make columns from SCHEMA messages only), `time_extracted` on every RECORD (issue 14), and STATEs
 * that are cumulative (each holds every bookmark the previous held, Meltano keeps only the last)
 * and never move a bookmark back.
 */
export const expectSingerSync = (messages: ReadonlyArray<SingerMessage>) => {
  const schemas = new Map<string, Set<string>>()
  let previous: Record<string, { _ab_export_window_end: string }> | undefined
  for (const message of messages) {
    if (message.type === "SCHEMA") schemas.set(message.stream, new Set(Object.keys(message.schema.properties)))
    else if (message.type === "RECORD") {
      const properties = schemas.get(message.stream)
      expect(properties, `a RECORD of ${message.stream} before its SCHEMA`).toBeDefined()
      const undeclared = Object.keys(message.record).filter((field) => !properties!.has(field))
      expect(undeclared, `fields of a RECORD of ${message.stream} that its last SCHEMA lacks`).toEqual([])
      expect(message.time_extracted, `time_extracted of a RECORD of ${message.stream}`).toEqual(expect.any(String))
    } else {
      const bookmarks = message.value.bookmarks
      for (const [stream, bookmark] of Object.entries(previous ?? {})) {
        expect(bookmarks[stream], `STATE dropped the bookmark of ${stream}`).toBeDefined()
        expect(bookmarks[stream]!._ab_export_window_end >= bookmark._ab_export_window_end, `bookmark of ${stream} went back`).toBe(true)
      }
      previous = bookmarks
    }
  }
}
