// The built CLI's `read` against the emulator over real HTTP: replicas equal the ground truth.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { ofType, runCli, writeInputs } from "../support/cli.js"
import { END, START, catalogFor, configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants, stateOf } from "../support/invariants.js"
import type { AirbyteMessage } from "../support/protocol.js"
import { type Replica, recordsOf, upsert, withoutInjected } from "../support/replica.js"

const HOUR = 3_600_000
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`
const endMs = Date.parse(END.replace("Z", ":00Z"))

/** `record_id@window_end` of each record of a stream, in emission order. */
const versions = (messages: ReadonlyArray<AirbyteMessage>, stream: string) =>
  recordsOf(messages)
    .filter((r) => r.stream === stream)
    .map((r) => `${r.data.record_id as string}@${r.data._ab_export_window_end as string}`)

let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator()
})
afterAll(() => emulator.close())

describe("read", () => {
  it("a full incremental read of every stream equals the emulator's ground truth", async () => {
    const streams = emulator.objects().map((o) => o.id)
    const inputs = writeInputs({ config: configFor(emulator), catalog: catalogFor(streams) })
    emulator.clearLog()
    const run = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!])
    expect(run.code, run.stderr).toBe(0)
    expectReadInvariants(run.messages)
    expectNoSecret(emulator.token, run.stdout, run.stderr)

    const replica = upsert(new Map(), run.messages)
    let total = 0
    for (const stream of streams) {
      const truth = emulator.groundTruth(stream, START.replace("Z", ":00Z"), END.replace("Z", ":00Z"))
      total += truth.size
      expect(withoutInjected(replica.get(stream)), stream).toEqual(truth)
      const states = ofType(run.messages, "STATE")
        .map(stateOf)
        .filter((s) => s.stream === stream)
      expect(states.at(-1)?.cursor, `${stream} final cursor`).toBe(iso(endMs))
    }
    expect(total).toBeGreaterThan(100)

    // The token goes to the API and never to the file host.
    const api = emulator.requestLog.filter((e) => e.listener === "api")
    const storage = emulator.requestLog.filter((e) => e.listener === "storage")
    expect(api.length).toBeGreaterThan(0)
    expect(storage.length).toBeGreaterThan(0)
    expect(api.every((e) => e.authorization === `Bearer ${emulator.token}`)).toBe(true)
    expect(storage.every((e) => e.authorization === undefined)).toBe(true)

    // Injected fields: the window end in RFC 3339 and the file URL without its signature.
    for (const record of recordsOf(run.messages)) {
      expect(record.data._ab_export_window_end).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/)
      expect(record.data._ab_source_file_url).toMatch(new RegExp(`^${emulator.storageUrl}/[^?]+$`))
    }
    const statuses = ofType(run.messages, "TRACE").filter((m) => (m.trace as { type: string }).type === "ESTIMATE")
    expect(new Set(statuses.map((m) => (m.trace as { estimate: { name: string } }).estimate.name))).toEqual(new Set(streams))
  })

  it("resuming from each checkpoint yields exactly the rest of the records", async () => {
    const stream = "feedback_record"
    const config = configFor(emulator, { window_hours: 12 })
    const full = writeInputs({ config, catalog: catalogFor([stream]) })
    const run = await runCli(["read", "--config", full.config!, "--catalog", full.catalog!])
    expect(run.code, run.stderr).toBe(0)
    const states = run.messages.map((m, i) => ({ m, i })).filter(({ m }) => m.type === "STATE")
    expect(states.length).toBeGreaterThanOrEqual(6)
    for (const { m, i } of states) {
      const inputs = writeInputs({ config, catalog: catalogFor([stream]), state: [m.state] })
      const resumed = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!, "--state", inputs.state!])
      expect(resumed.code, resumed.stderr).toBe(0)
      expectReadInvariants(resumed.messages)
      // Files of a window are read concurrently, so only the order of windows is fixed.
      expect(versions(resumed.messages, stream).sort(), `resumed from ${stateOf(m).cursor}`).toEqual(
        versions(run.messages.slice(i + 1), stream).sort()
      )
    }
  })

  it("a state in the future yields no records, a WARN, and one STATE set back to the read's end (issue 22)", async () => {
    const future = "2030-01-01T00:00:00Z"
    const inputs = writeInputs({
      config: configFor(emulator),
      catalog: catalogFor(["feedback_record", "theme"]),
      state: { feedback_record: { _ab_export_window_end: future }, theme: { _ab_export_window_end: future } }
    })
    const run = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!, "--state", inputs.state!])
    expect(run.code, run.stderr).toBe(0)
    expect(ofType(run.messages, "RECORD")).toHaveLength(0)
    const states = ofType(run.messages, "STATE").map(stateOf)
    expect(states.sort((a, b) => a.stream.localeCompare(b.stream))).toEqual([
      { stream: "feedback_record", cursor: iso(endMs), count: 0 },
      { stream: "theme", cursor: iso(endMs), count: 0 }
    ])
    const warnings = ofType(run.messages, "LOG").map((m) => (m.log as { message: string }).message)
    expect(warnings.filter((w) => w.includes(`its state (${future}) lies past this read's end (${iso(endMs)}`))).toHaveLength(2)
    expectReadInvariants(run.messages)
  })

  it("window_hours 1 checkpoints every hour", async () => {
    const start = iso(endMs - 6 * HOUR)
    const inputs = writeInputs({
      config: configFor(emulator, { window_hours: 1, start_date: start }),
      catalog: catalogFor(["feedback_record"])
    })
    const run = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!])
    expect(run.code, run.stderr).toBe(0)
    expect(ofType(run.messages, "STATE").map((m) => stateOf(m).cursor)).toEqual([5, 4, 3, 2, 1, 0].map((h) => iso(endMs - h * HOUR)))
    const truth = emulator.groundTruth("feedback_record", start, END.replace("Z", ":00Z"))
    expect(withoutInjected(upsert(new Map(), run.messages).get("feedback_record"))).toEqual(truth)
  })

  it("full_refresh reads from start_date without a state, and resumes from the state of an earlier attempt (is_resumable)", async () => {
    const catalog = catalogFor(["theme"], "full_refresh")
    const config = configFor(emulator, { window_hours: 24 })
    const fresh = writeInputs({ config, catalog })
    const first = await runCli(["read", "--config", fresh.config!, "--catalog", fresh.catalog!])
    expect(first.code, first.stderr).toBe(0)
    expectReadInvariants(first.messages)
    expect(ofType(first.messages, "STATE").length).toBe(4)
    const truth = emulator.groundTruth("theme", START.replace("Z", ":00Z"), END.replace("Z", ":00Z"))
    expect(truth.size).toBeGreaterThan(0)
    expect(withoutInjected(upsert(new Map(), first.messages).get("theme"))).toEqual(truth)

    // An attempt cut after two windows left this state: the platform passes it to the next attempt
    // of the same job, which reads only what is left, and the two together are the whole truth.
    const saved = ofType(first.messages, "STATE").map((m) => stateOf(m).cursor)[1]!
    const inputs = writeInputs({ config, catalog, state: { theme: { _ab_export_window_end: saved } } })
    const resumed = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!, "--state", inputs.state!])
    expect(resumed.code, resumed.stderr).toBe(0)
    expectReadInvariants(resumed.messages)
    expect(ofType(resumed.messages, "STATE").map((m) => stateOf(m).cursor)).toEqual(
      ofType(first.messages, "STATE")
        .map((m) => stateOf(m).cursor)
        .slice(2)
    )
    const ends = recordsOf(resumed.messages).map((r) => r.data._ab_export_window_end as string)
    expect(ends.length).toBeGreaterThan(0)
    expect(ends.every((end) => end > saved)).toBe(true)
    const cut: ReadonlyArray<AirbyteMessage> = first.messages.filter(
      (m) => m.type !== "RECORD" || ((m.record as { data: Record<string, string> }).data._ab_export_window_end ?? "") <= saved
    )
    expect(withoutInjected(upsert(upsert(new Map(), cut), resumed.messages).get("theme"))).toEqual(truth)
  })

  it("a lookback re-reads recent windows without moving the cursor back", async () => {
    const saved = iso(endMs - 3 * HOUR)
    const inputs = writeInputs({
      config: configFor(emulator, { lookback_hours: 5, window_hours: 1 }),
      catalog: catalogFor(["feedback_record"]),
      state: [
        { type: "STREAM", stream: { stream_descriptor: { name: "feedback_record" }, stream_state: { _ab_export_window_end: saved } } }
      ]
    })
    const run = await runCli(["read", "--config", inputs.config!, "--catalog", inputs.catalog!, "--state", inputs.state!])
    expect(run.code, run.stderr).toBe(0)
    expectReadInvariants(run.messages)
    const cursors = ofType(run.messages, "STATE").map((m) => stateOf(m).cursor)
    expect(cursors).toEqual([2, 1, 0].map((h) => iso(endMs - h * HOUR)))
    const truth = emulator.groundTruth("feedback_record", iso(endMs - 8 * HOUR), END.replace("Z", ":00Z"))
    expect(withoutInjected(upsert(new Map(), run.messages).get("feedback_record"))).toEqual(truth)
  })
})

