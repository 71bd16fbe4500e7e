import { Clock, Context, Deferred, Effect, Layer } from "effect"
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
  readonly ended: Deferred.Deferred<void>
}

export const makeSlidingWindowLimiter = (limit: number, windowMs: number) =>
  Effect.gen(function* () {
    const lock = yield* Effect.makeSemaphore(1)
    let slots: Array<Slot> = []
    let pausedUntil = 0

    /** Waits (interruptibly) until a request may start; the caller holds the lock. */
    const roomToStart: Effect.Effect<void> = Effect.gen(function* () {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        if (pausedUntil > now) {
          yield* Effect.sleep(pausedUntil - now)
          continue
        }
        slots = slots.filter((slot) => slot.endedAt === undefined || slot.endedAt > now - windowMs)
        if (slots.length < limit) return
        const ends = slots.flatMap((slot) => (slot.endedAt === undefined ? [] : [slot.endedAt]))
        if (ends.length > 0) yield* Effect.sleep(Math.min(...ends) + windowMs - now)
        // All `limit` requests are still in flight: the first to end starts its window.
        else yield* Effect.raceAll(slots.map((slot) => Deferred.await(slot.ended)))
      }
    })

    const occupy = (ended: Deferred.Deferred<void>): Slot => {
      const slot: Slot = { endedAt: undefined, ended }
      slots.push(slot)
      return slot
    }

    const release = (slot: Slot) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        slot.endedAt = now
        return Deferred.succeed(slot.ended, undefined)
      })

    // The slot is taken and released outside any interruptible gap, so an interrupted request
    // (a sibling file failed, SIGTERM) can never leave a slot in flight for good.
    const pace = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const ended = yield* Deferred.make<void>()
          yield* restore(lock.take(1))
          const slot = yield* restore(roomToStart).pipe(
            Effect.map(() => occupy(ended)),
            Effect.ensuring(lock.release(1))
          )
          return yield* restore(request).pipe(Effect.ensuring(release(slot)))
        })
      )

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
