// Issue #4, the soak: ~300 one-hour windows over four streams, with random faults (429s, 5xx,
// resets, cut downloads, downloads cut twice, the second time earlier, expired URLs) on a good share of all requests, the read interrupted at
// random points and resumed from its last states. In the end the replica equals the ground truth,
// no run emits a record twice, and no record of a checkpointed window is ever emitted again.
// The seed is printed; TEST_SEED=<seed> replays a run's choices.
// `npm test` soaks the last day of the tenant (~90 windows) and 60 days of the year-long one;
// SOURCE_ENTERPRET_LONG_TESTS=1 (set by .ci/run) soaks all three days (~300 windows) and the year.
import { afterAll, beforeAll, expect, it } from "vitest"
import { type Emulator, isoMinutes, startEmulator } from "../emulator/index.js"
import { catalogFor, configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants } from "../support/invariants.js"
import { LONG_TESTS } from "../support/long.js"
import { between, seededRandom, testSeed } from "../support/random.js"
import {
  carryState,
  committed,
  duplicates,
  emittedPairs,
  expectedPairs,
  expectNoStackTrace,
  END_ISO,
  START_ISO,
  expectReplicaMatches,
  read,
  traceErrors
} from "../support/reads.js"
import { type Replica, recordsOf, upsert, withoutInjected } from "../support/replica.js"

const STREAMS = ["feedback_record", "feedback_summary", "product_feedback_envelope", "theme"]
const INTERRUPTIONS = 3
const SIGNALS = ["SIGTERM", "SIGINT"] as const
const RATE = 240
/** The first test's span: the whole tenant in the long form, its last day otherwise. */
const START = LONG_TESTS ? START_ISO : "2025-12-14T06:00:00Z"
/** Days of the year-long tenant the second test reads. */
const YEAR_DAYS = LONG_TESTS ? 365 : 60

const seed = testSeed()
let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator({ rateLimits: { exportPerMinute: RATE, objectsPerMinute: 60, minuteMs: 1000 } })
  emulator.faults.random({ rate: 0.12, seed: String(seed), kinds: ["429", "5xx", "reset", "cut", "doubleCut", "expire"] })
  // Downloads are few, so some seeds drew no cut or no expiry at random: one of each is armed
  // for the first downloads, and every seed meets every kind of fault. The double cut cuts a
  // download after 90% of its body and its retry after 10% (issue 15: the rows between were
  // emitted twice when the resume point followed the later, shorter attempt).
  emulator.faults.cutDownload(200)
  emulator.faults.cutDownloadTwice(0.9, 0.1)
  emulator.faults.expireUrls(1)
  // The short form makes too few requests for a 2% chance each to meet every kind for sure.
  if (!LONG_TESTS) {
    emulator.faults.rateLimitBurst("export", 1)
    emulator.faults.serverError("export", { nth: 2, status: 503 })
    emulator.faults.resetConnection("storage", 1)
  }
})
afterAll(() => emulator.close())

it(`a faulty, interrupted and resumed sync ends with exactly the ground truth (seed ${seed})`, { timeout: 120_000 }, async () => {
  const random = seededRandom(seed)
  const config = configFor(emulator, { start_date: START, window_hours: 1, export_requests_per_minute: RATE, max_retries: 12 })
  const expected = expectedPairs(emulator, STREAMS, 1, START, END_ISO)
  expect(expected.length, "windows with records").toBeGreaterThan(LONG_TESTS ? 300 : 80)

  let state = new Map<string, unknown>()
  const replica: Replica = new Map()
  const delivered: Array<string> = []
  let finished = false
  const summary: Array<string> = []
  for (let run = 0; run <= INTERRUPTIONS && !finished; run++) {
    const last = run === INTERRUPTIONS
    const killAfter = last ? Infinity : between(random, 1, Math.max(1, Math.floor((expected.length - delivered.length) * 0.5)))
    const signal = SIGNALS[run % SIGNALS.length]!
    let records = 0
    const result = await read(
      { config, catalog: catalogFor(STREAMS), state: run === 0 ? undefined : [...state.values()] },
      {
        timeoutMs: 90_000,
        onMessage: (message, child) => {
          if (message.type === "RECORD" && ++records === killAfter) child.kill(signal)
        }
      }
    )
    const context = `run ${run} (seed ${seed}, ${signal} after ${killAfter} records): ${result.stderr}`
    expectReadInvariants(result.messages)
    expectNoSecret(emulator.token, result.stdout, result.stderr)
    expectNoStackTrace(result.stderr)
    expect(duplicates(result.messages), context).toEqual([])
    expect(traceErrors(result.messages), context).toEqual([])
    // Nothing an earlier run checkpointed comes again.
    const before = new Set(delivered)
    expect(
      emittedPairs(result.messages).filter((pair) => before.has(pair)),
      context
    ).toEqual([])
    finished = result.code === 0
    summary.push(finished ? `run ${run}: completed, ${records} records` : `run ${run}: ${signal} after ${killAfter} records`)
    if (!finished) expect(records, `${context}: failed without being interrupted`).toBeGreaterThanOrEqual(killAfter)
    delivered.push(...(finished ? emittedPairs(result.messages) : committed(result.messages)))
    upsert(replica, result.messages)
    state = carryState(state, result.messages)
  }
  expect(finished, "the last run completed").toBe(true)
  expect(delivered.sort()).toEqual(expected.sort())
  expectReplicaMatches(emulator, replica, STREAMS, START, END_ISO)

  const faults = new Map<string, number>()
  for (const { fault } of emulator.requestLog) if (fault !== undefined) faults.set(fault, (faults.get(fault) ?? 0) + 1)
  console.info(`soak seed ${seed}: ${summary.join("; ")}; faults ${JSON.stringify(Object.fromEntries(faults))}`)
  expect([...faults.keys()].sort(), "every kind of fault was met").toEqual(["429", "5xx", "cut", "expire", "recut", "reset"])
})

