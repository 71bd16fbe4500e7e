// Export requests of a backfill (issue #10): `read` of every stream over the emulator's year-long
// tenant (two objects with a file a day, one about every sixth day, three that change a few times
// a year, one empty), once with adaptive windows (no `window_hours`) and once with fixed daily
// windows (`window_hours` 24, 0.1.0's default), requests counted in the emulator's log, against
// the floor: the pages of one whole-range window per object (the fewest requests that could list
// every file, with no checkpoint until the end).
import { rmSync } from "node:fs"
import { dirname } from "node:path"
import { type Emulator, isoMinutes, startEmulator } from "../emulator/index.js"
import { checkRead, connectorEntry, prepareConnector } from "./connector.js"
import { exportPlan } from "./exportPlan.js"
import { measureChild } from "./measure.js"

export interface BackfillRead {
  /** undefined: adaptive */
  readonly windowHours: number | undefined
  /** export requests the connector made during `read` */
  readonly requests: number
  /** of those, answered with something else than 200 */
  readonly refused: number
  /** STATE messages */
  readonly checkpoints: number
  /** the most export requests any stream made between two of its checkpoints */
  readonly mostWithoutCheckpoint: number
  readonly records: number
  readonly wallMs: number
}

export interface Backfill {
  readonly days: number
  readonly streams: number
  readonly filesPerPage: number
  readonly files: number
  /** pages of one whole-range window per object */
  readonly floor: number
  /** fixed daily windows: one request per window and stream, plus further pages */
  readonly dailyWindows: number
  readonly dailyExtraPages: number
  readonly adaptive: BackfillRead
  readonly daily: BackfillRead
}

const HOUR = 3_600_000
const NOW = "2025-12-15T10:30Z"

const exportLog = (emu: Emulator) =>
  emu.requestLog
    .filter((e) => e.listener === "api" && e.method === "POST" && e.path.endsWith("/external/v2/export"))
    .map((e) => ({ ...(e.body as { objectID: string; startTime: string }), status: e.status }))

const readOnce = async (emu: Emulator, windowHours: number | undefined, start: string, end: string): Promise<BackfillRead> => {
  const inputs = await prepareConnector({
    baseUrl: emu.baseUrl,
    token: emu.token,
    streams: "all",
    startDate: start,
    endDate: end,
    windowHours,
    syncMode: "incremental"
  })
  try {
    emu.clearLog()
    const run = await measureChild(process.execPath, [connectorEntry(), "read", "--config", inputs.config, "--catalog", inputs.catalog], {
      label: `backfill read, ${windowHours === undefined ? "adaptive windows" : `window_hours ${windowHours}`}`,
      timeoutMs: 20 * 60_000,
      // What is counted is requests, not time: a one-second "minute" (600 requests a second)
      // keeps the client's pacing out of the run's length.
      env: { SOURCE_ENTERPRET_RATE_WINDOW_MS: "1000" }
    })
    checkRead(run, inputs)
    const requests = exportLog(emu)
    const states = run.otherLines
      .map(
        (line) =>
          JSON.parse(line) as {
            type?: string
            state?: { stream: { stream_descriptor: { name: string }; stream_state: Record<string, string> } }
          }
      )
      .flatMap((m) =>
        m.type === "STATE" && m.state !== undefined
          ? [{ stream: m.state.stream.stream_descriptor.name, cursor: m.state.stream.stream_state._ab_export_window_end ?? "" }]
          : []
      )
    // A request belongs to the first checkpoint of its stream past its startTime: windows tile
    // the range, and a split window's request starts where its replacement starts.
    let most = 0
    for (const stream of inputs.streams) {
      const cursors = states.filter((s) => s.stream === stream).map((s) => Date.parse(s.cursor))
      const counts = cursors.map(() => 0)
      for (const r of requests.filter((r) => r.objectID === stream)) {
        const index = cursors.findIndex((c) => c > Date.parse(r.startTime))
        if (index < 0) throw new Error(`${stream}: an export request at ${r.startTime} after its last checkpoint`)
        counts[index]!++
      }
      most = Math.max(most, ...counts)
    }
    return {
      windowHours,
      requests: requests.length,
      refused: requests.filter((r) => r.status !== 200).length,
      checkpoints: states.length,
      mostWithoutCheckpoint: most,
      records: run.records,
      wallMs: run.wallMs
    }
  } finally {
    rmSync(dirname(inputs.config), { recursive: true, force: true })
  }
}

export const measureBackfill = async (days: number): Promise<Backfill> => {
  const emu = await startEmulator({
    seed: "bench-backfill",
    tenant: "year",
    now: NOW,
    days,
    urlTtlSeconds: 24 * 3600,
    rateLimits: { exportPerMinute: 1_000_000, objectsPerMinute: 1_000_000 }
  })
  try {
    const startMs = emu.dataSpan.start.getTime()
    const endMs = emu.dataSpan.end.getTime()
    const [start, end] = [isoMinutes(startMs), isoMinutes(endMs)]
    const streams = emu.objects().map((o) => o.id)
    let floor = 0
    let files = 0
    let dailyWindows = 0
    let dailyPages = 0
    for (const stream of streams) {
      const whole = await exportPlan(emu, stream, start, end, "")
      floor += whole.pages
      files += whole.files.length
      for (let s = startMs; s < endMs; s += 24 * HOUR) {
        dailyWindows++
        dailyPages += (await exportPlan(emu, stream, isoMinutes(s), isoMinutes(Math.min(endMs, s + 24 * HOUR)), "")).pages
      }
    }
    const adaptive = await readOnce(emu, undefined, start, end)
    const daily = await readOnce(emu, 24, start, end)
    return {
      days,
      streams: streams.length,
      filesPerPage: emu.filesPerPage,
      files,
      floor,
      dailyWindows,
      dailyExtraPages: dailyPages - dailyWindows,
      adaptive,
      daily
    }
  } finally {
    await emu.close()
  }
}
