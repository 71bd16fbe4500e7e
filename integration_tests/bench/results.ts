// Everything one `npm run bench` measured, as the report renders it and `--json` writes it.
import type { ColdStart } from "./coldStart.js"
import type { Backfill } from "./exportRequests.js"
import type { Machine } from "./machine.js"
import type { Measurement } from "./measure.js"
import type { ProfileSummary } from "./profile.js"
import type { TimeToReplica } from "./timeToReplica.js"

export type Runner = "connector" | "node" | "python" | "orjson"

export interface ObjectResult {
  readonly object: string
  readonly kind: "feedback" | "wide"
  readonly files: number
  readonly inputBytes: number
  readonly connector: Measurement
  readonly node: Measurement
  /** undefined when the Python baseline was skipped */
  readonly python: Measurement | undefined
  /** Python csv + orjson; undefined when skipped */
  readonly orjson: Measurement | undefined
}

export interface RssPoint {
  readonly object: string
  readonly inputBytes: number
  readonly run: Measurement
}

export interface BenchResults {
  readonly machine: Machine
  /** how the run was invoked, e.g. "npm run bench -- --small" */
  readonly invocation: string
  readonly repeat: number
  readonly small: boolean
  readonly measureMethod: string
  /** why there is no Python baseline, when there is none */
  readonly pythonSkipped: string | undefined
  /** why there is no Python csv + orjson baseline, when there is none */
  readonly orjsonSkipped: string | undefined
  readonly objects: ReadonlyArray<ObjectResult>
  /** the smaller and the larger single file; undefined when skipped */
  readonly rss: { readonly base: RssPoint; readonly big: RssPoint } | undefined
  readonly coldStart: ColdStart
  readonly backfill: Backfill
  /** issue 19's first sync of a large tenant; undefined when skipped */
  readonly replica?: TimeToReplica | undefined
  readonly profiles: ReadonlyArray<{ readonly object: string; readonly summary: ProfileSummary }>
  readonly totalMs: number
  /** the 1-minute load average when the run ended */
  readonly loadAtEnd: number
}

export const recordsPerSecond = (m: Measurement): number => m.records / (m.wallMs / 1000)
/** Records per second of CPU time (user + system, every thread): what a record costs, whatever the cores. */
export const recordsPerCpuSecond = (m: Measurement): number | undefined =>
  m.cpuMs === undefined || m.cpuMs <= 0 ? undefined : m.records / (m.cpuMs / 1000)
export const MB = 1_000_000
