// Issue #4, one behaviour a test: the built CLI against the emulator (through a fault proxy where
// the emulator cannot aim a fault) over real HTTP. Every read is checked against the contract's
// invariants, the replica against the ground truth, and the output for the token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { ofType } from "../support/cli.js"
import { catalogFor, configFor as fixtureConfig, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants, stateOf } from "../support/invariants.js"
import type { AirbyteMessage } from "../support/protocol.js"
import { apiError, type FaultProxy, type ProxyRules, startFaultProxy } from "../support/proxy.js"
import {
  carryState,
  emittedPairs,
  expectedPairs,
  expectNoStackTrace,
  expectReplicaMatches,
  finalStatus,
  read,
  statuses,
  traceErrors
} from "../support/reads.js"
import { upsert } from "../support/replica.js"

const STREAMS = ["feedback_record", "theme"]
// These tests aim faults at particular requests and compare the records of each window, so they
// read fixed daily windows (adaptive ones are tested in windows.test.ts).
const configFor = (emulator: Emulator, overrides: Record<string, unknown> = {}) => fixtureConfig(emulator, { window_hours: 24, ...overrides })

let emulator: Emulator
const proxies: Array<FaultProxy> = []
beforeAll(async () => {
  emulator = await startTestEmulator()
})
beforeEach(() => {
  emulator.faults.reset()
  emulator.clearLog()
})
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()))
  await emulator.close()
})

const viaProxy = async (rules: ProxyRules) => {
  const proxy = await startFaultProxy(emulator, rules)
  proxies.push(proxy)
  return proxy
}

/** The checks every read makes: contract invariants, no token anywhere, no bare stack trace. */
const checked = async (inputs: Parameters<typeof read>[0]) => {
  const run = await read(inputs)
  expectReadInvariants(run.messages)
  expectNoSecret(emulator.token, run.stdout, run.stderr)
  expectNoStackTrace(run.stderr)
  return run
}

/** A read that must complete: exit 0, each record exactly once, the replica equal to the truth. */
const expectComplete = (run: { code: number | null; stderr: string; messages: ReadonlyArray<AirbyteMessage> }, streams = STREAMS, windowHours = 24) => {
  expect(run.code, run.stderr).toBe(0)
  expect(traceErrors(run.messages)).toEqual([])
  for (const stream of streams) expect(finalStatus(run.messages, stream)).toBe("COMPLETE")
  expect(emittedPairs(run.messages).sort()).toEqual(expectedPairs(emulator, streams, windowHours).sort())
  expectReplicaMatches(emulator, upsert(new Map(), run.messages), streams)
}

const exportCalls = () => emulator.requestLog.filter((e) => e.listener === "api" && e.path.endsWith("/export"))
const objectOf = (body: unknown) => (body as { objectID?: string } | undefined)?.objectID

describe("429 from the API", () => {
  it("waits as Retry-After (seconds) says and reports RATE_LIMITED with quota_reset meanwhile", async () => {
    emulator.faults.rateLimitBurst("export", 3, 1)
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(STREAMS) })
    expectComplete(run)
    const limited = STREAMS.flatMap((s) => statuses(run.messages, s)).filter((s) => s.reasons?.[0]?.type === "RATE_LIMITED")
    expect(limited).toHaveLength(3)
    for (const s of limited) {
      expect(s.status).toBe("RUNNING")
      expect(s.reasons?.[0]?.rate_limited?.quota_reset).toEqual(expect.any(Number))
    }
    // The same request is sent again no sooner than the second the server asked for.
    const calls = exportCalls()
    for (const [i, refused] of calls.entries()) {
      if (refused.status !== 429) continue
      const again = calls.slice(i + 1).find((c) => JSON.stringify(c.body) === JSON.stringify(refused.body))
      expect(again, "the refused request was sent again").toBeDefined()
      expect(again!.at - refused.at).toBeGreaterThanOrEqual(990)
    }
  })

  it("honours a Retry-After HTTP date, and backs off on its own without one", async () => {
    let retryAt = 0
    let refusals = 0
    const proxy = await viaProxy({
      api: (call) => {
        if (objectOf(call.body) !== "theme" || refusals >= 2) return undefined
        refusals++
        if (refusals === 2) return apiError(429, "RATE_LIMITED", "too many requests")
        // HTTP dates have whole seconds: two seconds ahead, rounded down.
        retryAt = Math.floor((Date.now() + 2000) / 1000) * 1000
        return apiError(429, "RATE_LIMITED", "too many requests", { "retry-after": new Date(retryAt).toUTCString() })
      }
    })
    const run = await checked({ config: configFor(emulator, { base_url: proxy.baseUrl }), catalog: catalogFor(STREAMS) })
    expectComplete(run)
    const reasons = statuses(run.messages, "theme").flatMap((s) => s.reasons ?? [])
    expect(reasons).toEqual([{ type: "RATE_LIMITED", rate_limited: { quota_reset: retryAt } }, { type: "RATE_LIMITED" }])
    const themeCalls = emulator.requestLog.filter((e) => objectOf(e.body) === "theme")
    expect(themeCalls[0]!.at, "the first theme request reached the API only after the date").toBeGreaterThanOrEqual(retryAt)
  })
})