// Issue #10: the same with adaptive windows over the year-long tenant (seven objects, a year of
// history). Windows differ from run to run (each resumed read sizes its own), so what is checked
// is that nothing a run checkpointed comes again (every record of a resumed run lies past the
// state it was given) and that the replica ends equal to the ground truth.
it(
  `year-long tenant, adaptive windows: a faulty, interrupted and resumed first sync ends with exactly the ground truth (seed ${seed})`,
  { timeout: 180_000 },
  async () => {
    const year = await startEmulator({
      seed: `soak-year-${seed}`,
      tenant: "year",
      now: "2025-12-15T06:30:00Z",
      days: YEAR_DAYS,
      rateLimits: { exportPerMinute: RATE, objectsPerMinute: 60, minuteMs: 1000 }
    })
    try {
      year.faults.random({ rate: 0.1, seed: String(seed), kinds: ["429", "5xx", "reset", "cut", "expire"] })
      year.faults.cutDownload(200)
      year.faults.expireUrls(1)
      const random = seededRandom(seed + 1)
      const streams = year.objects().map((o) => o.id)
      const [start, end] = [isoMinutes(year.dataSpan.start.getTime()), isoMinutes(year.dataSpan.end.getTime())]
      const config = configFor(year, { start_date: start, end_date: end, export_requests_per_minute: RATE, max_retries: 12 })
      const total = streams.reduce((n, s) => n + year.groundTruth(s, start, end).size, 0)
      let state = new Map<string, unknown>()
      const replica: Replica = new Map()
      let finished = false
      const summary: Array<string> = []
      for (let run = 0; run <= INTERRUPTIONS && !finished; run++) {
        const last = run === INTERRUPTIONS
        const killAfter = last ? Infinity : between(random, 1, Math.max(1, Math.floor(total / 3)))
        const signal = SIGNALS[run % SIGNALS.length]!
        const given = new Map(
          [...state].map(([stream, s]) => [
            stream,
            (s as { stream: { stream_state: { _ab_export_window_end: string } } }).stream.stream_state._ab_export_window_end
          ])
        )
        let records = 0
        const result = await read(
          { config, catalog: catalogFor(streams), state: run === 0 ? undefined : [...state.values()] },
          {
            timeoutMs: 150_000,
            onMessage: (message, child) => {
              if (message.type === "RECORD" && ++records === killAfter) child.kill(signal)
            }
          }
        )
        const context = `year run ${run} (seed ${seed}, ${signal} after ${killAfter} records): ${result.stderr}`
        expectReadInvariants(result.messages)
        expectNoSecret(year.token, result.stdout, result.stderr)
        expectNoStackTrace(result.stderr)
        expect(duplicates(result.messages), context).toEqual([])
        expect(traceErrors(result.messages), context).toEqual([])
        const again = recordsOf(result.messages).filter(({ stream, data }) => {
          const cursor = given.get(stream)
          return cursor !== undefined && (data._ab_export_window_end as string) <= cursor
        })
        expect(again.length, `${context}: records at or before the state given`).toBe(0)
        finished = result.code === 0
        summary.push(finished ? `run ${run}: completed, ${records} records` : `run ${run}: ${signal} after ${killAfter} records`)
        if (!finished) expect(records, `${context}: failed without being interrupted`).toBeGreaterThanOrEqual(killAfter)
        upsert(replica, result.messages)
        state = carryState(state, result.messages)
      }
      expect(finished, "the last run completed").toBe(true)
      for (const stream of streams) {
        expect(withoutInjected(replica.get(stream)), `replica of ${stream}`).toEqual(year.groundTruth(stream, start, end))
      }
      console.info(`soak (year) seed ${seed}: ${summary.join("; ")}`)
    } finally {
      await year.close()
    }
  }
)
