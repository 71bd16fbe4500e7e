import { Clock, Duration, Effect, Schedule } from "effect"
import { isRetryable } from "./errors.js"
import { RateLimitReporter } from "./rateLimitReporter.js"

/**
 * Jittered exponential backoff from `baseMs`, doubling, each delay capped at a minute, at most
 * `maxRetries` retries. The base comes from `Timing` (1 s; tests shorten it).
 */
export const backoff = (maxRetries: number, baseMs: number) =>
  Schedule.exponential(Duration.millis(baseMs), 2).pipe(
    Schedule.jittered,
    // The cap comes after the jitter, which would otherwise stretch a minute to 72 s.
    Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.minutes(1))),
    Schedule.intersect(Schedule.recurs(maxRetries))
  )

type Failure = { readonly _tag: string; readonly retryAtMs?: number | undefined }

/**
 * Retries 429s, 5xx and network faults (never 400/401/403/404): after exactly the time a
 * `Retry-After` asked for when there was one, else after the backoff.
 */
export const retryPolicy = <E extends Failure>(maxRetries: number, baseMs: number) =>
  backoff(maxRetries, baseMs).pipe(
    Schedule.intersect(Schedule.identity<E>()),
    Schedule.whileInput((error: E) => isRetryable(error)),
    Schedule.modifyDelayEffect(([, error], delay) =>
      error._tag === "RateLimited" && error.retryAtMs !== undefined
        ? Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(Math.max(0, error.retryAtMs! - now)))
        : Effect.succeed(delay)
    )
  )

export interface RetryOptions {
  readonly maxRetries: number
  readonly baseMs: number
}

/**
 * `effect` retried by `retryPolicy`. Before each wait caused by a 429 it tells the
 * RateLimitReporter in context, with the epoch ms when the quota resets if known.
 *
 * The schedule and Effect.retry's driver are built only once `effect` has failed: every file's
 * download runs through here and nearly all succeed at once, so the success path is a catchAll
 * and nothing more. The failure that started it is handed to the schedule first, so the waits
 * and the count of retries are exactly Effect.retry's.
 */
export const withRetry = <A, E extends Failure, R>(effect: Effect.Effect<A, E, R>, options: RetryOptions) =>
  Effect.catchAll(effect, (first) =>
    Effect.flatMap(RateLimitReporter, (reporter) => {
      let replay: E | undefined = first
      const again = Effect.suspend(() => {
        if (replay === undefined) return effect
        const failure = replay
        replay = undefined
        return Effect.fail(failure)
      })
      return Effect.retry(
        again,
        retryPolicy<E>(options.maxRetries, options.baseMs).pipe(
          // Called only when the schedule goes on, i.e. when a wait and a retry follow: a 429
          // that used up the retries is not reported as a wait.
          Schedule.modifyDelayEffect(([, error], delay) =>
            error._tag === "RateLimited" ? Effect.as(reporter.waiting(error.retryAtMs), delay) : Effect.succeed(delay)
          )
        )
      )
    })
  )
