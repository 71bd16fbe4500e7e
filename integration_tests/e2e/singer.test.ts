// Issue 14: the native Singer tap, driven the way Meltano drives it (--about, --discover, selection
// in the catalog's metadata, sync, the last STATE's value back as --state), against the emulator
// over real HTTP. Every stdout line is validated against Singer's message shapes
// (support/singer/*.json); the replica is compared with the emulator's ground truth.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { writeInputs } from "../support/cli.js"
import { configFor, END, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret } from "../support/invariants.js"
import { END_ISO, expectNoStackTrace, expectReplicaMatches, START_ISO } from "../support/reads.js"
import { type Replica, upsert } from "../support/replica.js"
import { expectSingerSync, expectValid, recordsOf, type SingerMessage, statesOf } from "../support/singer/messages.js"
import { type Catalog, runTap, runTapText, selectStreams, tapSync } from "../support/singer/tap.js"

const SELECTED = ["feedback_record", "theme"]
const MIDDLE = "2025-12-14T00:00Z"

let emulator: Emulator
let discovered: Catalog
beforeAll(async () => {
  emulator = await startTestEmulator()
})
beforeEach(() => {
  emulator.faults.reset()
  emulator.clearLog()
})
afterAll(() => emulator.close())

/** The config split over two files as Meltano may pass it: the later file wins. */
const configs = (overrides: Record<string, unknown> = {}) => {
  const { api_token, base_url, start_date } = configFor(emulator)
  return [
    { api_token, base_url, start_date, end_date: "2025-12-12T01:00Z" },
    { ...configFor(emulator, overrides), api_token: undefined, base_url: undefined }
  ]
}

/** The records of a sync as a destination would upsert them, by record_id, latest window winning. */
const upsertSinger = (replica: Replica, messages: ReadonlyArray<SingerMessage>) =>
  upsert(
    replica,
    recordsOf(messages).map((m) => ({ type: "RECORD", record: { stream: m.stream, data: m.record } }))
  )

const pairs = (messages: ReadonlyArray<SingerMessage>) =>
  recordsOf(messages).map((m) => `${m.stream} ${m.record.record_id}@${m.record._ab_export_window_end}`)

/** The checks every sync makes: Singer's order rules, no token anywhere, no bare stack trace. */
const checked = async (...args: Parameters<typeof tapSync>) => {
  const run = await tapSync(...args)
  expectSingerSync(run.messages)
  for (const value of statesOf(run.messages)) expectValid("state-value", value)
  expectNoSecret(emulator.token, run.stdout, run.stderr)
  expectNoStackTrace(run.stderr)
  return run
}

const lastState = (messages: ReadonlyArray<SingerMessage>) => statesOf(messages).at(-1)

describe("tap-enterpret --about", () => {
  it("--format json describes the tap: capabilities and settings, the token a secret", async () => {
    const run = await runTapText(["--about", "--format", "json"])
    expect(run.code, run.stderr).toBe(0)
    const about = JSON.parse(run.stdout) as {
      name: string
      capabilities: string[]
      settings: { required: string[]; properties: Record<string, { secret?: boolean; type: string }> }
    }
    expectValid("about", about)
    expect(about.name).toBe("tap-enterpret")
    expect(about.capabilities.sort()).toEqual(["about", "catalog", "discover", "state"])
    expect(about.settings.required).toEqual(["api_token", "start_date"])
    expect(about.settings.properties.api_token).toMatchObject({ type: "string", secret: true })
    expect(about.settings.properties.window_hours?.type).toBe("integer")
    expect(Object.values(about.settings.properties).filter((p) => p.secret)).toHaveLength(1)
  })

  it("--format=markdown (also the default) is a readable page with the settings table", async () => {
    const run = await runTapText(["--about", "--format=markdown"])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^# `tap-enterpret`\n/)
    expect(run.stdout).toContain("* `discover`")
    expect(run.stdout).toMatch(/^\| api_token \| string \| yes \| yes \|/m)
    expect((await runTapText(["--about"])).stdout).toBe(run.stdout)
  })
})

