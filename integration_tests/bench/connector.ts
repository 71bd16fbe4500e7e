// The connector as Airbyte runs it: `node dist/main.js read --config --catalog`, with inputs
// written for one emulator window, and its output checked before its numbers are believed.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type ConfiguredStream,
  type DiscoveredStream,
  asFullRefresh,
  configuredCatalogFrom,
  connectorMain,
  runCommand
} from "../acceptance/acceptance.js"
import { type Measurement, measureChild } from "./measure.js"

export interface ConnectorInputs {
  readonly config: string
  readonly catalog: string
  readonly streams: ReadonlyArray<string>
}

export interface ConnectorSetup {
  readonly baseUrl: string
  readonly token: string
  /** streams (object IDs) that discover offers (the config's `objects`); all of them must be discovered */
  readonly streams: ReadonlyArray<string> | "all"
  readonly startDate: string
  readonly endDate: string
  /** undefined: adaptive windows */
  readonly windowHours: number | undefined
  readonly syncMode: "full_refresh" | "incremental"
}

let entry: string | undefined

/** The connector's entry point: `dist/main.js` of this repository unless --connector names another build. */
export const connectorEntry = (): string => entry ?? connectorMain()
export const useConnector = (path: string): void => {
  entry = path
}

/** As many requests a minute as the config allows, so that pacing never shows in a benchmark. */
export const REQUESTS_PER_MINUTE = 600

export interface Discovered {
  readonly dir: string
  readonly config: string
  readonly streams: ReadonlyArray<DiscoveredStream>
}

/** Writes config.json and runs `discover` (not measured). */
export const discoverStreams = async (setup: ConnectorSetup): Promise<Discovered> => {
  const dir = mkdtempSync(join(tmpdir(), "source-enterpret-bench-inputs-"))
  const config = join(dir, "config.json")
  writeFileSync(
    config,
    JSON.stringify({
      api_token: setup.token,
      base_url: setup.baseUrl,
      start_date: setup.startDate,
      end_date: setup.endDate,
      window_hours: setup.windowHours,
      export_requests_per_minute: REQUESTS_PER_MINUTE,
      objects_requests_per_minute: REQUESTS_PER_MINUTE,
      ...(setup.streams === "all" ? {} : { objects: setup.streams })
    })
  )
  const discover = await runCommand(process.execPath, [connectorEntry(), "discover", "--config", config], { timeoutMs: 120_000 })
  const found = discover.messages.find((m) => m.type === "CATALOG")
  if (discover.code !== 0 || found === undefined) {
    throw new Error(
      `connector discover failed (exit ${String(discover.code)}): ${discover.stdout.slice(0, 2000)} ${discover.stderr.slice(0, 2000)}`
    )
  }
  return { dir, config, streams: (found.catalog as { streams: DiscoveredStream[] }).streams }
}

/** A configured catalog of some of the discovered streams, written beside the config. */
export const inputsFor = (
  discovered: Discovered,
  streams: ReadonlyArray<string> | "all",
  syncMode: "full_refresh" | "incremental"
): ConnectorInputs => {
  const wanted =
    streams === "all"
      ? discovered.streams
      : streams.map((name) => {
          const stream = discovered.streams.find((s) => s.name === name)
          if (stream === undefined)
            throw new Error(`discover did not offer the stream ${name} (got ${discovered.streams.map((s) => s.name).join(", ")})`)
          return stream
        })
  const configured: { streams: ConfiguredStream[] } = configuredCatalogFrom({ streams: wanted })
  const catalog = join(discovered.dir, `catalog-${streams === "all" ? "all" : streams.join("+")}-${syncMode}.json`)
  writeFileSync(catalog, JSON.stringify(syncMode === "full_refresh" ? asFullRefresh(configured) : configured))
  return { config: discovered.config, catalog, streams: wanted.map((s) => s.name) }
}

/** `discover`, then a catalog of every stream of `setup.streams`. */
export const prepareConnector = async (setup: ConnectorSetup): Promise<ConnectorInputs> =>
  inputsFor(await discoverStreams(setup), setup.streams, setup.syncMode)

interface ProtocolLine {
  type?: string
  trace?: { type?: string; error?: { message?: string }; stream_status?: { stream_descriptor?: { name?: string }; status?: string } }
  state?: { stream?: { stream_descriptor?: { name?: string } } }
}

const parsed = (line: string): ProtocolLine => {
  try {
    return JSON.parse(line) as ProtocolLine
  } catch {
    return {}
  }
}

/** Fails loudly unless the read exited 0, completed every stream and checkpointed each. */
export const checkRead = (run: Measurement, inputs: ConnectorInputs): void => {
  const lines = run.otherLines.map(parsed)
  const errors = lines.filter((m) => m.type === "TRACE" && m.trace?.type === "ERROR").map((m) => m.trace?.error?.message ?? "?")
  const problem = (why: string): Error =>
    new Error(`${run.label}: ${why}${errors.length > 0 ? `; errors: ${errors.join(" | ")}` : ""}; stderr: ${run.stderrTail.slice(-2000)}`)
  if (run.code !== 0 || run.signal !== null) throw problem(`exited with ${run.signal ?? String(run.code)}`)
  if (!run.completeLines) throw problem("stdout did not end with a newline")
  if (errors.length > 0) throw problem("emitted TRACE ERROR")
  for (const stream of inputs.streams) {
    const complete = lines.some(
      (m) => m.trace?.stream_status?.stream_descriptor?.name === stream && m.trace.stream_status.status === "COMPLETE"
    )
    const state = lines.some((m) => m.type === "STATE" && m.state?.stream?.stream_descriptor?.name === stream)
    if (!complete || !state) throw problem(`stream ${stream} did not ${complete ? "checkpoint" : "report COMPLETE"}`)
  }
}

/**
 * One measured `read`. `nodeArgs` go before the script (e.g. --cpu-prof); `node`: another Node than
 * this one; `nodeOptions`: its NODE_OPTIONS, "" (no flags) unless given, so that the bench's own
 * environment never leaks into a run reported as bare.
 */
export const measureRead = async (
  label: string,
  inputs: ConnectorInputs,
  nodeArgs: ReadonlyArray<string> = [],
  node: string = process.execPath,
  nodeOptions = ""
): Promise<Measurement> => {
  const run = await measureChild(node, [...nodeArgs, connectorEntry(), "read", "--config", inputs.config, "--catalog", inputs.catalog], {
    label,
    env: { NODE_OPTIONS: nodeOptions },
    timeoutMs: 60 * 60_000
  })
  checkRead(run, inputs)
  return run
}
