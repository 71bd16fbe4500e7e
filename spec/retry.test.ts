import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, Random, TestClock } from "effect"
import {
  ApiAuthError,
  ApiRequestError,
  DownloadRejected,
  InvalidResponse,
  ObjectRefused,
  RateLimited,
  TransientError,
  UrlExpired
} from "../src/enterpret/errors.js"
import { RateLimitReporter } from "../src/enterpret/rateLimitReporter.js"
import { withRetry } from "../src/enterpret/retry.js"
import { MAX_WAIT_MS, rateLimitFrom, retryAtFrom } from "../src/enterpret/retryAfter.js"
import { rateLimitedMessage } from "../src/airbyte/messages.js"
import { describeFailure } from "../src/sync/failures.js"

type Failure = { readonly _tag: string; readonly retryAtMs?: number | undefined }

const transient = new TransientError({ what: "exporting x", message: "HTTP 503" })
const rateLimited = (retryAtMs?: number) => new RateLimited({ what: "exporting x", ...(retryAtMs === undefined ? {} : { retryAtMs }) })

/**
 * Runs `withRetry` on an attempt that fails with `failures[i]` on try i and succeeds after them,
 * under the TestClock; returns the exit, the clock time of every attempt and every report to the
 * RateLimitReporter in context (with the clock time it was made at).
 */
const runRetries = (
  failures: ReadonlyArray<Failure | ((nowMs: number) => Failure)>,
  options: { readonly maxRetries: number; readonly baseMs?: number; readonly random?: ReadonlyArray<number> }
) =>
  Effect.gen(function* () {
    const attempts: Array<number> = []
    const reports: Array<{ readonly at: number; readonly retryAtMs: number | undefined }> = []
    const attempt = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      attempts.push(now)
      const failure = failures[attempts.length - 1]
      if (failure === undefined) return "done" as const
      return yield* Effect.fail(typeof failure === "function" ? failure(now) : failure)
    })
    const retried = withRetry(attempt, { maxRetries: options.maxRetries, baseMs: options.baseMs ?? 1_000 }).pipe(
      Effect.provideService(RateLimitReporter, {
        waiting: (retryAtMs) => Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => reports.push({ at, retryAtMs })))
      })
    )
    const fiber = yield* Effect.fork(
      options.random ? Effect.withRandom(retried, Random.fixed(options.random as [number, ...Array<number>])) : retried
    )
    // Far more than any schedule here needs; the TestClock runs every sleep due on the way.
    yield* TestClock.adjust(Duration.days(1))
    const exit = yield* Fiber.await(fiber)
    const start = attempts[0] ?? 0
    return { exit, attempts, delays: attempts.slice(1).map((at, i) => at - attempts[i]!), reports, start }
  })

describe("withRetry: what is retried", () => {
  it.effect("retries TransientError until the attempt succeeds", () =>
    Effect.gen(function* () {
      const { exit, attempts } = yield* runRetries([transient, transient, transient], { maxRetries: 8 })
      expect(exit).toEqual(Exit.succeed("done"))
      expect(attempts).toHaveLength(4)
    })
  )

  it.effect("retries RateLimited, with and without a retry time", () =>
    Effect.gen(function* () {
      const { exit, attempts } = yield* runRetries([rateLimited(), (now) => rateLimited(now + 5_000), rateLimited()], {
        maxRetries: 8
      })
      expect(exit).toEqual(Exit.succeed("done"))
      expect(attempts).toHaveLength(4)
    })
  )

  it.effect.each([
    new ApiAuthError({ status: 401, message: "unauthorized" }),
    new ApiAuthError({ status: 403, message: "forbidden" }),
    new ApiRequestError({ status: 400, message: "bad request" }),
    new ObjectRefused({ objectId: "x", status: 404, detail: "not found", message: "not found" }),
    new ObjectRefused({ objectId: "x", status: 403, code: "FORBIDDEN", detail: "no access", message: "forbidden" }),
    new InvalidResponse({ what: "exporting x", message: "not JSON" }),
    new UrlExpired({ file: "https://files.example/x.csv" }),
    new DownloadRejected({ file: "https://files.example/x.csv", status: 404 })
  ])("does not retry $_tag", (error) =>
    Effect.gen(function* () {
      const { exit, attempts, reports } = yield* runRetries([error], { maxRetries: 8 })
      expect(exit).toEqual(Exit.fail(error))
      expect(attempts).toHaveLength(1)
      expect(reports).toEqual([])
    })
  )

  it.effect("stops at a non-retryable error met after retryable ones", () =>
    Effect.gen(function* () {
      const auth = new ApiAuthError({ status: 401, message: "unauthorized" })
      const { exit, attempts } = yield* runRetries([transient, rateLimited(), auth, transient], { maxRetries: 8 })
      expect(exit).toEqual(Exit.fail(auth))
      expect(attempts).toHaveLength(3)
    })
  )
})

