// Export requests of a backfill: the connector's requests to the export endpoint, counted in the
// emulator's request log, against the fewest that could do (one per window plus one per further
// page of files), over the emulator's ordinary (non-bench) tenant with `window_hours` 24.
import { rmSync } from "node:fs"
import { dirname } from "node:path"
import { isoMinutes, startEmulator } from "../emulator/index.js"
import { type ConnectorInputs, checkRead, connectorEntry, prepareConnector } from "./connector.js"
import { exportPlan } from "./exportPlan.js"
import { measureChild } from "./measure.js"

export interface ExportRequests {
  readonly days: number
  readonly windowHours: number
  readonly streams: number
  readonly windows: number
  /** export responses beyond the first of each window (files on later pages) */
  readonly extraPages: number
  /** export requests the connector made during `read` */
  readonly requests: number
  /** of those, answered with something else than 200 */
  readonly refused: number
  readonly files: number
  /** GETs of signed URLs during `read` */
  readonly downloads: number
  readonly records: number
  readonly wallMs: number
}

const HOUR = 3_600_000
const NOW = "2025-12-15T10:30Z"

export const measureExportRequests = async (days: number): Promise<ExportRequests> => {
  const windowHours = 24
  const emu = await startEmulator({
    seed: "bench-requests",
    now: NOW,
    days,
    scale: "tiny",
    filesPerPage: 4,
    urlTtlSeconds: 24 * 3600,
    rateLimits: { exportPerMinute: 1_000_000, objectsPerMinute: 1_000_000 }
  })
  let inputs: ConnectorInputs | undefined
  try {
    const start = emu.dataSpan.start.getTime()
    const end = emu.dataSpan.end.getTime()
    inputs = await prepareConnector({
      baseUrl: emu.baseUrl,
      token: emu.token,
      streams: "all",
      startDate: isoMinutes(start),
      endDate: isoMinutes(end),
      windowHours,
      syncMode: "incremental"
    })
    emu.clearLog()
    const run = await measureChild(process.execPath, [connectorEntry(), "read", "--config", inputs.config, "--catalog", inputs.catalog], {
      label: "backfill read",
      timeoutMs: 10 * 60_000
    })
    checkRead(run, inputs)
    const exports = emu.requestLog.filter((e) => e.listener === "api" && e.method === "POST" && e.path.endsWith("/external/v2/export"))
    const downloads = emu.requestLog.filter((e) => e.listener === "storage" && e.method === "GET").length
    let windows = 0
    let pages = 0
    let files = 0
    for (const stream of inputs.streams) {
      for (let s = start; s < end; s += windowHours * HOUR) {
        const e = Math.min(end, s + windowHours * HOUR)
        const plan = await exportPlan(emu, stream, isoMinutes(s), isoMinutes(e), "")
        windows++
        pages += plan.pages
        files += plan.files.length
      }
    }
    return {
      days,
      windowHours,
      streams: inputs.streams.length,
      windows,
      extraPages: pages - windows,
      requests: exports.length,
      refused: exports.filter((e) => e.status !== 200).length,
      files,
      downloads,
      records: run.records,
      wallMs: run.wallMs
    }
  } finally {
    if (inputs !== undefined) rmSync(dirname(inputs.config), { recursive: true, force: true })
    await emu.close()
  }
}
