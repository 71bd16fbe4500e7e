// Time to replica (issue 19): how long a new user's first sync of a large tenant takes, against
// the two things that bound it at once: the organisation's export quota and the bytes the file
// host can deliver. The emulator's replica tenant (60 days over five objects: two with a file
// every hour, one every 6 hours, one sparse, one empty; 24 files a page; ~575 MB), its file host
// capped at 4 MiB/s per connection with 50 ms to the first byte of every response, and the
// rate-limit minute scaled to 3 s on both sides (the emulator's limiter and
// SOURCE_ENTERPRET_RATE_WINDOW_MS), so that the quota's 10 requests a "minute" bind as they do
// at full scale in a twentieth of the time. `discover` runs first (its export requests are
// counted), then `read` of every stream with the default settings but `max_concurrent_downloads`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { configuredCatalogFrom, type DiscoveredStream, runCommand } from "../acceptance/acceptance.js"
import { type Emulator, isoMinutes, startEmulator } from "../emulator/index.js"
import { checkRead, connectorEntry } from "./connector.js"
import { measureChild } from "./measure.js"
import type { BenchOptions } from "./options.js"

export interface ReplicaScenario {
  readonly days: number
  readonly fileBytes: number
  readonly filesPerPage: number
  /** per connection */
  readonly bandwidthBytesPerSecond: number
  readonly latencyMs: number
  readonly exportPerMinute: number
  readonly minuteMs: number
}

export const REPLICA_SCENARIO: ReplicaScenario = {
  days: 60,
  fileBytes: 184_000,
  filesPerPage: 24,
  bandwidthBytesPerSecond: 4 * 1024 * 1024,
  latencyMs: 50,
  exportPerMinute: 10,
  minuteMs: 3_000
}

/** --small: 3 days of files a tenth as large and a 1-second minute (the same shapes and limits), to prove the row works. */
export const REPLICA_SCENARIO_SMALL: ReplicaScenario = { ...REPLICA_SCENARIO, days: 3, fileBytes: 18_400, minuteMs: 1_000 }

export interface ReplicaRead {
  readonly connections: number
  readonly wallMs: number
  readonly cpuMs: number | undefined
  readonly peakRssBytes: number | undefined
  /** export requests answered 200 */
  readonly requests: number
  /** export requests answered 429 */
  readonly refused: number
  readonly records: number
  /** files downloaded more than once (a retry or a duplicate) */
  readonly filesAgain: number
  /** the most export requests any stream made between two of its checkpoints */
  readonly mostWithoutCheckpoint: number
  /** max(quota floor, bandwidth floor at this many connections) */
  readonly floorMs: number
  readonly bandwidthFloorMs: number
}

export interface TimeToReplica {
  readonly scenario: ReplicaScenario
  readonly objects: number
  readonly files: number
  readonly bytes: number
  readonly expectedRecords: number
  /** pages of one whole-range window per object */
  readonly requestFloor: number
  /** the requests of the floor at exportPerMinute per minuteMs: the last starts this long after the first */
  readonly quotaFloorMs: number
  /** export requests of `discover` */
  readonly discoverRequests: number
  readonly discoverObjects: number
  readonly reads: ReadonlyArray<ReplicaRead>
}

const NOW = "2025-12-15T10:30Z"

/** The file host's floor: every byte at `connections` x the per-connection cap, every response's first-byte wait. */
export const bandwidthFloorMs = (s: ReplicaScenario, files: number, bytes: number, connections: number): number =>
  (bytes / (connections * s.bandwidthBytesPerSecond)) * 1000 + (files * s.latencyMs) / connections

/** The quota's floor: `requests` at `exportPerMinute` a `minuteMs`: the last one can start after this. */
export const quotaFloorMs = (s: ReplicaScenario, requests: number): number =>
  Math.floor(Math.max(0, requests - 1) / s.exportPerMinute) * s.minuteMs