describe("withRetry: how often", () => {
  it.effect("gives up after maxRetries retries with the last error", () =>
    Effect.gen(function* () {
      const last = new TransientError({ what: "exporting x", message: "the last one" })
      const { exit, attempts } = yield* runRetries([transient, transient, transient, last, transient], { maxRetries: 3 })
      expect(exit).toEqual(Exit.fail(last))
      expect(attempts).toHaveLength(4)
    })
  )

  it.effect("tries once when maxRetries is 0", () =>
    Effect.gen(function* () {
      const { exit, attempts } = yield* runRetries([transient, transient], { maxRetries: 0 })
      expect(exit).toEqual(Exit.fail(transient))
      expect(attempts).toHaveLength(1)
    })
  )

  it.effect("succeeds on the very last allowed retry", () =>
    Effect.gen(function* () {
      const { exit, attempts } = yield* runRetries([transient, transient], { maxRetries: 2 })
      expect(exit).toEqual(Exit.succeed("done"))
      expect(attempts).toHaveLength(3)
    })
  )

  it.effect("counts 429s towards maxRetries too", () =>
    Effect.gen(function* () {
      const { exit, attempts } = yield* runRetries(
        Array.from({ length: 10 }, () => rateLimited()),
        { maxRetries: 4 }
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(attempts).toHaveLength(5)
    })
  )
})

describe("withRetry: when", () => {
  const twelve = Array.from({ length: 12 }, () => transient)

  it.effect("doubles the delay from baseMs and caps it at 60 s (no jitter: random 0.5)", () =>
    Effect.gen(function* () {
      const { delays } = yield* runRetries(twelve, { maxRetries: 10, baseMs: 1_000, random: [0.5] })
      expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000])
    })
  )

  it.effect("jitters each delay within ±20% and never waits more than 60 s", () =>
    Effect.gen(function* () {
      for (const random of [[0], [0.999999], [0.1, 0.9, 0.3, 0.7, 0.5, 0.95, 0.05, 0.6, 0.99, 0.01]]) {
        const { delays } = yield* runRetries(twelve, { maxRetries: 10, baseMs: 1_000, random })
        expect(delays).toHaveLength(10)
        delays.forEach((delay, i) => {
          const nominal = Math.min(1_000 * 2 ** i, 60_000)
          expect(delay, `retry ${i + 1}, random ${random.join(",")}`).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8))
          expect(delay, `retry ${i + 1}, random ${random.join(",")}`).toBeLessThanOrEqual(Math.min(Math.ceil(nominal * 1.2), 60_000))
        })
      }
    })
  )

  it.effect("jitters: the same retry waits differently with different randomness", () =>
    Effect.gen(function* () {
      const low = yield* runRetries([transient, transient], { maxRetries: 3, baseMs: 1_000, random: [0] })
      const high = yield* runRetries([transient, transient], { maxRetries: 3, baseMs: 1_000, random: [0.999999] })
      expect(low.delays[0]).toBe(800)
      expect(high.delays[0]).toBeGreaterThan(1_190)
    })
  )

  it.effect("honours a 429's retry time exactly, not the backoff, even beyond the 60 s cap", () =>
    Effect.gen(function* () {
      const { delays, exit } = yield* runRetries(
        [(now) => rateLimited(now + 37_123), (now) => rateLimited(now + 5 * 60_000), (now) => rateLimited(now + 1)],
        { maxRetries: 8, baseMs: 1_000 }
      )
      expect(exit).toEqual(Exit.succeed("done"))
      expect(delays).toEqual([37_123, 300_000, 1])
    })
  )

  it.effect("retries at once when a 429's retry time has already passed", () =>
    Effect.gen(function* () {
      const { delays } = yield* runRetries([(now) => rateLimited(now - 10_000)], { maxRetries: 8, baseMs: 1_000 })
      expect(delays).toEqual([0])
    })
  )

  it.effect("falls back to the backoff for a 429 without a retry time", () =>
    Effect.gen(function* () {
      const { delays } = yield* runRetries([rateLimited(), rateLimited(), transient], { maxRetries: 8, baseMs: 500, random: [0.5] })
      expect(delays).toEqual([500, 1_000, 2_000])
    })
  )

  it.effect("keeps growing the backoff across a 429 with a retry time", () =>
    Effect.gen(function* () {
      const { delays } = yield* runRetries([transient, (now) => rateLimited(now + 10_000), transient], {
        maxRetries: 8,
        baseMs: 1_000,
        random: [0.5]
      })
      expect(delays).toEqual([1_000, 10_000, 4_000])
    })
  )
})