describe("sequential incremental reads", () => {
  it("the second read delivers only the versions that arrived after the first", async () => {
    const own = await startTestEmulator({ seed: "sequential" })
    try {
      const streams = ["feedback_record", "product_feedback_envelope"]
      const first = writeInputs({ config: configFor(own), catalog: catalogFor(streams) })
      const run1 = await runCli(["read", "--config", first.config!, "--catalog", first.catalog!])
      expect(run1.code, run1.stderr).toBe(0)
      const replica: Replica = upsert(new Map(), run1.messages)

      // New data arrives: new records in the next hour, updates of old ones in the hour after.
      own.clock.advance(3 * HOUR)
      const added = own.addRecords("feedback_record", iso(endMs + 20 * 60_000), 5)
      const updated = [...own.groundTruth("feedback_record", START.replace("Z", ":00Z"), iso(endMs)).keys()].slice(0, 3)
      own.updateRecords("feedback_record", updated, iso(endMs + HOUR + 30 * 60_000))
      const newEnd = iso(endMs + 3 * HOUR)

      const finalStates = new Map(ofType(run1.messages, "STATE").map((m) => [stateOf(m).stream, m.state]))
      const second = writeInputs({
        config: configFor(own, { end_date: newEnd }),
        catalog: catalogFor(streams),
        state: [...finalStates.values()]
      })
      const run2 = await runCli(["read", "--config", second.config!, "--catalog", second.catalog!, "--state", second.state!])
      expect(run2.code, run2.stderr).toBe(0)
      expectReadInvariants(run2.messages)
      const delivered = recordsOf(run2.messages)
        .filter((r) => r.stream === "feedback_record")
        .map((r) => r.data.record_id as string)
      expect(new Set(delivered)).toEqual(new Set([...added, ...updated]))
      expect(delivered).toHaveLength(added.length + updated.length)

      upsert(replica, run2.messages)
      for (const stream of streams) {
        expect(withoutInjected(replica.get(stream)), stream).toEqual(own.groundTruth(stream, START.replace("Z", ":00Z"), newEnd))
      }
    } finally {
      await own.close()
    }
  })
})
