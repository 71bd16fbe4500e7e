// The files Airbyte's acceptance suite reads (integration_tests/*.json, expected_records.jsonl), the
// emulated tenant they describe, and the pure functions that derive them from the connector's own
// output. Used by generate.ts (which writes them) and by e2e/acceptance.test.ts (which checks that
// they are still what the connector produces).
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Emulator, type EmulatorOptions, startEmulator } from "../emulator/index.js"

/**
 * The emulated tenant of sample_config.json. The same tenant as
 * `npm run emulator -- --port 8080 --storage-port 8081 --seed acceptance --scale tiny --days 3 --now 2025-12-15T06:30Z --export-rpm 600 --objects-rpm 600`
 * (frozen clock: every run serves the same files under the same URLs).
 */
export const ACCEPTANCE_TENANT = {
  seed: "acceptance",
  scale: "tiny",
  days: 3,
  now: "2025-12-15T06:30:00Z"
} as const satisfies EmulatorOptions

/** Ports of the documented emulator command; sample_config.json and expected_records.jsonl name them. */
export const DOCUMENTED_API_URL = "http://127.0.0.1:8080/export"
export const DOCUMENTED_STORAGE_URL = "http://127.0.0.1:8081"

/** The `emitted_at` written into expected_records.jsonl (the suite ignores it): the tenant's clock. */
export const EMITTED_AT = Date.parse(ACCEPTANCE_TENANT.now)

/** The stream the tenant lists but never exported: basic_read's declared empty stream. */
export const EMPTY_STREAM = "support_ticket_tag"

/** The repository root, found from this file whether it runs from source or from build/. */
export const repoRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, "package.json")
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "source-enterpret") return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find the source-enterpret repository root above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

export const integrationFile = (name: string): string => join(repoRoot(), "integration_tests", name)
export const readJsonFile = <T = unknown>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T

/**
 * The acceptance tenant on free ports, counting 600 requests a minute like sample_config.json's
 * client-side limits. `minuteMs` shortens the emulator's minute to match a connector run with
 * SOURCE_ENTERPRET_RATE_WINDOW_MS (the tests' FAST_ENV).
 */
export const startAcceptanceEmulator = (minuteMs = 60_000): Promise<Emulator> =>
  startEmulator({ ...ACCEPTANCE_TENANT, rateLimits: { exportPerMinute: 600, objectsPerMinute: 600, minuteMs } })

/** A config file of integration_tests/ pointed at an emulator on other ports (the token is the tenant's either way). */
export const pointAt = (config: Record<string, unknown>, emulator: Emulator): Record<string, unknown> => ({
  ...config,
  base_url: emulator.baseUrl
})

export interface Message {
  type: string
  [key: string]: unknown
}

export interface RecordMessage {
  stream: string
  data: Record<string, unknown>
  emitted_at: number
}

export interface DiscoveredStream {
  name: string
  json_schema: { properties?: Record<string, unknown> } & Record<string, unknown>
  supported_sync_modes: string[]
  source_defined_cursor?: boolean
  default_cursor_field?: string[]
  source_defined_primary_key?: string[][]
  [key: string]: unknown
}

export interface ConfiguredStream {
  stream: DiscoveredStream
  sync_mode: "incremental" | "full_refresh"
  destination_sync_mode: string
  cursor_field?: string[]
  primary_key?: string[][]
}

export const recordsOf = (messages: ReadonlyArray<Message>): RecordMessage[] =>
  messages.filter((m) => m.type === "RECORD").map((m) => m.record as RecordMessage)

/** Every discovered stream, incremental and deduplicated by its primary key: configured_catalog.json. */
export const configuredCatalogFrom = (catalog: { streams: ReadonlyArray<DiscoveredStream> }): { streams: ConfiguredStream[] } => ({
  streams: [...catalog.streams]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((stream) => ({
      stream,
      sync_mode: "incremental",
      destination_sync_mode: "append_dedup",
      cursor_field: stream.default_cursor_field ?? ["_ab_export_window_end"],
      primary_key: stream.source_defined_primary_key ?? [["record_id"]]
    }))
})

/** The same catalog in full refresh, as the suite's basic_read and full_refresh tests configure it. */
export const asFullRefresh = (catalog: { streams: ReadonlyArray<ConfiguredStream> }): { streams: ConfiguredStream[] } => ({
  streams: catalog.streams.map((s) => ({ ...s, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }))
})

/** A record as expected_records.jsonl holds it: signed-URL host as in the documented command, fixed emitted_at. */
export const normalizedRecord = (record: RecordMessage, storageUrl: string): RecordMessage => {
  const url = record.data._ab_source_file_url
  const data =
    typeof url === "string" && url.startsWith(storageUrl)
      ? { ...record.data, _ab_source_file_url: DOCUMENTED_STORAGE_URL + url.slice(storageUrl.length) }
      : record.data
  return { stream: record.stream, data, emitted_at: EMITTED_AT }
}

const text = (value: unknown): string => (typeof value === "string" ? value : "")

/**
 * A read's records in a canonical order: by stream, window, file and record_id. (The files of a
 * window download concurrently, so their records interleave differently from run to run.)
 */
export const canonicalOrder = <R extends { stream: string; data: Record<string, unknown> }>(records: ReadonlyArray<R>): R[] => {
  const key = (r: R) => [r.stream, text(r.data._ab_export_window_end), text(r.data._ab_source_file_url), text(r.data.record_id)]
  return [...records].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1
    return JSON.stringify(a.data) < JSON.stringify(b.data) ? -1 : 1
  })
}

/** expected_records.jsonl's text: one record a line, in canonical order. */
export const expectedRecordsText = (messages: ReadonlyArray<Message>, storageUrl: string): string =>
  canonicalOrder(recordsOf(messages).map((r) => normalizedRecord(r, storageUrl)))
    .map((r) => `${JSON.stringify(r)}\n`)
    .join("")

export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

export interface ConnectorRun {
  code: number | null
  stdout: string
  stderr: string
  messages: Message[]
}

/** Runs a command line and parses its stdout as Airbyte messages (no validation: the e2e tests do that). */
export const runCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}
): Promise<ConnectorRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000)
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t
    })
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t
    })
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      try {
        const messages = stdout
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as Message)
        resolve({ code, stdout, stderr, messages })
      } catch (error) {
        reject(new Error(`${command} ${args[0] ?? ""}: stdout is not JSON lines (${String(error)}); stderr: ${stderr}`))
      }
    })
  })

/** The built connector, `node dist/main.js`. */
export const connectorMain = (): string => join(repoRoot(), "dist", "main.js")
export const runConnector = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<ConnectorRun> =>
  runCommand(process.execPath, [connectorMain(), ...args], { env })

/** A cursor no sync reaches: abnormal_state.json holds it for every configured stream. */
export const FUTURE_CURSOR = "2099-01-01T00:00:00Z"

export const futureState = (catalog: { streams: ReadonlyArray<ConfiguredStream> }) =>
  catalog.streams.map((s) => ({
    type: "STREAM",
    stream: { stream_descriptor: { name: s.stream.name }, stream_state: { _ab_export_window_end: FUTURE_CURSOR } }
  }))
