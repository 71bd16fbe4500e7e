import { Clock, Duration, Effect, Schedule } from "effect"
import { isRetryable } from "./errors.js"

/**
 * Jittered exponential backoff from `baseMs`, doubling, each delay capped at a minute, at most
 * `maxRetries` retries. `SOURCE_ENTERPRET_RETRY_BASE_MS` shortens the base for tests.
 */
export const backoff = (maxRetries: number, baseMs: number) =>
  Schedule.exponential(Duration.millis(baseMs), 2).pipe(
    Schedule.jittered,
    // The cap comes after the jitter, which would otherwise stretch a minute to 72 s.
    Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.minutes(1))),
    Schedule.intersect(Schedule.recurs(maxRetries))
  )

export const retryBaseMs = (): number => {
  const override = Number(process.env["SOURCE_ENTERPRET_RETRY_BASE_MS"])
  return Number.isFinite(override) && override > 0 ? override : 1_000
}

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
  /** Told before each wait caused by a 429, with the epoch ms when the quota resets if known. */
  readonly onRateLimited?: ((retryAtMs: number | undefined) => Effect.Effect<void>) | undefined
}

export const withRetry = <A, E extends Failure, R>(effect: Effect.Effect<A, E, R>, options: RetryOptions) => {
  const report = options.onRateLimited
  const policy = retryPolicy<E>(options.maxRetries, options.baseMs)
  return Effect.retry(
    effect,
    report === undefined
      ? policy
      : policy.pipe(
          // Called only when the schedule goes on, i.e. when a wait and a retry follow: a 429
          // that used up the retries is not reported as a wait.
          Schedule.modifyDelayEffect(([, error], delay) =>
            error._tag === "RateLimited" ? Effect.as(report(error.retryAtMs), delay) : Effect.succeed(delay)
          )
        )
  )
}
