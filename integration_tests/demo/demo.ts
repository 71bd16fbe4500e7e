#!/usr/bin/env node
// `npm start`: the whole connector against a demo tenant of the local Export API emulator, as
// Airbyte would run it: check, discover, a first incremental read of every stream, then new and
// updated records arrive and a second incremental read, from the first one's state, delivers them.
// Airbyte messages go to demo-output/messages.jsonl, progress to stderr, a summary to stdout.
import { spawn } from "node:child_process"
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { createInterface } from "node:readline"
import {
  type ConfiguredStream,
  type DiscoveredStream,
  type Message,
  configuredCatalogFrom,
  connectorMain,
  repoRoot
} from "../acceptance/acceptance.js"
import { type Emulator, isoMinutes, isoSeconds, startEmulator } from "../emulator/index.js"

const HOUR = 3_600_000
const MINUTE = 60_000
const started = performance.now()
const root = repoRoot()
/** demo-output/ in the repository; SOURCE_ENTERPRET_DEMO_OUTPUT moves it (the demo's own test does). */
const out = resolve(process.env.SOURCE_ENTERPRET_DEMO_OUTPUT ?? join(root, "demo-output"))
const shown = (path: string) => (path.startsWith(root) ? relative(root, path) : path)
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const progress = (line: string) => process.stderr.write(`[demo ${seconds(performance.now() - started).padStart(6)}] ${line}\n`)

interface PhaseResult {
  name: string
  ms: number
  code: number | null
  messages: Message[]
  records: Map<string, number>
  checkpoints: number
}

const phases: PhaseResult[] = []
const messagesFile = () => createWriteStream(join(out, "messages.jsonl"), { flags: "a" })

/** Runs `node dist/main.js <args>`, appending its messages to messages.jsonl and reporting progress. */
const connector = async (name: string, args: string[]): Promise<PhaseResult> => {
  progress(`${name}: source-enterpret ${args.map(shown).join(" ")}`)
  const t0 = performance.now()
  const sink = messagesFile()
  const result: PhaseResult = { name, ms: 0, code: null, messages: [], records: new Map(), checkpoints: 0 }
  const child = spawn(process.execPath, [connectorMain(), ...args], { stdio: ["ignore", "pipe", "pipe"] })
  const log = createWriteStream(join(out, "connector.log"), { flags: "a" })
  child.stderr.pipe(log)
  let lastReport = performance.now()
  const report = () => {
    const total = [...result.records.values()].reduce((a, b) => a + b, 0)
    progress(`${name}: ${total} records, ${result.checkpoints} checkpoints, ${result.records.size} streams so far`)
  }
  const lines = createInterface({ input: child.stdout })
  lines.on("line", (line) => {
    if (line === "") return
    sink.write(`${line}\n`)
    const message = JSON.parse(line) as Message
    if (message.type === "RECORD") {
      const stream = (message.record as { stream: string }).stream
      result.records.set(stream, (result.records.get(stream) ?? 0) + 1)
    } else {
      if (message.type === "STATE") result.checkpoints++
      result.messages.push(message)
      if (message.type === "TRACE" && (message.trace as { type: string }).type === "ERROR") {
        progress(`${name}: ERROR ${(message.trace as { error: { message: string } }).error.message}`)
      }
    }
    if (name.startsWith("read") && performance.now() - lastReport > 1000) {
      lastReport = performance.now()
      report()
    }
  })
  result.code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", resolve)
  })
  await new Promise<void>((resolve) => sink.end(resolve))
  result.ms = performance.now() - t0
  if (result.records.size > 0) report()
  progress(`${name}: done in ${seconds(result.ms)} (exit ${result.code})`)
  if (result.code !== 0) throw new Error(`${name} exited with ${result.code}; see ${shown(join(out, "connector.log"))}`)
  phases.push(result)
  return result
}

const writeJson = (name: string, value: unknown): string => {
  const path = join(out, name)
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)
  return path
}

