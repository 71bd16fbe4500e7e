import { describe, expect, it } from "@effect/vitest"
import { Clock, Deferred, Duration, Effect, Exit, Fiber, RuntimeFlags, RuntimeFlagsPatch, Supervisor, TestClock } from "effect"
import { makeSlidingWindowLimiter, rateWindowMs, type SlidingWindowLimiter } from "../src/enterpret/rateLimiter.js"

interface Span {
  readonly start: number
  readonly end: number
}

/** Runs a request that takes `durationMs` through the limiter; returns when it started and ended. */
const request = (limiter: SlidingWindowLimiter, durationMs = 0): Effect.Effect<Span> =>
  limiter.pace(
    Effect.gen(function* () {
      const start = yield* Clock.currentTimeMillis
      if (durationMs > 0) yield* Effect.sleep(durationMs)
      return { start, end: yield* Clock.currentTimeMillis }
    })
  )
const startOf = (limiter: SlidingWindowLimiter) => Effect.map(request(limiter), (span) => span.start)

/**
 * The limiter's promise: a request counts from its start until `windowMs` after its end, and no
 * moment is covered by more than `limit` of them. Checked at every start, the only moments the
 * count can grow.
 */
const expectWithinLimit = (spans: ReadonlyArray<Span>, limit: number, windowMs: number) => {
  for (const [j, { start }] of spans.entries()) {
    const counted = spans.filter((span, i) => i !== j && span.start <= start && start < span.end + windowMs).length
    expect(counted + 1, `requests counted at ${start}`).toBeLessThanOrEqual(limit)
  }
}

