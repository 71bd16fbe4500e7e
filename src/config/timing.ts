import { Config, Context, Effect, Layer } from "effect"

/**
 * The connector's clock constants, which tests shorten: the retry backoff's first delay and the
 * length of the API's rate-limit minute. Read once, from the environment, where the layers are
 * built; production leaves both variables unset. A set but unusable value is an error naming the
 * variable, not silently the default (a typo would otherwise make a test minutes slower unseen).
 */
export class Timing extends Context.Tag("source-enterpret/Timing")<
  Timing,
  {
    /** The first retry's delay before jitter; it doubles with each retry. */
    readonly retryBaseMs: number
    /** The API's rate-limit window: one minute in production, shorter against the emulator. */
    readonly rateMinuteMs: number
  }
>() {}

export const DEFAULT_RETRY_BASE_MS = 1_000
export const DEFAULT_RATE_MINUTE_MS = 60_000

const positiveMs = (name: string, fallback: number) =>
  Config.number(name).pipe(
    Config.validate({ message: "must be a positive number of milliseconds", validation: (ms) => Number.isFinite(ms) && ms > 0 }),
    Config.withDefault(fallback)
  )

export const timingConfig = Config.all({
  retryBaseMs: positiveMs("SOURCE_ENTERPRET_RETRY_BASE_MS", DEFAULT_RETRY_BASE_MS),
  rateMinuteMs: positiveMs("SOURCE_ENTERPRET_RATE_WINDOW_MS", DEFAULT_RATE_MINUTE_MS)
})

/** From the environment (through the current ConfigProvider, which tests may replace). */
export const TimingLive = Layer.effect(Timing, Effect.map(timingConfig, Timing.of))

/** Production timing, for tests that run under the TestClock and want the real numbers. */
export const TimingDefault = Layer.succeed(Timing, Timing.of({ retryBaseMs: DEFAULT_RETRY_BASE_MS, rateMinuteMs: DEFAULT_RATE_MINUTE_MS }))
