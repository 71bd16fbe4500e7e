// Issue #4: the client keeps to the configured requests per minute, all streams together, so that
// an emulator counting with the same limit never answers 429. The minute is compressed to one
// second on both sides (FAST_ENV and `rateLimits.minuteMs`).
import { afterEach, describe, expect, it } from "vitest"
import type { Emulator, RequestLogEntry } from "../emulator/index.js"
import { runCli, writeInputs } from "../support/cli.js"
import { catalogFor, configFor, startTestEmulator } from "../support/fixture.js"
import { expectReadInvariants } from "../support/invariants.js"
import { expectReplicaMatches, read } from "../support/reads.js"
import { upsert } from "../support/replica.js"

const MINUTE_MS = 1000

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

/** The most requests that reached the server within any one compressed minute. */
const busiestMinute = (entries: ReadonlyArray<RequestLogEntry>) =>
  Math.max(0, ...entries.map((e) => entries.filter((o) => o.at >= e.at && o.at < e.at + MINUTE_MS).length))

describe("the proactive rate limiter", () => {
  it("keeps the export endpoint within export_requests_per_minute across streams: no 429 at all", async () => {
    const limit = 8
    emulator = await startTestEmulator({ rateLimits: { exportPerMinute: limit, objectsPerMinute: 60, minuteMs: MINUTE_MS } })
    const streams = ["feedback_record", "theme", "feedback_summary"]
    const start = "2025-12-14T06:00:00Z"
    const config = configFor(emulator, { start_date: start, window_hours: 2, export_requests_per_minute: limit })
    const run = await read({ config, catalog: catalogFor(streams) })
    expect(run.code, run.stderr).toBe(0)
    expectReadInvariants(run.messages)
    expectReplicaMatches(emulator, upsert(new Map(), run.messages), streams, start)

    const calls = emulator.requestLog.filter((e) => e.listener === "api" && e.path.endsWith("/export"))
    expect(calls.length, "enough requests to need pacing").toBeGreaterThanOrEqual(4 * limit)
    expect(calls.filter((e) => e.status === 429)).toEqual([])
    expect(busiestMinute(calls)).toBeLessThanOrEqual(limit)
    // Paced, not merely lucky: the requests were spread over at least the minutes they needed.
    expect(calls.at(-1)!.at - calls[0]!.at).toBeGreaterThanOrEqual((Math.ceil(calls.length / limit) - 1) * MINUTE_MS)
  })

  it("keeps the objects endpoint within objects_requests_per_minute", async () => {
    emulator = await startTestEmulator({ rateLimits: { exportPerMinute: 60, objectsPerMinute: 1, minuteMs: MINUTE_MS } })
    const inputs = writeInputs({ config: configFor(emulator, { objects_requests_per_minute: 1 }) })
    const run = await runCli(["check", "--config", inputs.config!])
    expect(run.code, run.stderr).toBe(0)
    expect(run.messages[0]!.connectionStatus).toMatchObject({ status: "SUCCEEDED" })
    const pages = emulator.requestLog.filter((e) => e.listener === "api" && e.path.endsWith("/objects"))
    expect(pages.length).toBeGreaterThanOrEqual(3)
    expect(pages.filter((e) => e.status === 429)).toEqual([])
    expect(busiestMinute(pages)).toBe(1)
  })
})
