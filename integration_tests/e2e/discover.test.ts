// `discover`: every object across every page, schemas from the CSV headers, keys and cursor.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { ofType, runCli, writeInputs } from "../support/cli.js"
import { configFor, startTestEmulator } from "../support/fixture.js"

interface Stream {
  name: string
  json_schema: { title: string; description?: string; additionalProperties: boolean; properties: Record<string, unknown> }
  supported_sync_modes: string[]
  source_defined_cursor: boolean
  default_cursor_field: string[]
  source_defined_primary_key?: string[][]
}

let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator()
})
afterAll(() => emulator.close())

const discover = async (overrides: Record<string, unknown> = {}) => {
  const inputs = writeInputs({ config: configFor(emulator, overrides) })
  return runCli(["discover", "--config", inputs.config!])
}

describe("discover", () => {
  it("offers one stream per object with its CSV header as the schema", async () => {
    emulator.clearLog()
    const run = await discover()
    expect(run.code, run.stderr).toBe(0)
    const catalogs = ofType(run.messages, "CATALOG")
    expect(catalogs).toHaveLength(1)
    const streams = (catalogs[0]!.catalog as { streams: Stream[] }).streams
    const objects = emulator.objects()
    expect(streams.map((s) => s.name).sort()).toEqual(objects.map((o) => o.id).sort())

    const withData = objects.filter((o) => emulator.groundTruth(o.id, "2025-12-12T00:00:00Z", "2025-12-15T06:00:00Z").size > 0)
    expect(withData.length).toBeGreaterThan(5)
    for (const object of withData) {
      const stream = streams.find((s) => s.name === object.id)!
      expect(stream.json_schema.title).toBe(object.name)
      expect(stream.json_schema.additionalProperties).toBe(true)
      expect(Object.keys(stream.json_schema.properties)).toEqual([
        ...emulator.columns(object.id),
        "_ab_export_window_end",
        "_ab_source_file_url"
      ])
      expect(stream.json_schema.properties.record_id).toEqual({ type: ["null", "string"] })
      expect(stream.json_schema.properties._ab_export_window_end).toEqual({ type: "string", format: "date-time" })
      expect(stream.supported_sync_modes).toEqual(["full_refresh", "incremental"])
      expect(stream.source_defined_cursor).toBe(true)
      expect(stream.default_cursor_field).toEqual(["_ab_export_window_end"])
      expect(stream.source_defined_primary_key).toEqual([["record_id"]])
    }

    // The budget: at most 2 export requests an object (the whole range, then a recent window
    // when the range runs to more pages; the emulator lists 2 files a page, so most do).
    const exports = emulator.requestLog.filter((e) => e.listener === "api" && e.path.endsWith("/export"))
    for (const object of objects) {
      const requests = exports.filter((e) => (e.body as { objectID: string }).objectID === object.id)
      expect(requests.length, object.id).toBeGreaterThanOrEqual(1)
      expect(requests.length, object.id).toBeLessThanOrEqual(2)
      expect((requests[0]!.body as { startTime: string }).startTime, object.id).toBe("2025-12-12T00:00Z")
    }
    // Only header lines are read: at most 3 files an object (the oldest, the first page's last,
    // the recent window's last), and far fewer bytes than those files hold.
    const downloads = emulator.requestLog.filter((e) => e.listener === "storage")
    expect(downloads.length).toBeGreaterThan(0)
    expect(downloads.length).toBeLessThanOrEqual(objects.length * 3)
  })

  it("warns and offers record_id alone for an object with no file since start_date", async () => {
    const empty = emulator.objects().find((o) => emulator.groundTruth(o.id, "2025-12-12T00:00:00Z", "2025-12-15T06:00:00Z").size === 0)
    expect(empty, "the emulator has an object without data").toBeDefined()
    const run = await discover({ objects: [empty!.id] })
    expect(run.code, run.stderr).toBe(0)
    const streams = (ofType(run.messages, "CATALOG")[0]!.catalog as { streams: Stream[] }).streams
    expect(streams).toHaveLength(1)
    expect(Object.keys(streams[0]!.json_schema.properties)).toEqual(["record_id", "_ab_export_window_end", "_ab_source_file_url"])
    const warnings = ofType(run.messages, "LOG").filter((m) => (m.log as { level: string }).level === "WARN")
    expect(JSON.stringify(warnings)).toContain(empty!.id)
  })

  it("offers only the configured objects", async () => {
    const run = await discover({ objects: ["theme", "feedback_record"] })
    expect(run.code, run.stderr).toBe(0)
    const streams = (ofType(run.messages, "CATALOG")[0]!.catalog as { streams: Stream[] }).streams
    expect(streams.map((s) => s.name).sort()).toEqual(["feedback_record", "theme"])
  })

  it("offers the union of old and new headers: a column only older files carry and one only newer files carry", async () => {
    const changing = await startTestEmulator({ seed: "e2e-columns" })
    try {
      changing.changeColumns("feedback_summary", "2025-12-13T00:00Z", { drop: ["summary_index"] })
      changing.changeColumns("feedback_summary", "2025-12-14T00:00Z", { add: ["sentiment", "language"] })
      const inputs = writeInputs({ config: configFor(changing, { objects: ["feedback_summary"] }) })
      const run = await runCli(["discover", "--config", inputs.config!])
      expect(run.code, run.stderr).toBe(0)
      const stream = (ofType(run.messages, "CATALOG")[0]!.catalog as { streams: Stream[] }).streams[0]!
      // The newest file's columns in its order, then the one only the oldest files carry.
      expect(changing.columnsAt("feedback_summary", "2025-12-15T05:00Z")).toEqual([
        "record_id",
        "feedback_record_id",
        "summary_text",
        "updated_at",
        "sentiment",
        "language"
      ])
      expect(Object.keys(stream.json_schema.properties)).toEqual([
        ...changing.columnsAt("feedback_summary", "2025-12-15T05:00Z"),
        "summary_index",
        "_ab_export_window_end",
        "_ab_source_file_url"
      ])
      expect(stream.json_schema.properties.sentiment).toEqual({ type: ["null", "string"] })
      const exports = changing.requestLog.filter((e) => e.listener === "api" && e.path.endsWith("/export"))
      expect(exports).toHaveLength(2)
    } finally {
      await changing.close()
    }
  })

  it("fails with a config_error TRACE and a non-zero exit for a wrong token", async () => {
    const run = await discover({ api_token: "nope" })
    expect(run.code).not.toBe(0)
    const errors = ofType(run.messages, "TRACE").map((m) => m.trace as { type: string; error?: { failure_type: string; message: string } })
    expect(errors.some((t) => t.type === "ERROR" && t.error?.failure_type === "config_error")).toBe(true)
    expect(ofType(run.messages, "CATALOG")).toHaveLength(0)
  })
})