describe("makeSlidingWindowLimiter", () => {
  it.effect("lets the first `limit` requests through at once", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(3, 1_000)
      const starts = [yield* startOf(limiter), yield* startOf(limiter), yield* startOf(limiter)]
      expect(starts).toEqual([0, 0, 0])
    })
  )

  it.effect("returns the request's own result and failure", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(3, 1_000)
      expect(yield* limiter.pace(Effect.succeed(42))).toBe(42)
      expect(yield* Effect.exit(limiter.pace(Effect.fail("boom")))).toEqual(Exit.fail("boom"))
      expect(yield* Effect.exit(limiter.pace(Effect.die("bug")))).toEqual(Exit.die("bug"))
    })
  )

  it.effect("makes the next request wait until the oldest one leaves the window", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(2, 1_000)
      yield* startOf(limiter)
      yield* TestClock.adjust(300)
      yield* startOf(limiter)
      const third = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(699)
      expect(third.unsafePoll()).toBeNull()
      yield* TestClock.adjust(1)
      expect(yield* Fiber.join(third)).toBe(1_000)
      const fourth = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(Duration.seconds(5))
      expect(yield* Fiber.join(fourth)).toBe(1_300)
    })
  )

  it.effect("never lets more than `limit` through in any window, one request after another", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(3, 1_000)
      const fiber = yield* Effect.fork(Effect.forEach(Array.from({ length: 20 }), () => request(limiter)))
      yield* TestClock.adjust(Duration.minutes(1))
      const spans = yield* Fiber.join(fiber)
      expect(spans).toHaveLength(20)
      expectWithinLimit(spans, 3, 1_000)
      // ...and no slower than it must be: three a second.
      expect(spans.map((s) => s.start)).toEqual([
        0, 0, 0, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 3_000, 3_000, 3_000, 4_000, 4_000, 4_000, 5_000, 5_000, 5_000, 6_000, 6_000
      ])
    })
  )

  it.effect("never lets more than `limit` through in any window for concurrent callers, and serves them all", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(4, 60_000)
      const fiber = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i),
          // Arrive spread out a little, in no particular order, and take different times.
          (i) => Effect.zipRight(Effect.sleep((i * 7_919) % 45_000), request(limiter, (i * 3_571) % 9_000)),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust(Duration.hours(2))
      const spans = yield* Fiber.join(fiber)
      expect(spans).toHaveLength(30)
      expectWithinLimit(spans, 4, 60_000)
    })
  )

  it.effect("counts a request until windowMs after it ends, however long it took", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      const slow = yield* Effect.fork(request(limiter, 5_000))
      const next = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(Duration.seconds(30))
      expect(yield* Fiber.join(slow)).toEqual({ start: 0, end: 5_000 })
      expect(yield* Fiber.join(next)).toBe(6_000)
    })
  )

  it.effect("counts a window as half-open: a request exactly windowMs after the last one ended may start", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 500)
      const fiber = yield* Effect.fork(Effect.forEach([1, 2, 3], () => startOf(limiter)))
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(fiber)).toEqual([0, 500, 1_000])
    })
  )

  it.effect("frees the slot of a request that failed or was interrupted", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      yield* Effect.exit(limiter.pace(Effect.fail("boom")))
      const stuck = yield* Effect.fork(limiter.pace(Effect.never))
      yield* TestClock.adjust(2_000)
      yield* Fiber.interrupt(stuck)
      const next = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(next)).toBe(3_000)
    })
  )

  it.effect("pauseUntil holds every caller until the given time", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(100, 60_000)
      yield* startOf(limiter)
      yield* limiter.pauseUntil(5_000)
      const fiber = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 5 }, () => startOf(limiter)),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust(4_999)
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(fiber)).toEqual([5_000, 5_000, 5_000, 5_000, 5_000])
    })
  )

  it.effect("pauseUntil only ever extends a pause, and a pause in the past changes nothing", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(100, 60_000)
      yield* limiter.pauseUntil(8_000)
      yield* limiter.pauseUntil(3_000)
      const first = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(Duration.seconds(20))
      expect(yield* Fiber.join(first)).toBe(8_000)
      yield* limiter.pauseUntil(1_000)
      expect(yield* startOf(limiter)).toBe(20_000)
    })
  )

  it.effect("pauseUntil also holds a caller that is already waiting for room in the window", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      yield* startOf(limiter)
      const waiting = yield* Effect.fork(startOf(limiter)) // would get room at 1 000
      yield* TestClock.adjust(500)
      yield* limiter.pauseUntil(5_000) // a 429 with Retry-After arrives meanwhile
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(waiting)).toBe(5_000)
    })
  )

  it.effect("a caller that arrives just as room opens goes behind the one already waiting for it", () =>
    Effect.gen(function* () {
      // Counted only while in flight (a window of 0): room opens the moment the first one ends.
      const limiter = yield* makeSlidingWindowLimiter(1, 0)
      const gate = yield* Deferred.make<void>()
      const order: Array<string> = []
      yield* Effect.fork(limiter.pace(Deferred.await(gate)))
      yield* Effect.yieldNow()
      const waiting = yield* Effect.fork(limiter.pace(Effect.sync(() => order.push("waiting"))))
      yield* Effect.yieldNow()
      // The first ends and wakes the waiting one; the newcomer asks before that one has run.
      yield* Deferred.succeed(gate, undefined)
      yield* Effect.yieldNow()
      const newcomer = yield* Effect.fork(limiter.pace(Effect.sync(() => order.push("newcomer"))))
      yield* Fiber.join(waiting)
      yield* Fiber.join(newcomer)
      expect(order).toEqual(["waiting", "newcomer"])
    })
  )

  it.effect("frees the slot of a request that died", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      yield* TestClock.adjust(2_000)
      yield* Effect.exit(limiter.pace(Effect.die("bug")))
      const next = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(next)).toBe(3_000)
    })
  )

  it.effect("wakes a caller waiting for a request in flight when that request is interrupted", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      const stuck = yield* Effect.fork(limiter.pace(Effect.never)) // takes the slot with room
      yield* Effect.yieldNow()
      const next = yield* Effect.fork(startOf(limiter)) // waits for it to end
      yield* TestClock.adjust(2_000)
      yield* Fiber.interrupt(stuck)
      yield* TestClock.adjust(999)
      expect(next.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(next)).toBe(3_000)
    })
  )

  it.effect("serves waiting callers in order of arrival, whenever a newcomer arrives as the first is woken", () =>
    Effect.gen(function* () {
      // Effect's semaphore, which served them before, let a newcomer take the permit the first
      // waiter had just released before the second, woken for it, had run: B, D, C at 2 or 3
      // yields here. Each `k` is a different moment for the newcomer D to arrive.
      for (let k = 0; k < 8; k++) {
        const limiter = yield* makeSlidingWindowLimiter(1, 0)
        const gate = yield* Deferred.make<void>()
        const order: Array<string> = []
        const paced = (name: string) => limiter.pace(Effect.sync(() => order.push(name)))
        yield* Effect.fork(limiter.pace(Deferred.await(gate)))
        yield* Effect.yieldNow()
        const b = yield* Effect.fork(paced("B"))
        yield* Effect.yieldNow()
        const c = yield* Effect.fork(paced("C"))
        yield* Effect.yieldNow()
        yield* Deferred.succeed(gate, undefined)
        for (let i = 0; i < k; i++) yield* Effect.yieldNow()
        const d = yield* Effect.fork(paced("D"))
        yield* Fiber.join(Fiber.zip(Fiber.zip(b, c), d))
        expect(order, `newcomer after ${k} yields`).toEqual(["B", "C", "D"])
      }
    })
  )

  it.effect("takes an interrupted waiter out of the line, first or not", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      yield* startOf(limiter)
      // The first in line is interrupted: the one behind it gets the room at 1 000.
      const first = yield* Effect.fork(startOf(limiter))
      const second = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(500)
      yield* Fiber.interrupt(first)
      yield* TestClock.adjust(500)
      expect(yield* Fiber.join(second)).toBe(1_000)
      // One behind the first is interrupted: the first gets the room at 2 000...
      const third = yield* Effect.fork(startOf(limiter))
      const fourth = yield* Effect.fork(startOf(limiter))
      yield* TestClock.adjust(500)
      yield* Fiber.interrupt(fourth)
      yield* TestClock.adjust(500)
      expect(yield* Fiber.join(third)).toBe(2_000)
      // ...and with the line empty, a caller with room starts at once: no one left to queue behind.
      yield* TestClock.adjust(1_000)
      const fifth = yield* Effect.fork(startOf(limiter))
      yield* Effect.yieldNow()
      expect(fifth.unsafePoll()).toEqual(Exit.succeed(3_000))
    })
  )

  it.effect("runs the request as interruptible as its caller: an uninterruptible caller's request runs to its end", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(1, 1_000)
      let ended = false
      const fiber = yield* Effect.fork(
        Effect.uninterruptible(
          limiter.pace(
            Effect.zipRight(
              Effect.sleep(1_000),
              Effect.sync(() => {
                ended = true
              })
            )
          )
        )
      )
      yield* TestClock.adjust(500)
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust(500)
      yield* Fiber.join(interrupting)
      expect(ended).toBe(true)
    })
  )

  it.effect("costs at most 7 Effect steps beyond the request's own when the window has room and nobody waits", () =>
    Effect.gen(function* () {
      // The fast path's budget: the lock, a Deferred a request and an Effect-built wait for every
      // request cost 62 steps; a step more is CPU on every one of a listing's hundreds of pages.
      let steps = 0
      class CountSteps extends Supervisor.AbstractSupervisor<void> {
        value = Effect.void
        override onEffect() {
          steps++
        }
      }
      const stepsOf = (effect: Effect.Effect<unknown>) =>
        Effect.gen(function* () {
          steps = 0
          const counted = Effect.supervised(effect, new CountSteps())
          yield* Effect.withRuntimeFlagsPatch(counted, RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))
          return steps
        })
      const limiter = yield* makeSlidingWindowLimiter(100, 1_000)
      const alone = yield* stepsOf(Effect.void)
      const paced = yield* stepsOf(limiter.pace(Effect.void))
      expect(paced - alone).toBeLessThanOrEqual(7)
    })
  )

  it.effect("keeps counting after a pause: requests let through when it ends still fill the window", () =>
    Effect.gen(function* () {
      const limiter = yield* makeSlidingWindowLimiter(2, 1_000)
      yield* limiter.pauseUntil(2_000)
      const fiber = yield* Effect.fork(Effect.forEach([1, 2, 3, 4, 5], () => startOf(limiter)))
      yield* TestClock.adjust(Duration.seconds(30))
      expect(yield* Fiber.join(fiber)).toEqual([2_000, 2_000, 3_000, 3_000, 4_000])
    })
  )
})

describe("rateWindowMs", () => {
  it("is the minute plus 2% of it, at most one second", () => {
    expect(rateWindowMs(60_000)).toBe(61_000)
    expect(rateWindowMs(600_000)).toBe(601_000)
    expect(rateWindowMs(2_000)).toBe(2_040)
    expect(rateWindowMs(1)).toBe(2)
  })
})
