// Broken configs, catalogs and states (issue #4), and what the Airbyte commands must make of
// each: one clear message naming the problem (the field, or the file and what is wrong with it)
// and a non-zero exit from `read`, or a FAILED status from `check`; never a bare stack trace, never
// the token. Every case runs in process (spec/badInput.test.ts); a sample of each kind through the
// built CLI (integration_tests/e2e/badInput.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect } from "vitest"
import { catalogFor } from "./fixture.js"
import type { AirbyteMessage } from "./protocol.js"
import { expectNoStackTrace, traceErrors } from "./reads.js"

/** Runs the connector's command line with these arguments: the built CLI, or the same in process. */
export type RunCommand = (args: ReadonlyArray<string>) => Promise<{
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly messages: ReadonlyArray<AirbyteMessage>
}>

export const TOKEN = "tok_BadInputSecret_5d2e"
export const GOOD_CONFIG = { api_token: TOKEN, start_date: "2025-12-12T00:00Z", base_url: "http://127.0.0.1:9/export" }
export const GOOD_CATALOG = catalogFor(["feedback_record"])
const HUGE = "9".repeat(100_000)

/** A file's content: JSON to serialise, raw text, or a directory in its place. */
export type Content = { json: unknown } | { text: string } | "directory" | "missing"

const place = (dir: string, name: string, content: Content): string => {
  const path = join(dir, name)
  if (content === "directory") return mkdtempSync(join(dir, `${name}-dir-`))
  if (content === "missing") return path
  writeFileSync(path, "json" in content ? JSON.stringify(content.json) : content.text)
  return path
}

/** [what is wrong with the file, its content, what the message must say] */
const brokenFiles: ReadonlyArray<readonly [string, Content, RegExp]> = [
  ["not JSON", { text: "{ api_token: nope" }, /is not valid JSON/],
  ["an empty file", { text: " \n" }, /is empty/],
  ["a directory", "directory", /is a directory/],
  ["a missing file", "missing", /does not exist/]
]

const fileCases = (what: string) =>
  brokenFiles.map(
    ([problem, content, says]) => [`${what} is ${problem}`, content, new RegExp(`${what} file .*${says.source}`, "i")] as const
  )

/** [case, config, what the message must say] */
export const badConfigs: ReadonlyArray<readonly [string, Content, RegExp]> = [
  ...fileCases("config"),
  ["config is a JSON array", { json: [GOOD_CONFIG] }, /must hold a JSON object/],
  ["api_token is missing", { json: { ...GOOD_CONFIG, api_token: undefined } }, /api_token/],
  ["api_token is a number", { json: { ...GOOD_CONFIG, api_token: 12345 } }, /api_token: must be a non-empty string/],
  ["start_date is not a whole hour", { json: { ...GOOD_CONFIG, start_date: "2025-12-12T10:30Z" } }, /start_date: must be a whole UTC hour/],
  ["start_date is huge", { json: { ...GOOD_CONFIG, start_date: HUGE } }, /start_date: must be a whole UTC hour/],
  ["end_date is before start_date", { json: { ...GOOD_CONFIG, end_date: "2025-12-01" } }, /end_date: must be later than start_date/],
  ["window_hours is a string", { json: { ...GOOD_CONFIG, window_hours: "24" } }, /window_hours/],
  // 0.1.0 accepted these and ran out of memory building its windows (issue 15 point 8).
  ["start_date is a typo of the year", { json: { ...GOOD_CONFIG, start_date: "0202-01-01" } }, /start_date: must be 2000-01-01 or later/],
  ["start_date is year 0", { json: { ...GOOD_CONFIG, start_date: "0000-01-01" } }, /start_date: must be 2000-01-01 or later/],
  ["window_hours is huge", { json: { ...GOOD_CONFIG, window_hours: 1e300 } }, /window_hours: must be a whole number from 1 to 8760/],
  [
    "export_requests_per_minute is 0",
    { json: { ...GOOD_CONFIG, export_requests_per_minute: 0 } },
    /export_requests_per_minute: must be a whole number from 1 to 600/
  ],
  [
    "request_timeout_seconds is huge",
    { json: { ...GOOD_CONFIG, request_timeout_seconds: Number.MAX_SAFE_INTEGER } },
    /request_timeout_seconds/
  ],
  [
    "base_url is plain http to a remote host",
    { json: { ...GOOD_CONFIG, base_url: "http://api.enterpret.com/export" } },
    /base_url: must use https/
  ],
  ["objects is not an array", { json: { ...GOOD_CONFIG, objects: "feedback_record" } }, /objects/]
]