describe("429 from the file host", () => {
  it("waits as Retry-After says before downloading the file again, and reports RATE_LIMITED meanwhile", async () => {
    emulator.faults.rateLimitDownloads(2, 1)
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(STREAMS) })
    expectComplete(run)
    const limited = STREAMS.flatMap((s) => statuses(run.messages, s)).filter((s) => s.reasons?.[0]?.type === "RATE_LIMITED")
    expect(limited).toHaveLength(2)
    for (const s of limited) expect(s.reasons?.[0]?.rate_limited?.quota_reset).toEqual(expect.any(Number))
    const downloads = emulator.requestLog.filter((e) => e.listener === "storage")
    const refused = downloads.filter((e) => e.status === 429)
    expect(refused).toHaveLength(2)
    for (const r of refused) {
      const again = downloads.find((d) => d.at > r.at && d.path === r.path && d.status !== 429)
      expect(again, `${r.path} was downloaded again`).toBeDefined()
      expect(again!.at - r.at).toBeGreaterThanOrEqual(990)
    }
  })
})

describe("5xx, resets and timeouts", () => {
  it("retries 5xx answers and reset connections of the API", async () => {
    emulator.faults.serverError("export", { count: 3, status: 503 })
    emulator.faults.resetConnection("export", 2)
    emulator.faults.serverError("objects", { count: 1, status: 500 })
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(STREAMS) })
    expectComplete(run)
    expect(emulator.requestLog.filter((e) => e.fault === "5xx" || e.fault === "reset")).toHaveLength(5)
  })

  it("gives up on a stream after max_retries with a transient_error naming what failed; the others complete", async () => {
    const proxy = await viaProxy({
      api: (call) => (objectOf(call.body) === "theme" ? apiError(503, "INTERNAL_ERROR", "upstream unavailable") : undefined)
    })
    const run = await checked({
      config: configFor(emulator, { base_url: proxy.baseUrl, max_retries: 2 }),
      catalog: catalogFor(["feedback_record", "theme", "feedback_summary"])
    })
    expect(run.code).not.toBe(0)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "theme" } })
    expect(errors[0]!.message).toMatch(/exporting theme 2025-12-12T00:00Z\.\.2025-12-13T00:00Z: HTTP 503/)
    expect(proxy.apiCalls.filter((c) => objectOf(c.body) === "theme"), "one try and two retries").toHaveLength(3)
    expect(finalStatus(run.messages, "theme")).toBe("INCOMPLETE")
    expect(ofType(run.messages, "STATE").filter((m) => stateOf(m).stream === "theme")).toHaveLength(0)
    const others = ["feedback_record", "feedback_summary"]
    for (const stream of others) expect(finalStatus(run.messages, stream)).toBe("COMPLETE")
    expectReplicaMatches(emulator, upsert(new Map(), run.messages), others)
  })

  it("a silent API and a download that stalls mid-body time out and are retried", async () => {
    emulator.faults.slow("export", 8_000, 1)
    const proxy = await viaProxy({ stallFile: ({ n }) => (n === 3 ? 150 : undefined) })
    const started = Date.now()
    const run = await checked({
      config: configFor(emulator, { base_url: proxy.baseUrl, request_timeout_seconds: 5 }),
      catalog: catalogFor(STREAMS)
    })
    expectComplete(run)
    expect(Date.now() - started, "both waits were cut short by the 5 s timeout").toBeLessThan(30_000)
    expect(emulator.requestLog.filter((e) => e.fault === "slow")).toHaveLength(1)
  })
})