describe("withRetry: the RateLimitReporter", () => {
  it.effect("is told the retry time before each wait caused by a 429", () =>
    Effect.gen(function* () {
      const { reports, attempts, start } = yield* runRetries(
        [(now) => rateLimited(now + 20_000), rateLimited(), transient, (now) => rateLimited(now + 3_000)],
        { maxRetries: 8, baseMs: 1_000, random: [0.5] }
      )
      expect(attempts).toHaveLength(5)
      expect(reports).toEqual([
        { at: attempts[0], retryAtMs: start + 20_000 },
        { at: attempts[1], retryAtMs: undefined },
        { at: attempts[3], retryAtMs: attempts[3]! + 3_000 }
      ])
    })
  )

  it.effect("is not told about errors that are not 429s", () =>
    Effect.gen(function* () {
      const { reports } = yield* runRetries([transient, transient, new ApiAuthError({ status: 401, message: "no" })], { maxRetries: 8 })
      expect(reports).toEqual([])
    })
  )

  it.effect("is optional: without one in context, 429 waits are retried all the same", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        withRetry(
          Effect.suspend(() => (calls++ < 2 ? Effect.fail(rateLimited()) : Effect.succeed("done"))),
          { maxRetries: 3, baseMs: 1_000 }
        )
      )
      let calls = 0
      yield* TestClock.adjust(Duration.days(1))
      expect(yield* Fiber.join(fiber)).toBe("done")
      expect(calls).toBe(3)
    })
  )

  it.effect("is not told when no retry follows the 429 (retries used up)", () =>
    Effect.gen(function* () {
      const { reports, attempts, exit } = yield* runRetries([rateLimited(), rateLimited(), rateLimited(), rateLimited()], {
        maxRetries: 2
      })
      expect(Exit.isFailure(exit)).toBe(true)
      expect(attempts).toHaveLength(3)
      expect(reports).toHaveLength(2)
    })
  )
})

