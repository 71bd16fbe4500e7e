import { Clock, Context, Effect, Layer } from "effect"
import { Settings } from "../config/settingsTag.js"

/**
 * A sliding-window limiter: at most `limit` permits in any `windowMs`. A token bucket would let
 * a full bucket plus its refill through in the first window (up to twice the limit), which the
 * API's per-minute count answers with 429s. `pauseUntil` holds every caller after a 429 whose
 * `Retry-After` speaks for the whole organisation.
 */
export interface SlidingWindowLimiter {
  readonly take: Effect.Effect<void>
  readonly pauseUntil: (epochMs: number) => Effect.Effect<void>
}

export const makeSlidingWindowLimiter = (limit: number, windowMs: number) =>
  Effect.gen(function* () {
    const lock = yield* Effect.makeSemaphore(1)
    const sent: Array<number> = []
    let pausedUntil = 0
    const take = lock.withPermits(1)(
      Effect.gen(function* () {
        let now = yield* Clock.currentTimeMillis
        if (pausedUntil > now) {
          yield* Effect.sleep(pausedUntil - now)
          now = yield* Clock.currentTimeMillis
        }
        while (sent.length > 0 && sent[0]! <= now - windowMs) sent.shift()
        if (sent.length >= limit) {
          yield* Effect.sleep(sent[0]! + windowMs - now)
          sent.shift()
          now = yield* Clock.currentTimeMillis
        }
        sent.push(now)
      })
    )
    const pauseUntil = (epochMs: number) =>
      Effect.sync(() => {
        pausedUntil = Math.max(pausedUntil, epochMs)
      })
    return { take, pauseUntil } satisfies SlidingWindowLimiter
  })

/** One limiter per endpoint, shared by every stream of the process. */
export class ApiRateLimiter extends Context.Tag("source-enterpret/ApiRateLimiter")<
  ApiRateLimiter,
  { readonly export: SlidingWindowLimiter; readonly objects: SlidingWindowLimiter }
>() {}

/**
 * The API counts per minute on its own clock; a small margin keeps our minute at least as long
 * as its. `SOURCE_ENTERPRET_RATE_WINDOW_MS` shortens the minute for tests against the emulator.
 */
export const rateWindowMs = (): number => {
  const override = Number(process.env["SOURCE_ENTERPRET_RATE_WINDOW_MS"])
  const minute = Number.isFinite(override) && override > 0 ? override : 60_000
  return minute + Math.min(1_000, Math.ceil(minute * 0.02))
}

export const ApiRateLimiterLive = Layer.effect(
  ApiRateLimiter,
  Effect.gen(function* () {
    const settings = yield* Settings
    const windowMs = rateWindowMs()
    return {
      export: yield* makeSlidingWindowLimiter(settings.exportRequestsPerMinute, windowMs),
      objects: yield* makeSlidingWindowLimiter(settings.objectsRequestsPerMinute, windowMs)
    }
  })
)