describe("tap-enterpret --discover", () => {
  it("prints one catalog: a stream per object, key record_id, stream and property metadata; merges --config files in order", async () => {
    const files = writeInputs(Object.fromEntries(configs().map((c, i) => [`config${i}`, c])))
    const run = await runTapText(["--config", files.config0!, "--config", files.config1!, "--discover"])
    expect(run.code, run.stderr).toBe(0)
    expectNoSecret(emulator.token, run.stdout, run.stderr)
    discovered = JSON.parse(run.stdout) as Catalog
    expectValid("catalog", discovered)
    expect(discovered.streams.map((s) => s.tap_stream_id).sort()).toEqual(
      emulator
        .objects()
        .map((o) => o.id)
        .sort()
    )
    for (const entry of discovered.streams) {
      expect(entry.stream).toBe(entry.tap_stream_id)
      expect(entry.key_properties).toEqual(["record_id"])
      const streamLevel = entry.metadata.filter((m) => m.breadcrumb.length === 0)
      expect(streamLevel).toHaveLength(1)
      expect(streamLevel[0]!.metadata).toMatchObject({
        inclusion: "available",
        "table-key-properties": ["record_id"],
        "valid-replication-keys": ["_ab_export_window_end"]
      })
      // One breadcrumb per property, each property once.
      const crumbs = entry.metadata.filter((m) => m.breadcrumb.length > 0).map((m) => m.breadcrumb)
      expect(crumbs).toEqual(Object.keys(entry.schema.properties).map((p) => ["properties", p]))
    }
    const feedback = discovered.streams.find((s) => s.tap_stream_id === "feedback_record")!
    expect(Object.keys(feedback.schema.properties)).toEqual(expect.arrayContaining(["record_id", "message_text", "_ab_export_window_end"]))
    // The object without any file is reported on stderr, never on stdout.
    expect(run.stderr).toMatch(/WARNING No export file found for support_ticket_tag/)
    // The second file's end_date won over the first's: headers were probed up to END.
    const probed = emulator.requestLog.filter((e) => e.path.endsWith("/export")).map((e) => (e.body as { endTime: string }).endTime)
    expect(new Set(probed)).toEqual(new Set([END]))
  })
})