export const badCatalogs: ReadonlyArray<readonly [string, Content, RegExp]> = [
  ...fileCases("catalog").slice(0, 3),
  ["catalog has no streams", { json: {} }, /streams/],
  ["sync_mode is unknown", { json: { streams: [{ ...GOOD_CATALOG.streams[0], sync_mode: "append" }] } }, /streams\.0\.sync_mode/],
  ["stream name is missing", { json: { streams: [{ sync_mode: "incremental", stream: {} }] } }, /streams\.0\.stream\.name/],
  ["a stream twice", { json: { streams: [GOOD_CATALOG.streams[0], GOOD_CATALOG.streams[0]] } }, /feedback_record is configured twice/]
]

const stateMessage = (cursor: unknown) => ({
  type: "STREAM",
  stream: { stream_descriptor: { name: "feedback_record" }, stream_state: { _ab_export_window_end: cursor } }
})

export const badStates: ReadonlyArray<readonly [string, Content, RegExp]> = [
  ...fileCases("state").slice(0, 3),
  ["state is a number", { json: 42 }, /expected an array of STREAM state messages/],
  ["a GLOBAL state", { json: [{ type: "GLOBAL", global: {} }] }, /item 0 must be a STREAM state message/],
  ["a cursor that is not a time", { json: [stateMessage("yesterday")] }, /feedback_record: _ab_export_window_end must be a whole UTC hour/],
  ["a huge cursor", { json: [stateMessage(HUGE)] }, /_ab_export_window_end must be a whole UTC hour/]
]

/** The one message a failed run printed, checked for what every such message must be. */
export const expectClearMessage = (message: string, stderr: string, says: RegExp) => {
  expect(message).toMatch(says)
  expect(message.length, "a message a person can read").toBeLessThan(2_000)
  expect(message).not.toContain(TOKEN)
  expect(stderr).not.toContain(TOKEN)
  expectNoStackTrace(message)
  expectNoStackTrace(stderr)
}

export const readFails = async (run: RunCommand, files: { config: Content; catalog: Content; state?: Content }, says: RegExp) => {
  const dir = mkdtempSync(join(tmpdir(), "source-enterpret-bad-"))
  const args = ["read", "--config", place(dir, "config.json", files.config), "--catalog", place(dir, "catalog.json", files.catalog)]
  if (files.state !== undefined) args.push("--state", place(dir, "state.json", files.state))
  const result = await run(args).finally(() => rmSync(dir, { recursive: true, force: true }))
  expect(result.code, result.stderr).not.toBe(0)
  const errors = traceErrors(result.messages)
  expect(errors, result.stdout).toHaveLength(1)
  expect(errors[0]!.failure_type).toBe("config_error")
  expectClearMessage(errors[0]!.message, result.stderr, says)
  expect(result.messages.filter((m) => m.type === "RECORD" || m.type === "STATE")).toEqual([])
}

/** `check` with a broken config answers one FAILED CONNECTION_STATUS, exit 0. */
export const checkFails = async (run: RunCommand, config: Content, says: RegExp) => {
  const dir = mkdtempSync(join(tmpdir(), "source-enterpret-bad-"))
  const result = await run(["check", "--config", place(dir, "config.json", config)]).finally(() =>
    rmSync(dir, { recursive: true, force: true })
  )
  expect(result.code, result.stderr).toBe(0)
  expect(result.messages).toHaveLength(1)
  const status = result.messages[0]!.connectionStatus as { status: string; message: string }
  expect(status.status).toBe("FAILED")
  expectClearMessage(status.message, result.stderr, says)
}

/** check says FAILED where read fails; a few cases suffice, the parsing is the same. */
export const checkCases = () => badConfigs.filter((_, i) => i % 4 === 0)
