import { Ajv } from "ajv"
import addFormatsModule from "ajv-formats"
import { describe, expect, it } from "vitest"
import { RecordEncoder } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../src/output/recordEnvelope.js"
import { airbyteStream, PRIMARY_KEY } from "../src/discover/streamSchema.js"
import { FILE_URL_FIELD } from "../src/output/recordFields.js"
import { CURSOR_FIELD } from "../src/sync/cursor.js"

// ajv-formats is CommonJS: under NodeNext its default export is the module object.
const addFormats = addFormatsModule.default

const feedback = { id: "feedback_record", name: "Feedback Record", description: "Every piece of customer feedback" }

type JsonSchema = { readonly properties: Record<string, unknown> } & Record<string, unknown>
const schemaOf = (stream: ReturnType<typeof airbyteStream>) => stream.json_schema as unknown as JsonSchema

describe("airbyteStream", () => {
  it("has one nullable-string property per header column, in header order, then the two injected fields", () => {
    const schema = schemaOf(airbyteStream(feedback, ["record_id", "text", "created_at"]))
    expect(Object.keys(schema.properties)).toEqual(["record_id", "text", "created_at", CURSOR_FIELD, FILE_URL_FIELD])
    for (const column of ["record_id", "text", "created_at"]) {
      expect(schema.properties[column]).toEqual({ type: ["null", "string"] })
    }
  })

  it("describes the injected fields", () => {
    const schema = schemaOf(airbyteStream(feedback, ["record_id"]))
    expect(CURSOR_FIELD).toBe("_ab_export_window_end")
    expect(FILE_URL_FIELD).toBe("_ab_source_file_url")
    expect(schema.properties[CURSOR_FIELD]).toEqual({ type: "string", format: "date-time" })
    expect(schema.properties[FILE_URL_FIELD]).toEqual({ type: "string" })
  })

  it("is a draft-07 object schema open to additional properties, titled and described by the object", () => {
    const schema = schemaOf(airbyteStream(feedback, ["record_id"]))
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
    expect(schema.type).toBe("object")
    expect(schema.additionalProperties).toBe(true)
    expect(schema.title).toBe("Feedback Record")
    expect(schema.description).toBe("Every piece of customer feedback")
    expect(new Ajv({ strict: false }).validateSchema(schema)).toBe(true)
  })

  it("leaves out an empty description", () => {
    expect(schemaOf(airbyteStream({ ...feedback, description: "" }, ["record_id"]))).not.toHaveProperty("description")
  })

  it("names the stream by the object id and offers both sync modes with the source-defined cursor", () => {
    const stream = airbyteStream(feedback, ["record_id"])
    expect(stream.name).toBe("feedback_record")
    expect(stream.supported_sync_modes).toEqual(["full_refresh", "incremental"])
    expect(stream.source_defined_cursor).toBe(true)
    expect(stream.default_cursor_field).toEqual(["_ab_export_window_end"])
  })

  it("declares record_id the primary key when the header has it, wherever it is", () => {
    expect(PRIMARY_KEY).toBe("record_id")
    expect(airbyteStream(feedback, ["record_id", "text"]).source_defined_primary_key).toEqual([["record_id"]])
    expect(airbyteStream(feedback, ["text", "record_id"]).source_defined_primary_key).toEqual([["record_id"]])
  })

  it.each([
    ["no record_id", ["id", "text"]],
    ["a differently cased Record_ID", ["Record_ID", "text"]],
    ["record_id only as part of a name", ["parent_record_id", "record_id_2"]],
    ["an empty header", []]
  ])("declares no primary key for %s", (_what, header) => {
    expect(airbyteStream(feedback, header)).not.toHaveProperty("source_defined_primary_key")
  })

  it("accepts every record the encoder produces for that header (checked with ajv)", () => {
    const csv = 'record_id,text,score\nr1,"hello, world",5\nr2,"",\nr3,,"007"\n'
    const encoder = new RecordEncoder({
      envelope: airbyteRecordEnvelope(
        "feedback_record",
        "2025-12-13T00:00:00Z",
        "https://files.example.com/feedback_record/part-1.csv",
        Date.now()
      ),
      skipRows: 0
    })
    const out = new TextDecoder().decode(Buffer.concat([encoder.push(new TextEncoder().encode(csv)), encoder.end()]))
    const header = encoder.header
    expect(header).toEqual(["record_id", "text", "score"])
    const schema = schemaOf(airbyteStream(feedback, header!))
    const ajv = new Ajv({ strict: false, allErrors: true })
    addFormats(ajv)
    const validate = ajv.compile(schema)
    const records = out
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { record: { data: Record<string, unknown> } }).record.data)
    expect(records).toHaveLength(3)
    for (const data of records) {
      expect(validate(data), ajv.errorsText(validate.errors)).toBe(true)
      expect(Object.keys(data)).toEqual(Object.keys(schema.properties))
    }
    // And the schema is not vacuous: a wrong cursor or a number cell fails it.
    expect(validate({ ...records[0], [CURSOR_FIELD]: "yesterday" })).toBe(false)
    expect(validate({ ...records[0], score: 5 })).toBe(false)
  })
})

describe("airbyteStream: awkward column names", () => {
  it("keeps a column named __proto__ as a property of its own", () => {
    const stream = airbyteStream({ id: "o", name: "O", description: "" }, ["record_id", "__proto__"])
    const properties = stream.json_schema.properties as Record<string, unknown>
    expect(Object.keys(properties)).toEqual(["record_id", "__proto__", "_ab_export_window_end", "_ab_source_file_url"])
    expect(JSON.parse(JSON.stringify(stream.json_schema)).properties.__proto__).toEqual({ type: ["null", "string"] })
  })
})