const exportLog = (emu: Emulator) =>
  emu.requestLog
    .filter((e) => e.listener === "api" && e.method === "POST" && e.path.endsWith("/external/v2/export"))
    .map((e) => ({ ...(e.body as { objectID: string; startTime: string }), status: e.status }))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface StateLine {
  type?: string
  state?: { stream: { stream_descriptor: { name: string }; stream_state: Record<string, string> } }
}

/** The most export requests a stream made before a checkpoint covered them (each belongs to the first checkpoint past its start). */
const mostWithoutCheckpoint = (otherLines: ReadonlyArray<string>, requests: ReadonlyArray<{ objectID: string; startTime: string }>) => {
  const states = otherLines
    .map((line) => JSON.parse(line) as StateLine)
    .flatMap((m) => (m.type === "STATE" && m.state !== undefined ? [m.state.stream] : []))
  let most = 0
  for (const stream of new Set(requests.map((r) => r.objectID))) {
    const cursors = states
      .filter((s) => s.stream_descriptor.name === stream)
      .map((s) => Date.parse(s.stream_state._ab_export_window_end ?? ""))
    const counts = cursors.map(() => 0)
    for (const r of requests.filter((q) => q.objectID === stream)) {
      const index = cursors.findIndex((c) => c > Date.parse(r.startTime))
      if (index < 0) throw new Error(`${stream}: an export request at ${r.startTime} after its last checkpoint`)
      counts[index]!++
    }
    most = Math.max(most, ...counts)
  }
  return most
}