describe("tap-enterpret sync", () => {
  beforeAll(async () => {
    if (discovered !== undefined) return
    const files = writeInputs({ config: configFor(emulator) })
    discovered = JSON.parse((await runTapText(["--config", files.config!, "--discover"])).stdout) as Catalog
  })

  it("two incremental syncs through faults, the second from the first's last STATE, give exactly the truth; only selected streams appear", async () => {
    const catalog = selectStreams(discovered, SELECTED)
    // First sync up to the middle, through 429s, 5xx, expired URLs and cut downloads.
    emulator.faults.rateLimitBurst("export", 2, 1)
    emulator.faults.serverError("export", { nth: 3, count: 2, status: 503 })
    emulator.faults.expireUrls(2)
    emulator.faults.cutDownload(300, 2)
    const first = await checked({ configs: configs({ end_date: MIDDLE }), catalog })
    expect(first.code, first.stderr).toBe(0)
    expect(
      emulator.requestLog
        .filter((e) => e.fault !== undefined)
        .map((e) => e.fault)
        .sort()
    ).toEqual(["429", "429", "5xx", "5xx", "cut", "cut", "expire", "expire"])
    const state = lastState(first.messages)
    expect(state).toEqual({
      bookmarks: {
        feedback_record: { _ab_export_window_end: "2025-12-14T00:00:00Z" },
        theme: { _ab_export_window_end: "2025-12-14T00:00:00Z" }
      }
    })

    // Second sync from that value, to the end, through more faults.
    emulator.clearLog()
    emulator.faults.rateLimitDownloads(1, 1)
    emulator.faults.cutDownload(500, 1)
    emulator.faults.expireUrls(1)
    const second = await checked({ configs: configs(), catalog, state })
    expect(second.code, second.stderr).toBe(0)
    expect(lastState(second.messages)).toEqual({
      bookmarks: { feedback_record: { _ab_export_window_end: END_ISO }, theme: { _ab_export_window_end: END_ISO } }
    })
    // The second sync exported nothing before the bookmark.
    for (const e of emulator.requestLog.filter((e) => e.path.endsWith("/export"))) {
      expect((e.body as { startTime: string }).startTime >= "2025-12-14T00:00Z").toBe(true)
    }

    const all = [...first.messages, ...second.messages]
    const emitted = pairs(all)
    expect(new Set(emitted).size, "a record version emitted twice").toBe(emitted.length)
    expect(new Set(recordsOf(all).map((m) => m.stream))).toEqual(new Set(SELECTED))
    expect(new Set(all.flatMap((m) => (m.type === "SCHEMA" ? [m.stream] : [])))).toEqual(new Set(SELECTED))
    const replica = upsertSinger(new Map(), all)
    expectReplicaMatches(emulator, replica, SELECTED, START_ISO, END_ISO)
    // null (an unquoted empty cell) and "" (a quoted one) stay apart, as in the truth.
    const cells = [...replica.get("feedback_record")!.values()].flatMap((row) => Object.values(row))
    expect(cells).toContain(null)
    expect(cells).toContain("")
  })

  it("a sync stopped by SIGTERM exits non-zero with no bookmark past what it emitted; the next sync from its last STATE completes the truth", async () => {
    const catalog = selectStreams(discovered, SELECTED)
    let states = 0
    const stopped = await checked(
      { configs: configs({ window_hours: 1 }), catalog },
      { onMessage: (message, child) => (message.type === "STATE" && ++states === 3 ? child.kill("SIGTERM") : undefined) }
    )
    expect(stopped.code).not.toBe(0)
    const state = lastState(stopped.messages)!
    const bookmarks = Object.values(state.bookmarks).map((b) => b._ab_export_window_end)
    expect(
      bookmarks.some((b) => b < END_ISO),
      "the sync was stopped before the end"
    ).toBe(true)
    const resumed = await checked({ configs: configs({ window_hours: 1 }), catalog, state })
    expect(resumed.code, resumed.stderr).toBe(0)
    // The resumed sync starts after each bookmark: nothing the stopped one saved comes twice.
    for (const m of recordsOf(resumed.messages)) {
      const bookmark = state.bookmarks[m.stream]?._ab_export_window_end
      if (bookmark !== undefined) expect(m.record._ab_export_window_end! > bookmark).toBe(true)
    }
    expectReplicaMatches(emulator, upsertSinger(upsertSinger(new Map(), stopped.messages), resumed.messages), SELECTED)
  })

  it("without --catalog reads every stream", async () => {
    const files = writeInputs({ config: configFor(emulator) })
    const run = await runTap(["--config", files.config!])
    expect(run.code, run.stderr).toBe(0)
    expectSingerSync(run.messages)
    const schemas = run.messages.flatMap((m) => (m.type === "SCHEMA" ? [m.stream] : []))
    expect(schemas.sort()).toEqual(
      emulator
        .objects()
        .map((o) => o.id)
        .sort()
    )
    expect(Object.keys(lastState(run.messages)!.bookmarks).sort()).toEqual(schemas)
  })

  it("a failing stream does not stop the others; the exit code says so and its bookmark stays behind the failure", async () => {
    emulator.faults.malformedRow("feedback_record")
    const run = await checked({ configs: configs(), catalog: selectStreams(discovered, SELECTED) })
    emulator.faults.reset()
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/ERROR Stream feedback_record failed \(system_error\): Stream feedback_record: file .*, line \d+/)
    expect(run.stderr).toMatch(/ERROR Sync incomplete: feedback_record failed/)
    const state = lastState(run.messages)!
    expect(state.bookmarks.theme).toEqual({ _ab_export_window_end: END_ISO })
    expectReplicaMatches(emulator, upsertSinger(new Map(), run.messages), ["theme"])
    const failedAt = state.bookmarks.feedback_record?._ab_export_window_end
    // Every feedback record emitted lies at or before its bookmark or in the failed window, never past it unsaid.
    const ends = recordsOf(run.messages)
      .filter((m) => m.stream === "feedback_record")
      .map((m) => m.record._ab_export_window_end!)
    const beyond = ends.filter((end) => failedAt === undefined || end > failedAt)
    expect(new Set(beyond).size, "records of more than the one failed window past the bookmark").toBeLessThanOrEqual(1)
  })

  it("FULL_TABLE reads from start_date and leaves its bookmark as it was; bookmarks of streams not synced are carried on", async () => {
    const state = {
      bookmarks: {
        theme: { _ab_export_window_end: "2025-12-14T00:00:00Z" },
        nps_response: { _ab_export_window_end: "2025-12-13T00:00:00Z" }
      }
    }
    const run = await checked({ configs: configs(), catalog: selectStreams(discovered, ["theme"], "FULL_TABLE"), state })
    expect(run.code, run.stderr).toBe(0)
    const schema = run.messages.find((m) => m.type === "SCHEMA")
    expect(schema).toMatchObject({ stream: "theme", key_properties: ["record_id"] })
    expect(schema).not.toHaveProperty("bookmark_properties")
    for (const value of statesOf(run.messages)) expect(value).toEqual(state)
    expectReplicaMatches(emulator, upsertSinger(new Map(), run.messages), ["theme"])
  })

  it("accepts the Airbyte connector's per-stream state, for people switching over", async () => {
    const airbyteState = [
      { type: "STREAM", stream: { stream_descriptor: { name: "theme" }, stream_state: { _ab_export_window_end: "2025-12-14T00:00:00Z" } } }
    ]
    const run = await checked({ configs: configs(), catalog: selectStreams(discovered, ["theme"]), state: airbyteState })
    expect(run.code, run.stderr).toBe(0)
    const ends = recordsOf(run.messages).map((m) => m.record._ab_export_window_end!)
    expect(ends.length).toBeGreaterThan(0)
    for (const end of ends) expect(end > "2025-12-14T00:00:00Z").toBe(true)
    expect(lastState(run.messages)).toEqual({ bookmarks: { theme: { _ab_export_window_end: END_ISO } } })
  })

  it("bad input is one clear line on stderr naming the file and field with nothing on stdout; a rejected token stops the sync with no STATE; exit 1", async () => {
    const bad = await tapSync({
      configs: configs(),
      catalog: selectStreams(discovered, ["theme"]),
      state: { bookmarks: { theme: { _ab_export_window_end: "yesterday" } } }
    })
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe("")
    expect(bad.stderr).toMatch(
      /^CRITICAL State file .*state\.json is invalid: bookmarks\.theme\._ab_export_window_end must be a whole UTC hour/m
    )
    const noConfig = await runTap(["--catalog", writeInputs({ catalog: discovered }).catalog!])
    expect(noConfig.code).toBe(1)
    expect(noConfig.stdout).toBe("")
    expect(noConfig.stderr).toMatch(/--config FILE is required/)
    const wrongKey = await tapSync({
      configs: configs(),
      catalog: {
        streams: [
          { ...discovered.streams[0]!, metadata: [{ breadcrumb: [], metadata: { selected: true, "replication-key": "updated_at" } }] }
        ]
      }
    })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stderr).toMatch(/replication-key must be _ab_export_window_end/)
    const wrongToken = await tapSync({
      configs: [...configs(), { api_token: "not-the-token-1234" }],
      catalog: selectStreams(discovered, SELECTED)
    })
    expect(wrongToken.code).toBe(1)
    expect(wrongToken.stderr).toMatch(/^CRITICAL Enterpret rejected the API token \(401 UNAUTHORIZED\)/m)
    expect(statesOf(wrongToken.messages)).toEqual([])
    expectNoSecret("not-the-token-1234", wrongToken.stdout, wrongToken.stderr)
    expectNoStackTrace(bad.stderr + noConfig.stderr + wrongKey.stderr + wrongToken.stderr)
  })
})