describe("answers that retrying does not change", () => {
  it("400 is a system_error carrying the API's message, not retried; the other stream completes", async () => {
    const proxy = await viaProxy({
      api: (call) =>
        objectOf(call.body) === "theme" ? apiError(400, "INVALID_REQUEST_ARGUMENT", "endTime must not be before startTime") : undefined
    })
    const run = await checked({ config: configFor(emulator, { base_url: proxy.baseUrl }), catalog: catalogFor(STREAMS) })
    expect(run.code).not.toBe(0)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ failure_type: "system_error", stream_descriptor: { name: "theme" } })
    expect(errors[0]!.message).toContain("HTTP 400 INVALID_REQUEST_ARGUMENT: endTime must not be before startTime")
    expect(proxy.apiCalls.filter((c) => objectOf(c.body) === "theme")).toHaveLength(1)
    expect(finalStatus(run.messages, "feedback_record")).toBe("COMPLETE")
    expectReplicaMatches(emulator, upsert(new Map(), run.messages), ["feedback_record"])
  })

  it("401 in the middle of a sync stops every stream as a config_error; a rerun from the state completes", async () => {
    let revoked = false
    const proxy = await viaProxy({
      api: (call) => {
        // The token is revoked once feedback_record has had three windows.
        if (objectOf(call.body) === "feedback_record" && call.body["startTime"] === "2025-12-15T00:00Z") revoked = true
        return revoked ? apiError(401, "UNAUTHORIZED", "invalid or expired authentication token") : undefined
      }
    })
    const streams = ["feedback_record", "theme", "feedback_summary"]
    const config = configFor(emulator, { base_url: proxy.baseUrl })
    const first = await checked({ config, catalog: catalogFor(streams) })
    expect(first.code).not.toBe(0)
    const errors = traceErrors(first.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ failure_type: "config_error" })
    expect(errors[0]!.message).toMatch(/401.*api_token/)
    // Streams still running stop at once (one that had already finished stays COMPLETE).
    expect(finalStatus(first.messages, "feedback_record")).toBe("INCOMPLETE")
    const firstRefusal = proxy.apiCalls.findIndex((c) => c.body["startTime"] === "2025-12-15T00:00Z" && objectOf(c.body) === "feedback_record")
    expect(proxy.apiCalls.length - firstRefusal - 1, "requests after the 401, at most one in flight per other stream").toBeLessThanOrEqual(2)
    const cursors = ofType(first.messages, "STATE").map(stateOf).filter((s) => s.stream === "feedback_record")
    expect(cursors.at(-1)?.cursor).toBe("2025-12-15T00:00:00Z")

    revoked = false
    const state = [...carryState(new Map(), first.messages).values()]
    const second = await checked({ config: configFor(emulator), catalog: catalogFor(streams), state })
    expect(second.code, second.stderr).toBe(0)
    expectReplicaMatches(emulator, upsert(upsert(new Map(), first.messages), second.messages), streams)
  })

  it("403 from the API (a token without export rights) is a config_error", async () => {
    const run = await checked({ config: configFor(emulator, { api_token: emulator.readOnlyToken }), catalog: catalogFor(STREAMS) })
    expect(run.code).not.toBe(0)
    expectNoSecret(emulator.readOnlyToken, run.stdout, run.stderr)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ failure_type: "config_error" })
    expect(errors[0]!.message).toMatch(/403.*export/i)
    expect(ofType(run.messages, "RECORD")).toHaveLength(0)
  })

  it("404 for an object that vanished fails that stream alone, with a clear message", async () => {
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(["feedback_record", "retired_object", "theme"]) })
    expect(run.code).not.toBe(0)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.stream_descriptor).toEqual({ name: "retired_object" })
    expect(errors[0]!.message).toMatch(/no exportable object retired_object \(404\)/)
    expect(finalStatus(run.messages, "retired_object")).toBe("INCOMPLETE")
    for (const stream of STREAMS) expect(finalStatus(run.messages, stream)).toBe("COMPLETE")
    expectReplicaMatches(emulator, upsert(new Map(), run.messages), STREAMS)
  })

  it("invalid JSON or an unexpected shape from the API is a clear system_error", async () => {
    const proxy = await viaProxy({
      api: (call) => {
        const object = objectOf(call.body)
        if (object === "feedback_record") return { status: 200, headers: { "content-type": "application/json" }, body: "<html>502 Bad Gateway</html>" }
        if (object === "theme") return { status: 200, headers: { "content-type": "application/json" }, body: '{"files":"none"}' }
        return undefined
      }
    })
    const run = await checked({
      config: configFor(emulator, { base_url: proxy.baseUrl }),
      catalog: catalogFor(["feedback_record", "theme", "feedback_summary"])
    })
    expect(run.code).not.toBe(0)
    const byStream = new Map(traceErrors(run.messages).map((e) => [e.stream_descriptor?.name, e]))
    expect(byStream.get("feedback_record")).toMatchObject({ failure_type: "system_error" })
    expect(byStream.get("feedback_record")!.message).toMatch(/exporting feedback_record .*invalid JSON: <html>502 Bad Gateway<\/html>/)
    expect(byStream.get("theme")).toMatchObject({ failure_type: "system_error" })
    expect(byStream.get("theme")!.message).toMatch(/exporting theme .*unexpected shape.*files/s)
    expect(finalStatus(run.messages, "feedback_summary")).toBe("COMPLETE")
    expectReplicaMatches(emulator, upsert(new Map(), run.messages), ["feedback_summary"])
  })
})