export const measureTimeToReplica = async (
  scenario: ReplicaScenario,
  connections: ReadonlyArray<number>,
  progress: (line: string) => void
): Promise<TimeToReplica> => {
  const emu = await startEmulator({
    seed: "bench-replica",
    tenant: "replica",
    now: NOW,
    days: scenario.days,
    filesPerPage: scenario.filesPerPage,
    replicaFileBytes: scenario.fileBytes,
    fileBandwidth: scenario.bandwidthBytesPerSecond,
    fileLatencyMs: scenario.latencyMs,
    urlTtlSeconds: 24 * 3600,
    rateLimits: { exportPerMinute: scenario.exportPerMinute, objectsPerMinute: 60, minuteMs: scenario.minuteMs }
  })
  const dir = mkdtempSync(join(tmpdir(), "source-enterpret-replica-"))
  const env = { SOURCE_ENTERPRET_RATE_WINDOW_MS: String(scenario.minuteMs) }
  try {
    const replica = emu.replica!
    const start = emu.dataSpan.start.getTime()
    const end = emu.dataSpan.end.getTime()
    const objects = emu.objects().map((o) => o.id)
    let files = 0
    let requestFloor = 0
    for (const id of objects) {
      const n = replica.fileHours(id, start, end).length
      files += n
      requestFloor += Math.max(1, Math.ceil(n / scenario.filesPerPage))
    }
    const fileBytes = replica.fileBytes()
    const bytes = fileBytes.reduce((n, f) => n + f, 0)
    const expectedRecords = files * replica.rowsPerFile
    const quotaMs = quotaFloorMs(scenario, requestFloor)

    const configFor = (downloads: number) => {
      const path = join(dir, `config-${downloads}.json`)
      writeFileSync(
        path,
        JSON.stringify({
          api_token: emu.token,
          base_url: emu.baseUrl,
          start_date: isoMinutes(start),
          end_date: isoMinutes(end),
          max_concurrent_downloads: downloads
        })
      )
      return path
    }

    progress(`time to replica: ${objects.length} objects, ${files} files, ${(bytes / 1e6).toFixed(0)} MB; discover`)
    emu.clearLog()
    const discover = await runCommand(process.execPath, [connectorEntry(), "discover", "--config", configFor(4)], {
      env,
      timeoutMs: 300_000
    })
    const found = discover.messages.find((m) => m.type === "CATALOG")
    if (discover.code !== 0 || found === undefined) throw new Error(`discover failed: ${discover.stderr.slice(-2000)}`)
    const discovered = (found.catalog as { streams: DiscoveredStream[] }).streams
    const discoverRequests = exportLog(emu).length
    const catalog = join(dir, "catalog.json")
    writeFileSync(catalog, JSON.stringify(configuredCatalogFrom({ streams: discovered })))

    const reads: ReplicaRead[] = []
    for (const downloads of connections) {
      // A fresh quota for each read: the emulator's window forgets what came before.
      await sleep(scenario.minuteMs + 500)
      emu.clearLog()
      progress(`time to replica: read with max_concurrent_downloads ${downloads}`)
      const run = await measureChild(process.execPath, [connectorEntry(), "read", "--config", configFor(downloads), "--catalog", catalog], {
        label: `time to replica, ${downloads} downloads`,
        env,
        timeoutMs: 20 * 60_000
      })
      checkRead(run, { config: "", catalog, streams: objects })
      const requests = exportLog(emu)
      const gets = emu.requestLog.filter((e) => e.listener === "storage" && e.method === "GET")
      const perPath = new Map<string, number>()
      for (const g of gets) perPath.set(g.path, (perPath.get(g.path) ?? 0) + 1)
      const bandwidthMs = bandwidthFloorMs(scenario, files, bytes, downloads)
      const read: ReplicaRead = {
        connections: downloads,
        wallMs: run.wallMs,
        cpuMs: run.cpuMs,
        peakRssBytes: run.peakRssBytes,
        requests: requests.filter((r) => r.status === 200).length,
        refused: requests.filter((r) => r.status === 429).length,
        records: run.records,
        filesAgain: [...perPath.values()].filter((n) => n > 1).length,
        mostWithoutCheckpoint: mostWithoutCheckpoint(run.otherLines, requests),
        floorMs: Math.max(quotaMs, bandwidthMs),
        bandwidthFloorMs: bandwidthMs
      }
      if (read.records !== expectedRecords || perPath.size !== files) {
        throw new Error(`time to replica: ${read.records} records from ${perPath.size} files, expected ${expectedRecords} from ${files}`)
      }
      progress(
        `time to replica: ${(read.wallMs / 1000).toFixed(1)} s against a floor of ${(read.floorMs / 1000).toFixed(1)} s; ${read.requests} export requests (floor ${requestFloor}), ${read.refused} refused`
      )
      reads.push(read)
    }
    return {
      scenario,
      objects: objects.length,
      files,
      bytes,
      expectedRecords,
      requestFloor,
      quotaFloorMs: quotaMs,
      discoverRequests,
      discoverObjects: objects.length,
      reads
    }
  } finally {
    await emu.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a")

export const REPLICA_BEGIN = "<!-- time to replica: begin -->"
export const REPLICA_END = "<!-- time to replica: end -->"

/** The report's section (between markers, so that `--only replica` can replace it in place). */
export const replicaSection = (r: TimeToReplica): string[] => {
  const sc = r.scenario
  const out = [
    REPLICA_BEGIN,
    "### Time to replica",
    "",
    `A first \`read\` of every stream of the emulator's replica tenant (issue 19): ${sc.days} days over ${r.objects} objects (two with a file every hour, one every 6 hours, one sparse, one empty), ` +
      `${r.files} files of ${(r.bytes / r.files / 1000).toFixed(0)} kB (${(r.bytes / 1e6).toFixed(0)} MB, ${r.expectedRecords.toLocaleString("en")} records), ${sc.filesPerPage} files a page; ` +
      `each download connection capped at ${(sc.bandwidthBytesPerSecond / 1024 / 1024).toFixed(0)} MiB/s with ${sc.latencyMs} ms to its first byte; ` +
      `${sc.exportPerMinute} export requests a "minute" scaled to ${sc.minuteMs / 1000} s on both sides (the emulator's limiter, \`SOURCE_ENTERPRET_RATE_WINDOW_MS\`); default settings but \`max_concurrent_downloads\`.`,
    "",
    `Floors: export requests ${r.requestFloor} (one whole-range window per object: the pages it needs); the quota lets the last of them start ${s(r.quotaFloorMs)} after the first; ` +
      "the file host delivers every byte over N connections at the cap, each response after its first-byte wait. Every record arrived exactly once in every read (counted, and each file downloaded once).",
    "",
    "| downloads | first sync, wall | floor = max(quota, bandwidth) | wall / floor | export requests | / floor | 429s | most requests without a checkpoint | CPU | peak RSS |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  ]
  for (const read of r.reads) {
    out.push(
      `| ${read.connections} | ${s(read.wallMs)} | ${s(read.floorMs)} = max(${s(r.quotaFloorMs)}, ${s(read.bandwidthFloorMs)}) | ${x(read.wallMs, read.floorMs)} | ` +
        `${read.requests} | ${x(read.requests, r.requestFloor)} | ${read.refused} | ${read.mostWithoutCheckpoint} | ` +
        `${read.cpuMs === undefined ? "n/a" : s(read.cpuMs)} | ${read.peakRssBytes === undefined ? "n/a" : `${(read.peakRssBytes / 1e6).toFixed(0)} MB`} |`
    )
  }
  const met = (ok: boolean) => (ok ? "met" : "**missed**")
  out.push(
    "",
    `Targets (issue 19): first-sync wall ≤ 1.25x the floor: ${r.reads.map((read) => `${met(read.wallMs <= 1.25 * read.floorMs)} at ${read.connections}`).join(", ")}; ` +
      `export requests ≤ 1.25x the floor: ${r.reads.map((read) => `${met(read.requests <= 1.25 * r.requestFloor)} at ${read.connections}`).join(", ")}; ` +
      `no 429: ${met(r.reads.every((read) => read.refused === 0))}; at most 3 export requests without a checkpoint: ${met(r.reads.every((read) => read.mostWithoutCheckpoint <= 3))}.`,
    "",
    `\`discover\` before it: ${r.discoverRequests} export requests for ${r.discoverObjects} objects (${(r.discoverRequests / r.discoverObjects).toFixed(1)} per object; the budget is 2).`,
    "",
    REPLICA_END
  )
  return out
}

/** `markdown` with its time-to-replica section replaced by `section` (appended when it has none). */
export const withReplicaSection = (markdown: string, section: ReadonlyArray<string>): string => {
  const begin = markdown.indexOf(REPLICA_BEGIN)
  const end = markdown.indexOf(REPLICA_END)
  const text = section.join("\n")
  if (begin < 0 || end < begin) return `${markdown.replace(/\n*$/, "\n\n")}${text}\n`
  return `${markdown.slice(0, begin)}${text}${markdown.slice(end + REPLICA_END.length)}`
}

/**
 * The downloads at once of each read: the default (what a new user gets), and twice that, where
 * the file host's own floor falls below the quota's and what is measured is whether the two are
 * used at once.
 */
export const REPLICA_DOWNLOADS = [4, 8] as const

/** The row as `npm run bench` measures it (--small: a smaller tenant, the same shapes and limits). */
export const measureReplicaRow = (o: BenchOptions, progress: (line: string) => void): Promise<TimeToReplica> =>
  o.small
    ? measureTimeToReplica(REPLICA_SCENARIO_SMALL, [4], progress)
    : measureTimeToReplica(REPLICA_SCENARIO, REPLICA_DOWNLOADS, progress)

/** `--only replica`: the row alone, its section replaced in `out` (the rest of the report kept). */
export const replicaOnly = async (o: BenchOptions, out: string, progress: (line: string) => void): Promise<void> => {
  const replica = await measureReplicaRow(o, progress)
  const section = replicaSection(replica)
  writeFileSync(out, withReplicaSection(existsSync(out) ? readFileSync(out, "utf8") : "", section))
  // --json: the raw row, as the whole run's results.json holds it (`replica`).
  if (o.json !== undefined) writeFileSync(resolve(o.json), `${JSON.stringify({ replica }, null, 2)}\n`)
  process.stdout.write(`${section.join("\n")}\n`)
  progress(`time-to-replica section written to ${out}`)
}