const only = (result: PhaseResult, type: string): Message => {
  const found = result.messages.find((m) => m.type === type)
  if (found === undefined) throw new Error(`${result.name} printed no ${type}`)
  return found
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true })
  for (const appended of ["messages.jsonl", "connector.log"]) rmSync(join(out, appended), { force: true })

  // A tenant with three days of history, on a clock running an hour behind the real one: the first
  // read syncs up to the tenant's present (an hour ago), then an hour "passes", new data arrives in
  // it, and the second read catches up to the last complete hour, the connector's default end.
  // Local: the demo may ask for 600 export requests a minute; Enterpret allows 10 (the default).
  const emulator: Emulator = await startEmulator({
    seed: "demo",
    scale: "demo",
    days: 3,
    now: new Date(Date.now() - HOUR),
    frozenClock: false,
    rateLimits: { exportPerMinute: 600, objectsPerMinute: 600 }
  })
  try {
    const firstEnd = emulator.dataSpan.end.getTime()
    progress(`emulator: ${emulator.baseUrl}, data ${isoMinutes(emulator.dataSpan.start.getTime())} .. ${isoMinutes(firstEnd)}`)
    const config = {
      api_token: emulator.token,
      base_url: emulator.baseUrl,
      start_date: isoMinutes(emulator.dataSpan.start.getTime()),
      window_hours: 24,
      export_requests_per_minute: 600,
      objects_requests_per_minute: 600,
      max_concurrent_downloads: 8,
      // The emulator publishes an hour's files the moment it ends: without this, the default
      // 15-minute settle delay left the second read nothing to find in an hour's first 15 minutes.
      settle_minutes: 0
    }
    const configPath = writeJson("config.json", { ...config, end_date: isoMinutes(firstEnd) })

    const check = await connector("check", ["check", "--config", configPath])
    const status = only(check, "CONNECTION_STATUS").connectionStatus as { status: string; message?: string }
    progress(`check: ${status.status}${status.message ? ` (${status.message})` : ""}`)
    if (status.status !== "SUCCEEDED") throw new Error(`check failed: ${status.message ?? ""}`)

    const discover = await connector("discover", ["discover", "--config", configPath])
    const streams = (only(discover, "CATALOG").catalog as { streams: DiscoveredStream[] }).streams
    progress(`discover: ${streams.length} streams: ${streams.map((s) => s.name).join(", ")}`)
    const catalog: { streams: ConfiguredStream[] } = configuredCatalogFrom({ streams })
    const catalogPath = writeJson("catalog.json", catalog)

    const first = await connector("read 1", ["read", "--config", configPath, "--catalog", catalogPath])
    const finalStates = new Map<string, { stream: { stream_state: { _ab_export_window_end: string } } }>()
    for (const m of first.messages.filter((m) => m.type === "STATE")) {
      const state = m.state as { stream: { stream_descriptor: { name: string }; stream_state: { _ab_export_window_end: string } } }
      finalStates.set(state.stream.stream_descriptor.name, state)
    }
    const statePath = writeJson("state.json", [...finalStates.values()])

    // The hour after the first read's end passes (the tenant's clock catches up with the real one)
    // and brings 25 new feedback records, a new version of 10 old ones and 5 NPS responses.
    emulator.clock.set(new Date())
    const added = emulator.addRecords("feedback_record", new Date(firstEnd + 10 * MINUTE), 25)
    const updated = [...emulator.groundTruth("feedback_record", emulator.dataSpan.start, new Date(firstEnd)).keys()].slice(0, 10)
    emulator.updateRecords("feedback_record", updated, new Date(firstEnd + 30 * MINUTE))
    const nps = emulator.addRecords("nps_response", new Date(firstEnd + 40 * MINUTE), 5)
    progress(
      `new data: ${added.length} new and ${updated.length} updated feedback records, ${nps.length} NPS responses, before ${isoSeconds(firstEnd + HOUR)}`
    )
    // No end_date: the connector syncs up to the last complete hour.
    const config2Path = writeJson("config-2.json", config)

    const second = await connector("read 2", ["read", "--config", config2Path, "--catalog", catalogPath, "--state", statePath])
    const got = second.records.get("feedback_record") ?? 0
    if (got !== added.length + updated.length || (second.records.get("nps_response") ?? 0) !== nps.length) {
      throw new Error(
        `read 2 delivered ${got} feedback records (expected ${added.length + updated.length}) and ${second.records.get("nps_response") ?? 0} NPS responses (expected ${nps.length})`
      )
    }

    summary(
      streams.map((s) => s.name),
      first,
      second,
      { added: added.length, updated: updated.length, nps: nps.length }
    )
  } finally {
    await emulator.close()
  }
}

function summary(
  streams: string[],
  first: PhaseResult,
  second: PhaseResult,
  arrived: { added: number; updated: number; nps: number }
): void {
  const total = (r: PhaseResult) => [...r.records.values()].reduce((a, b) => a + b, 0)
  const width = Math.max(...streams.map((s) => s.length), "stream".length)
  const lines = [
    "",
    "source-enterpret demo: summary",
    "",
    `${"stream".padEnd(width)}  ${"read 1".padStart(8)}  ${"read 2".padStart(8)}`,
    ...streams.map(
      (s) => `${s.padEnd(width)}  ${String(first.records.get(s) ?? 0).padStart(8)}  ${String(second.records.get(s) ?? 0).padStart(8)}`
    ),
    `${"total".padEnd(width)}  ${String(total(first)).padStart(8)}  ${String(total(second)).padStart(8)}`,
    "",
    `streams:      ${streams.length}`,
    `records:      ${total(first)} in read 1, ${total(second)} in read 2 (${arrived.added} new + ${arrived.updated} updated feedback records, ${arrived.nps} new NPS responses)`,
    `checkpoints:  ${first.checkpoints} in read 1, ${second.checkpoints} in read 2`,
    `time:         ${phases.map((p) => `${p.name} ${seconds(p.ms)}`).join(", ")}; total ${seconds(performance.now() - started)}`,
    `output:       ${shown(join(out, "messages.jsonl"))} (every Airbyte message); config.json, config-2.json, catalog.json, state.json, connector.log beside it`,
    ""
  ]
  process.stdout.write(lines.join("\n"))
}

main().catch((error: unknown) => {
  progress(`failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
