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
    const clock = yield* Effect.clock
    const lock = yield* Effect.makeSemaphore(1)
    let slots: Array<Slot> = []
    let pausedUntil = 0
    /** Callers on the slow path, waiting for the lock or for room: a new caller goes behind them. */
    let queued = 0

    /** Forgets requests that left the window; only needed once `limit` slots are on the books. */
    const roomAt = (now: number): boolean => {
      if (slots.length < limit) return true
      slots = slots.filter((slot) => slot.endedAt === undefined || slot.endedAt > now - windowMs)
      return slots.length < limit
    }

    /** Waits (interruptibly) until a request may start; the caller holds the lock. */
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

    const release = (slot: Slot) =>
      Effect.sync(() => {
        slot.endedAt = clock.unsafeCurrentTimeMillis()
        if (slot.ended !== undefined) Deferred.unsafeDone(slot.ended, Exit.void)
      })

    // The slot is taken and released outside any interruptible gap, so an interrupted request
    // (a sibling file failed, SIGTERM) can never leave a slot in flight for good. With room in
    // the window, no pause and nobody waiting, the slot is taken in the caller's own step: the
    // lock, a Deferred a request and the Effect-built wait cost some 58 Effect steps a request,
    // this 15 (500 export pages of 2 files, one after another: 0.85 ms of CPU a page through
    // EnterpretApi before, 0.69 ms after). A caller that finds anyone on the slow path queues
    // behind them, so the fast path never overtakes a waiting request.
    const pace = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (queued === 0 && pausedUntil <= clock.unsafeCurrentTimeMillis() && roomAt(clock.unsafeCurrentTimeMillis())) {
            const slot = occupy()
            return Effect.ensuring(restore(request), release(slot))
          }
          queued++
          const dequeue = Effect.sync(() => {
            queued--
          })
          return Effect.gen(function* () {
            yield* restore(lock.take(1)).pipe(Effect.onInterrupt(() => dequeue))
            const slot = yield* restore(roomToStart).pipe(Effect.map(occupy), Effect.ensuring(Effect.zipRight(dequeue, lock.release(1))))
            return yield* restore(request).pipe(Effect.ensuring(release(slot)))
          })
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
