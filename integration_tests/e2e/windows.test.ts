// Issue #10's targets, as issue 19 tightened them, measured on the emulator's year-long tenant
// (seven objects: two with a file every day, one about every sixth day, three that change a few
// times a year, one empty): a first sync with adaptive windows costs at most 1.25x the floor (the
// pages of one whole-year window per object) and at most 10% of fixed daily windows, checkpoints every stream at least
// every 3 export requests, yields exactly the ground truth, and the next hourly sync costs one
// export request per stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportPlan } from "../bench/exportPlan.js"
import { type Emulator, isoMinutes, startEmulator } from "../emulator/index.js"
import { ofType } from "../support/cli.js"
import { catalogFor, configFor } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants, stateOf } from "../support/invariants.js"
import type { AirbyteMessage } from "../support/protocol.js"
import { carryState, duplicates, read, traceErrors } from "../support/reads.js"
import { type Replica, upsert, withoutInjected } from "../support/replica.js"

const DAYS = 365
const RATE = 600

let emulator: Emulator
let streams: Array<string>
let start: string
let end: string
beforeAll(async () => {
  emulator = await startEmulator({
    seed: "year",
    tenant: "year",
    now: "2025-12-15T06:30:00Z",
    days: DAYS,
    rateLimits: { exportPerMinute: RATE, objectsPerMinute: 60, minuteMs: 1000 }
  })
  streams = emulator.objects().map((o) => o.id)
  start = isoMinutes(emulator.dataSpan.start.getTime())
  end = isoMinutes(emulator.dataSpan.end.getTime())
})
afterAll(() => emulator.close())

/** The export requests in the emulator's log, by stream: their startTime. */
const exportRequests = () => {
  const byStream = new Map<string, Array<string>>()
  for (const entry of emulator.requestLog) {
    if (entry.listener !== "api" || !entry.path.endsWith("/external/v2/export")) continue
    const body = entry.body as { objectID: string; startTime: string }
    byStream.set(body.objectID, [...(byStream.get(body.objectID) ?? []), body.startTime])
  }
  return byStream
}

/**
 * The most export requests a stream made without a checkpoint: a request belongs to the first
 * checkpoint past its startTime (windows tile the range, and a split window's request starts
 * where the window that replaces it starts).
 */
const mostRequestsBetweenCheckpoints = (messages: ReadonlyArray<AirbyteMessage>, stream: string, startTimes: ReadonlyArray<string>) => {
  const cursors = ofType(messages, "STATE")
    .map(stateOf)
    .filter((s) => s.stream === stream)
    .map((s) => Date.parse(s.cursor))
  const counts = cursors.map(() => 0)
  for (const startTime of startTimes) {
    const index = cursors.findIndex((cursor) => cursor > Date.parse(startTime))
    expect(index, `${stream}: a request at ${startTime} after the last checkpoint`).toBeGreaterThanOrEqual(0)
    counts[index]!++
  }
  return Math.max(...counts)
}

const estimates = (messages: ReadonlyArray<AirbyteMessage>, stream: string) =>
  messages.flatMap((m) => {
    const trace = m.trace as { type: string; estimate?: { name: string; row_estimate: number } } | undefined
    return m.type === "TRACE" && trace?.type === "ESTIMATE" && trace.estimate?.name === stream ? [trace.estimate.row_estimate] : []
  })

describe("adaptive windows over a year (the year-long tenant)", () => {
  let state = new Map<string, unknown>()
  const replica: Replica = new Map()

  it(
    "a first sync costs at most 1.25x the floor and 10% of fixed daily windows, checkpoints every 3 requests, and equals the ground truth",
    { timeout: 120_000 },
    async () => {
      let floor = 0
      for (const stream of streams) floor += (await exportPlan(emulator, stream, start, end, "")).pages
      emulator.clearLog()

      const config = configFor(emulator, { start_date: start, end_date: end, export_requests_per_minute: RATE })
      const run = await read({ config, catalog: catalogFor(streams) }, { timeoutMs: 110_000 })
      expect(run.code, run.stderr).toBe(0)
      expectReadInvariants(run.messages)
      expectNoSecret(emulator.token, run.stdout, run.stderr)
      expect(traceErrors(run.messages)).toEqual([])
      expect(duplicates(run.messages)).toEqual([])

      const requests = exportRequests()
      const total = [...requests.values()].reduce((n, r) => n + r.length, 0)
      const fixedDaily = streams.length * DAYS
      console.info(`year-long tenant: ${total} export requests; floor ${floor}; fixed daily windows at least ${fixedDaily}`)
      expect(total).toBeLessThanOrEqual(1.25 * floor)
      expect(total).toBeLessThanOrEqual(0.1 * fixedDaily)
      for (const stream of streams) {
        expect(mostRequestsBetweenCheckpoints(run.messages, stream, requests.get(stream) ?? []), stream).toBeLessThanOrEqual(3)
      }

      upsert(replica, run.messages)
      for (const stream of streams) {
        const truth = emulator.groundTruth(stream, start, end)
        expect(withoutInjected(replica.get(stream)), `replica of ${stream}`).toEqual(truth)
        // ESTIMATE: per hour, so that windows of any length extrapolate alike; the last one is exact.
        const counted = run.messages.filter((m) => m.type === "RECORD" && (m.record as { stream: string }).stream === stream).length
        const rows = estimates(run.messages, stream)
        expect(rows.at(-1), `last ESTIMATE of ${stream}`).toBe(counted)
      }
      // The dense objects' estimates are within a quarter of the truth once a tenth of the year is read.
      const dense = estimates(run.messages, "feedback_record")
      const records = dense.at(-1)!
      for (const rows of dense.slice(Math.ceil(dense.length / 10))) expect(Math.abs(rows - records) / records).toBeLessThan(0.25)
      state = carryState(state, run.messages)
    }
  )

  it("the next hourly sync costs one export request per stream and brings the new hour", { timeout: 60_000 }, async () => {
    const newEnd = emulator.dataSpan.end.getTime() + 3_600_000
    emulator.clock.set(new Date(newEnd + 10 * 60_000))
    const added = emulator.addRecords("feedback_record", new Date(newEnd - 30 * 60_000), 3)
    emulator.clearLog()
    const config = configFor(emulator, { start_date: start, end_date: isoMinutes(newEnd), export_requests_per_minute: RATE })
    const run = await read({ config, catalog: catalogFor(streams), state: [...state.values()] })
    expect(run.code, run.stderr).toBe(0)
    expectReadInvariants(run.messages)
    const requests = exportRequests()
    expect(Object.fromEntries([...requests].map(([s, r]) => [s, r.length]))).toEqual(Object.fromEntries(streams.map((s) => [s, 1])))
    upsert(replica, run.messages)
    expect([...(replica.get("feedback_record")?.keys() ?? [])]).toEqual(expect.arrayContaining(added))
    for (const stream of streams) {
      expect(withoutInjected(replica.get(stream)), `replica of ${stream}`).toEqual(emulator.groundTruth(stream, start, isoMinutes(newEnd)))
    }
  })
})