describe("signed URLs and downloads", () => {
  it("an expired signed URL is replaced by asking the export endpoint again", async () => {
    emulator.faults.expireUrls(4)
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(STREAMS) })
    expectComplete(run)
    const storage = emulator.requestLog.filter((e) => e.listener === "storage")
    expect(storage.filter((e) => e.status === 403)).toHaveLength(4)
    expect(storage.every((e) => e.authorization === undefined)).toBe(true)
    // Each page with an expired file was asked for again, once however many of its files expired.
    const bodies = exportCalls().map((c) => JSON.stringify(c.body))
    const repeats = bodies.length - new Set(bodies).size
    expect(repeats).toBeGreaterThanOrEqual(1)
    expect(repeats).toBeLessThanOrEqual(4)
  })

  it("the files of a page that expired together share one fresh page", async () => {
    emulator.faults.expireUrls(2)
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(["feedback_record"]) })
    expectComplete(run, ["feedback_record"])
    // The first page's two files download at once and both meet the 403...
    const expired = emulator.requestLog.filter((e) => e.listener === "storage" && e.status === 403)
    expect(new Set(expired.map((e) => e.path)).size).toBe(2)
    // ...and one request for that page serves both.
    const bodies = exportCalls().map((c) => JSON.stringify(c.body))
    expect(bodies.length - new Set(bodies).size).toBe(1)
  })

  it("a URL that keeps expiring fails its stream after a bounded number of refreshes", async () => {
    emulator.faults.expireUrls(1_000)
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(["theme"]) })
    expect(run.code).not.toBe(0)
    const errors = traceErrors(run.messages)
    expect(errors.length).toBeGreaterThanOrEqual(1)
    expect(errors[0]).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "theme" } })
    expect(errors[0]!.message).toMatch(/signed URL of http:\/\/127\.0\.0\.1:\d+\/[^?\s]+ kept expiring/)
    expect(exportCalls().length, "bounded refreshes").toBeLessThan(20)
  })

  it("downloads that break off (cut short, reset, 5xx) resume after the last record emitted", async () => {
    emulator.faults.cutDownload(200, 2)
    emulator.faults.cutDownload(1_000, 2)
    emulator.faults.resetConnection("storage", 2)
    emulator.faults.serverError("storage", { nth: 5, count: 2, status: 500 })
    const run = await checked({ config: configFor(emulator, { window_hours: 6 }), catalog: catalogFor(STREAMS) })
    expectComplete(run, STREAMS, 6)
    const broken = emulator.requestLog.filter((e) => e.listener === "storage" && e.fault !== undefined)
    expect(broken.map((e) => e.fault).sort()).toEqual(["5xx", "5xx", "cut", "cut", "cut", "cut", "reset", "reset"])
    // Each cut file was fetched again from the start, and its records still came exactly once.
    for (const cut of broken.filter((e) => e.fault === "cut")) {
      expect(cut.bytesSent).toBeGreaterThan(0)
      expect(emulator.requestLog.filter((e) => e.path === cut.path).length).toBeGreaterThanOrEqual(2)
    }
  })

  it("a malformed CSV row fails that stream, naming the file without its signature and the line", async () => {
    emulator.faults.malformedRow("feedback_record")
    const run = await checked({ config: configFor(emulator), catalog: catalogFor(STREAMS) })
    expect(run.code).not.toBe(0)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ failure_type: "system_error", stream_descriptor: { name: "feedback_record" } })
    expect(errors[0]!.message).toMatch(/^Stream feedback_record: file http:\/\/127\.0\.0\.1:\d+\/[^?\s]+\.csv, line \d+: /)
    expect(errors[0]!.message).not.toMatch(/X-Amz|Signature|\?/)
    expect(ofType(run.messages, "STATE").filter((m) => stateOf(m).stream === "feedback_record")).toHaveLength(0)
    expect(finalStatus(run.messages, "theme")).toBe("COMPLETE")
    expectReplicaMatches(emulator, upsert(new Map(), run.messages), ["theme"])
  })
})
