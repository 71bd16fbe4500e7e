// Everything one `npm run bench` measured, as the report renders it and `--json` writes it.
import type { ColdStart } from "./coldStart.js"
import type { Backfill } from "./exportRequests.js"
import type { Machine } from "./machine.js"
import type { CpuPairs, Measurement } from "./measure.js"
import type { ProfileSummary } from "./profile.js"
import type { TimeToReplica } from "./timeToReplica.js"

export type Runner = "connector" | "connectorImage" | "connectorImageBare" | "node" | "python" | "orjson" | "orjsonLocal"

/** How a connector run was started: which Node and which NODE_OPTIONS. */
export interface Runtime {
  /** the Node's version, without the v */
  readonly node: string
  /** true: the --node Node (the image's Node 24); false: the machine's Node that runs the bench */
  readonly image: boolean
  /**
   * NODE_OPTIONS it ran with: the Dockerfile's ENV (as the image runs Node), or "" (no flags: as
   * npx, tap-enterpret and the pip wheel run it; set empty, so the bench's own environment never leaks in)
   */
  readonly nodeOptions: string
}

/** "Node 24.11.1, image NODE_OPTIONS (--max-semi-space-size=1)", "Node 24.11.1, no flags", "Node 20.20.2 (this machine's), no flags". */
export const runtimeLabel = (r: Runtime): string =>
  `Node ${r.node}${r.image ? "" : " (this machine's)"}, ${r.nodeOptions === "" ? "no flags" : `image NODE_OPTIONS (${r.nodeOptions})`}`

/** The connector's `read` on a Runtime other than the machine's bare Node. */
export interface RuntimeRun {
  readonly runtime: Runtime
  readonly run: Measurement
}

export interface ObjectResult {
  readonly object: string
  readonly kind: "feedback" | "wide"
  /** many small files (the hourly common case), compared per MB with the feedback object */
  readonly many?: boolean
  readonly files: number
  readonly inputBytes: number
  /** the connector on the machine's Node, no flags (NODE_OPTIONS empty) */
  readonly connector: Measurement
  readonly node: Measurement
  /** undefined when the Python baseline was skipped */
  readonly python: Measurement | undefined
  /** Python csv + orjson; undefined when skipped */
  readonly orjson: Measurement | undefined
  /** Python csv + orjson reading the same CSV from local disk: Python's floor; undefined when skipped */
  readonly orjsonLocal?: Measurement | undefined
  /** the connector under --node (the image's Node 24) with the image's NODE_OPTIONS, as the image runs it */
  readonly connectorImage?: RuntimeRun | undefined
  /** the connector under --node with no flags (NODE_OPTIONS empty), as npx, tap-enterpret and the pip wheel run it */
  readonly connectorImageBare?: RuntimeRun | undefined
}

/**
 * CPU per MB of the many small files against the few large ones (issue 20), for one reader on one
 * runtime at one page size, from reads taken in turn (measure.ts cpuPairs).
 */
export interface CpuPerMbPairs extends CpuPairs {
  /** the connector's `read`, or the floor of a read in Node (baselines/nodeFloor.ts, the machine's Node) */
  readonly reader: "connector" | "floor"
  readonly runtime: Runtime
  readonly filesPerPage: number
  readonly fewFiles: number
  readonly manyFiles: number
  readonly fewBytes: number
  readonly manyBytes: number
}

export interface RssPoint {
  readonly object: string
  readonly inputBytes: number
  readonly run: Measurement
}

/** The RSS-flatness pair: a single file of --base-mb and one of --big-mb, read on one runtime. */
export interface RssPair {
  readonly runtime: Runtime
  readonly base: RssPoint
  readonly big: RssPoint
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
  /** files a page of the bench emulator's export answers */
  readonly filesPerPage: number
  readonly objects: ReadonlyArray<ObjectResult>
  /**
   * many small files against a few large ones, read in turn: each reader and runtime at each page
   * size (the bench emulator's, then SMALL_PAGE's); empty when the throughput part did not run
   */
  readonly cpuPerMb?: ReadonlyArray<CpuPerMbPairs> | undefined
  /** the connector's runtime of `connector` rows: the machine's Node, no flags */
  readonly machineRuntime: Runtime
  /**
   * the smaller and the larger single file, on the image's Node with the image's NODE_OPTIONS when
   * --node is given, else on the machine's Node with no flags; undefined when skipped
   */
  readonly rss: RssPair | undefined
  /** the same pair on the image's Node with no flags (only with --node) */
  readonly rssBare?: RssPair | undefined
  /** undefined when left out (--only) */
  readonly coldStart: ColdStart | undefined
  readonly backfill: Backfill | undefined
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
export const MiB = 1 << 20