describe("retryAtFrom (Retry-After)", () => {
  const now = Date.parse("2025-12-12T10:00:00Z")

  it("is undefined without a header", () => {
    expect(retryAtFrom(undefined, now)).toBeUndefined()
  })

  it.each([
    ["0", 0],
    ["1", 1_000],
    ["120", 120_000],
    [" 30 ", 30_000],
    ["1.5", 1_500],
    ["0.0001", 1]
  ])("reads delay-seconds %j", (header, delay) => {
    expect(retryAtFrom(header, now)).toBe(now + delay)
  })

  it.each([
    ["Fri, 12 Dec 2025 10:01:30 GMT", 90_000],
    ["Friday, 12-Dec-25 10:00:05 GMT", 5_000],
    ["Fri Dec 12 10:02:00 2025", 120_000]
  ])("reads the HTTP date %j (all three RFC 9110 forms)", (header, delay) => {
    expect(retryAtFrom(header, now)).toBe(now + delay)
  })

  it("never goes back in time for a date in the past", () => {
    expect(retryAtFrom("Thu, 11 Dec 2025 10:00:00 GMT", now)).toBe(now)
  })

  it.each([
    "",
    "   ",
    "soon",
    "5s",
    "10 seconds",
    "-5",
    "+5",
    "-1",
    "1e3",
    "abc 1",
    "3.7.2",
    "later 2025",
    "tomorrow 1",
    "Fri, 12 Dec 2025 10:01:30",
    "Fri, 32 Foo 2025 10:01:30 GMT",
    "Infinity",
    "NaN"
  ])("is undefined for garbage %j, so the backoff applies", (header) => {
    expect(retryAtFrom(header, now)).toBeUndefined()
  })
})

describe("rateLimitFrom: one wait is capped at MAX_WAIT_MS", () => {
  const now = Date.parse("2025-12-12T10:00:00Z")

  it.each([
    ["600", now + 600_000],
    ["59", now + 59_000],
    ["Fri, 12 Dec 2025 10:10:00 GMT", now + MAX_WAIT_MS],
    [undefined, undefined]
  ])("waits for %j: at most 10 minutes", (header, retryAtMs) => {
    const error = rateLimitFrom(header, now, "exporting x")
    expect(error).toBeInstanceOf(RateLimited)
    expect((error as RateLimited).retryAtMs).toBe(retryAtMs)
  })

  it.each([
    ["601", "601", 601_000],
    ["315360000", "315360000", 315_360_000_000], // ten years
    ["Tue, 12 Dec 2035 10:00:00 GMT", "Tue, 12 Dec 2035 10:00:00 GMT", Date.parse("2035-12-12T10:00:00Z") - now],
    [`1${"0".repeat(400)}`, `10000000000000000000… (401 characters)`, Number.POSITIVE_INFINITY]
  ])("stops for %j instead of waiting, saying what was asked", (header, shown, waitMs) => {
    const error = rateLimitFrom(header, now, "exporting x")
    expect(error).toMatchObject({ _tag: "WaitTooLong", what: "exporting x", retryAfter: shown, waitMs })
  })

  it("says the cap and what to expect, with a readable wait, for a person", () => {
    const tenYears = describeFailure(rateLimitFrom("315360000", now, "exporting feedback_record") as never)
    expect(tenYears).toMatchObject({ failureType: "transient_error" })
    expect(tenYears.message).toBe(
      "While exporting feedback_record, the server answered 429 asking to wait 3650d (Retry-After: 315360000), longer than the 10 minutes one wait may take. The stream stops; the next sync resumes from its last checkpoint."
    )
    const forever = describeFailure(rateLimitFrom(`1${"0".repeat(400)}`, now, "downloading f") as never)
    expect(forever.message).toContain("asking to wait forever (Retry-After: 10000000000000000000… (401 characters))")
  })

  it("never writes quota_reset: null (JSON has no Infinity)", () => {
    const message = JSON.parse(JSON.stringify(rateLimitedMessage("s", Number.POSITIVE_INFINITY))) as {
      trace: { stream_status: { reasons: Array<Record<string, unknown>> } }
    }
    expect(message.trace.stream_status.reasons).toEqual([{ type: "RATE_LIMITED" }])
  })
})
