// Issue #4, one behaviour a test: the built CLI against the emulator (through a fault proxy where
// the emulator cannot aim a fault) over real HTTP. Every read is checked against the contract's
// invariants, the replica against the ground truth, and the output for the token.
// The safety net only (issue #12): what each status means, per-stream RATE_LIMITED, URL refresh
// per page, bounded refreshes, malformed rows and give-up messages are proven in process, faster,
// by spec/client.test.ts, spec/sync.test.ts and spec/failures.test.ts.
import { readFileSync } from "node:fs"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
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
const configFor = (emulator: Emulator, overrides: Record<string, unknown> = {}) =>
  fixtureConfig(emulator, { window_hours: 24, ...overrides })

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
const expectComplete = (
  run: { code: number | null; stderr: string; messages: ReadonlyArray<AirbyteMessage> },
  streams = STREAMS,
  windowHours = 24
) => {
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
  it("a base_url whose TLS certificate Node cannot verify stops the read at once: one config_error, every stream INCOMPLETE", async () => {
    // A host with a self-signed certificate (spec/support/tls, for tests only), as a proxy that
    // intercepts TLS with its own CA looks to Node.
    const tls = (name: string) => readFileSync(new URL(`../../spec/support/tls/selfSigned.${name}.pem`, import.meta.url))
    let connections = 0
    const host = createServer({ cert: tls("cert"), key: tls("key") }, (_, answer) => answer.end("{}"))
    host.on("connection", () => connections++)
    await new Promise<void>((listening) => host.listen(0, "127.0.0.1", listening))
    try {
      const baseUrl = `https://127.0.0.1:${(host.address() as AddressInfo).port}/export`
      const run = await checked({ config: configFor(emulator, { base_url: baseUrl }), catalog: catalogFor(STREAMS) })
      expect(run.code).not.toBe(0)
      const errors = traceErrors(run.messages)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ failure_type: "config_error" })
      expect(errors[0]!.message).toMatch(/TLS certificate could not be verified \(DEPTH_ZERO_SELF_SIGNED_CERT.*NODE_EXTRA_CA_CERTS/)
      for (const stream of STREAMS) expect(finalStatus(run.messages, stream)).toBe("INCOMPLETE")
      expect(ofType(run.messages, "STATE")).toEqual([])
      // Not retried: a connection (a TLS handshake) per stream's first request, at most.
      expect(connections).toBeLessThanOrEqual(STREAMS.length)
    } finally {
      host.closeAllConnections()
      host.close()
    }
  })

  it("401 in the middle of a sync stops every stream as a config_error; a rerun from the state completes", async () => {
    let revoked = false
    const proxy = await viaProxy({
      api: (call) => {
        // The token is revoked once feedback_record has had three windows.
        if (objectOf(call.body) === "feedback_record" && call.body.startTime === "2025-12-15T00:00Z") revoked = true
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
    const firstRefusal = proxy.apiCalls.findIndex((c) => c.body.startTime === "2025-12-15T00:00Z" && objectOf(c.body) === "feedback_record")
    expect(proxy.apiCalls.length - firstRefusal - 1, "requests after the 401, at most one in flight per other stream").toBeLessThanOrEqual(
      2
    )
    const cursors = ofType(first.messages, "STATE")
      .map(stateOf)
      .filter((s) => s.stream === "feedback_record")
    expect(cursors.at(-1)?.cursor).toBe("2025-12-15T00:00:00Z")

    revoked = false
    const state = [...carryState(new Map(), first.messages).values()]
    const second = await checked({ config: configFor(emulator), catalog: catalogFor(streams), state })
    expect(second.code, second.stderr).toBe(0)
    expectReplicaMatches(emulator, upsert(upsert(new Map(), first.messages), second.messages), streams)
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
})
