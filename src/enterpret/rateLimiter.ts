import { Context, Deferred, Effect, Exit, Layer } from "effect"
import { Settings } from "../config/settings.js"
import { Timing } from "../config/timing.js"

/**
 * A sliding-window limiter: at most `limit` requests in any `windowMs`. A token bucket would let
 * a full bucket plus its refill through in the first window (up to twice the limit), which the
 * API's per-minute count answers with 429s. `pauseUntil` holds every caller after a 429 whose
 * `Retry-After` speaks for the whole organisation.
 */
export interface SlidingWindowLimiter {
  /**
   * Runs `request` once the window has room. The request counts from when it starts until
   * `windowMs` after it ends: the server saw it somewhere in between, so however long it spent
   * on the way (a new connection, a busy event loop), no window of the server's holds more than
   * `limit`. Stamping only the start lets a late arrival and a prompt one crowd the same window.
   */
  readonly pace: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  readonly pauseUntil: (epochMs: number) => Effect.Effect<void>
}

/** One request in the window: in flight while `endedAt` is undefined. */
interface Slot {
  endedAt: number | undefined
  /** Made only for a caller that must wait for a request in flight to end (see roomToStart). */
  ended: Deferred.Deferred<void> | undefined
}

export const makeSlidingWindowLimiter = (limit: number, windowMs: number) =>
  Effect.gen(function* () {
    // The Clock of the fiber that makes the limiter (the TestClock under `it.effect`), read
    // synchronously below: a read through `Clock.currentTimeMillis` would be Effect steps a request.
    const clock = yield* Effect.clock
    let slots: Array<Slot> = []
    let pausedUntil = 0
    /**
     * The callers waiting, in order of arrival. Only the first waits for room; each of the others
     * waits for its turn, a Deferred done when it becomes first. A caller that finds anyone here
     * goes behind them, so nobody overtakes a caller already waiting. (A semaphore did this before,
     * but Effect's lets a newcomer take a permit just released before the waiter it woke has run.)
     */
    const waiting: Array<Deferred.Deferred<void>> = []

    /** Forgets requests that left the window; only needed once `limit` slots are on the books. */
    const roomAt = (now: number): boolean => {
      if (slots.length < limit) return true
      slots = slots.filter((slot) => slot.endedAt === undefined || slot.endedAt > now - windowMs)
      return slots.length < limit
    }

    /** Waits (interruptibly) until a request may start; the caller is first in line. */
    const roomToStart: Effect.Effect<void> = Effect.gen(function* () {
      for (;;) {
        const now = clock.unsafeCurrentTimeMillis()
        if (pausedUntil > now) {
          yield* Effect.sleep(pausedUntil - now)
          continue
        }
        if (roomAt(now)) return
        const ends = slots.flatMap((slot) => (slot.endedAt === undefined ? [] : [slot.endedAt]))
        if (ends.length > 0) yield* Effect.sleep(Math.min(...ends) + windowMs - now)
        // All `limit` requests are still in flight: the first to end starts its window.
        else {
          const fiberId = yield* Effect.fiberId
          const endings = slots.map((slot) => {
            slot.ended ??= Deferred.unsafeMake<void>(fiberId)
            return Deferred.await(slot.ended)
          })
          yield* Effect.raceAll(endings)
        }
      }
    })

    const occupy = (): Slot => {
      const slot: Slot = { endedAt: undefined, ended: undefined }
      slots.push(slot)
      return slot
    }

    /** The request's window starts now, and whoever waits for it to end wakes. */
    const end = (slot: Slot): void => {
      slot.endedAt = clock.unsafeCurrentTimeMillis()
      if (slot.ended !== undefined) Deferred.unsafeDone(slot.ended, Exit.void)
    }

    /**
     * Runs the (restored) request in `slot` and ends the slot however it exits. The caller is
     * uninterruptible, so the handlers run on interruption too; ending the slot in them, not in an
     * `ensuring` finalizer, spares that finalizer's own mask and steps (see pace).
     */
    const runIn = <A, E, R>(slot: Slot, request: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.matchCauseEffect(request, {
        onFailure: (cause) => {
          end(slot)
          return Effect.failCause(cause)
        },
        onSuccess: (value) => {
          end(slot)
          return Effect.succeed(value)
        }
      })

    /** Takes `turn` out of the line; if it was first, the next one's turn comes. */
    const leave = (turn: Deferred.Deferred<void>) =>
      Effect.sync(() => {
        const at = waiting.indexOf(turn)
        waiting.splice(at, 1)
        if (at === 0 && waiting.length > 0) Deferred.unsafeDone(waiting[0]!, Exit.void)
      })

    /** Gets in line, waits (interruptibly) for its turn and for room, and takes a slot. */
    const wait = (restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>): Effect.Effect<Slot> =>
      Effect.fiberIdWith((fiberId) => {
        const turn = Deferred.unsafeMake<void>(fiberId)
        waiting.push(turn)
        if (waiting.length === 1) Deferred.unsafeDone(turn, Exit.void)
        return restore(Effect.zipRight(Deferred.await(turn), roomToStart)).pipe(Effect.map(occupy), Effect.ensuring(leave(turn)))
      })

    // The slot is taken and ended outside any interruptible gap, so an interrupted request (a
    // sibling file failed, SIGTERM) can never leave a slot in flight for good; only the waits are
    // interruptible. With room in the window, no pause and nobody waiting, the slot is taken in the
    // mask's own step, with no Deferred, no lock and no Effect-built wait. Effect steps a request
    // on top of the request's own (an op-counting Supervisor over 1,000 requests with room): 62
    // with the lock, a Deferred a request and the Effect-built wait for everyone; 15 with a fast
    // path through `Effect.suspend` and `ensuring`; 7 now, the least a mask allows: the mask (2),
    // the match (1), `restore` (1), the value handed on (1) and the two masks' ends (2). The mask's
    // function runs each time the effect runs, after interruption is off, so the check needs no
    // `Effect.suspend` of its own.
    const pace = <A, E, R>(request: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.uninterruptibleMask((restore) => {
        const now = clock.unsafeCurrentTimeMillis()
        if (waiting.length === 0 && pausedUntil <= now && roomAt(now)) return runIn(occupy(), restore(request))
        return Effect.flatMap(wait(restore), (slot) => runIn(slot, restore(request)))
      })

    const pauseUntil = (epochMs: number) =>
      Effect.sync(() => {
        pausedUntil = Math.max(pausedUntil, epochMs)
      })
    return { pace, pauseUntil } satisfies SlidingWindowLimiter
  })

/** One limiter per endpoint, shared by every stream of the process. */
export class ApiRateLimiter extends Context.Tag("source-enterpret/ApiRateLimiter")<
  ApiRateLimiter,
  { readonly export: SlidingWindowLimiter; readonly objects: SlidingWindowLimiter }
>() {}

/**
 * The API counts per minute on its own clock; a margin of 2% (at most a second) keeps our minute
 * at least as long as its. `minuteMs` is Timing's minute, which tests shorten.
 */
export const rateWindowMs = (minuteMs: number): number => minuteMs + Math.min(1_000, Math.ceil(minuteMs * 0.02))

export const ApiRateLimiterLive = Layer.effect(
  ApiRateLimiter,
  Effect.gen(function* () {
    const settings = yield* Settings
    const windowMs = rateWindowMs((yield* Timing).rateMinuteMs)
    return {
      export: yield* makeSlidingWindowLimiter(settings.exportRequestsPerMinute, windowMs),
      objects: yield* makeSlidingWindowLimiter(settings.objectsRequestsPerMinute, windowMs)
    }
  })
)
