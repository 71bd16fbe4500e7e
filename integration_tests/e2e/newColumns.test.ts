// Issues 19 and 23: a file brings a column the catalog lacks (Enterpret's columns are dynamic).
// The emulator serves feedback_summary with a new column from 2025-12-14 on, after discover made
// the catalog. tap-enterpret sends a new SCHEMA (the union) before the first RECORD carrying it,
// and leaves a column deselected in the catalog out of SCHEMA and RECORD; Airbyte's `read` keeps
// its catalog and logs one WARN naming the column. Every message is validated (Singer's schemas,
// the Airbyte protocol's), and both replicas end at the ground truth.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { ofType, runCli, writeInputs } from "../support/cli.js"
import { configFor, startTestEmulator } from "../support/fixture.js"
import { END_ISO, expectNoStackTrace, expectReplicaMatches, read, START_ISO } from "../support/reads.js"
import { type Replica, upsert, withoutInjected } from "../support/replica.js"
import { expectSingerSync, recordsOf, type SingerMessage } from "../support/singer/messages.js"
import { type Catalog, runTapText, selectStreams, tapSync } from "../support/singer/tap.js"

const STREAM = "feedback_summary"
const CHANGED_AT = "2025-12-14T00:00Z"

let emulator: Emulator
let singerCatalog: Catalog
let airbyteStreams: Array<{ name: string; json_schema: { properties: Record<string, unknown> } }>
beforeAll(async () => {
  emulator = await startTestEmulator({ seed: "e2e-new-columns" })
  const config = configFor(emulator, { objects: [STREAM] })
  // Both catalogs are made before the column appears.
  const inputs = writeInputs({ config })
  const tap = await runTapText(["--config", inputs.config!, "--discover"])
  expect(tap.code, tap.stderr).toBe(0)
  singerCatalog = JSON.parse(tap.stdout) as Catalog
  const discover = await runCli(["discover", "--config", inputs.config!])
  expect(discover.code, discover.stderr).toBe(0)
  airbyteStreams = (ofType(discover.messages, "CATALOG")[0]!.catalog as { streams: typeof airbyteStreams }).streams
  expect(Object.keys(airbyteStreams[0]!.json_schema.properties)).not.toContain("sentiment")
  emulator.changeColumns(STREAM, CHANGED_AT, { add: ["sentiment"] })
})
afterAll(() => emulator.close())

describe("a new column in the files", () => {
  it("tap-enterpret: a SCHEMA with the column precedes the first RECORD that has it; a deselected column stays out", async () => {
    // Meltano's `select: [feedback_summary.*, "!feedback_summary.summary_text"]`.
    const selected = selectStreams(singerCatalog, [STREAM])
    const catalog = {
      streams: selected.streams.map((entry) => ({
        ...entry,
        metadata: entry.metadata.map((m) =>
          m.breadcrumb[1] === "summary_text" ? { ...m, metadata: { ...m.metadata, selected: false } } : m
        )
      }))
    }
    const run = await tapSync({ configs: [configFor(emulator, { objects: [STREAM] })], catalog })
    expect(run.code, run.stderr).toBe(0)
    expectNoStackTrace(run.stderr)
    expectSingerSync(run.messages)

    const schemas = run.messages.flatMap((m, i) => (m.type === "SCHEMA" ? [{ at: i, properties: Object.keys(m.schema.properties) }] : []))
    expect(schemas).toHaveLength(2)
    const discovered = Object.keys(singerCatalog.streams[0]!.schema.properties).filter((p) => p !== "summary_text")
    expect(schemas[0]!.properties).toEqual(discovered)
    expect(schemas[1]!.properties).toEqual([...discovered, "sentiment"])
    const firstWith = run.messages.findIndex((m) => m.type === "RECORD" && "sentiment" in m.record)
    expect(firstWith).toBeGreaterThan(schemas[1]!.at)
    // Records before it lack the column: the new SCHEMA came when the first file with it did.
    expect(run.messages.slice(0, schemas[1]!.at).filter((m) => m.type === "RECORD").length).toBeGreaterThan(0)
    expect(run.stderr).toMatch(/Stream feedback_summary: new columns sentiment; a new SCHEMA adds them/)

    const records = recordsOf(run.messages)
    for (const record of records) expect(record.record).not.toHaveProperty("summary_text")
    // The replica is the ground truth without the deselected column, the new one included.
    const replica: Replica = new Map()
    upsert(
      replica,
      records.map((m: Extract<SingerMessage, { type: "RECORD" }>) => ({ type: "RECORD", record: { stream: m.stream, data: m.record } }))
    )
    const truth = emulator.groundTruth(STREAM, START_ISO, END_ISO)
    expect([...truth.values()].some((row) => row.sentiment !== undefined)).toBe(true)
    const expected = new Map([...truth].map(([id, { summary_text: _text, ...row }]) => [id, row]))
    expect(withoutInjected(replica.get(STREAM))).toEqual(expected)
  })

  it("Airbyte read: the catalog is kept, records carry the column, one WARN names it", async () => {
    const catalog = {
      streams: airbyteStreams.map((stream) => ({
        stream: { ...stream, supported_sync_modes: ["full_refresh", "incremental"] },
        sync_mode: "incremental",
        destination_sync_mode: "append_dedup",
        cursor_field: ["_ab_export_window_end"],
        primary_key: [["record_id"]]
      }))
    }
    const run = await read({ config: configFor(emulator, { objects: [STREAM] }), catalog })
    expect(run.code, run.stderr).toBe(0)
    const warnings = ofType(run.messages, "LOG")
      .map((m) => m.log as { level: string; message: string })
      .filter((log) => log.level === "WARN")
    expect(warnings).toEqual([
      {
        level: "WARN",
        message: expect.stringMatching(
          /^Stream feedback_summary: the files carry a column that the configured catalog's schema lacks: sentiment\. Destinations will drop it until the source schema is refreshed/
        )
      }
    ])
    const replica: Replica = new Map()
    upsert(replica, run.messages)
    expectReplicaMatches(emulator, replica, [STREAM])
  })
})
