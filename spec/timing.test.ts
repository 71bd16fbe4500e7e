import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { DEFAULT_RATE_MINUTE_MS, DEFAULT_RETRY_BASE_MS, Timing, TimingLive } from "../src/config/timing.js"

const timingFrom = (env: Record<string, string>) =>
  Timing.pipe(Effect.provide(TimingLive), Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))), Effect.either)

describe("Timing (read once from the environment)", () => {
  it.effect("is a second of backoff and a minute of rate window when nothing is set", () =>
    Effect.gen(function* () {
      const timing = Either.getOrThrow(yield* timingFrom({}))
      expect(timing).toEqual({ retryBaseMs: 1_000, rateMinuteMs: 60_000 })
      expect([DEFAULT_RETRY_BASE_MS, DEFAULT_RATE_MINUTE_MS]).toEqual([1_000, 60_000])
    })
  )

  it.effect("takes SOURCE_ENTERPRET_RETRY_BASE_MS and SOURCE_ENTERPRET_RATE_WINDOW_MS", () =>
    Effect.gen(function* () {
      const timing = Either.getOrThrow(
        yield* timingFrom({ SOURCE_ENTERPRET_RETRY_BASE_MS: "20", SOURCE_ENTERPRET_RATE_WINDOW_MS: "2500" })
      )
      expect(timing).toEqual({ retryBaseMs: 20, rateMinuteMs: 2_500 })
    })
  )

  it.effect.each([
    ["SOURCE_ENTERPRET_RETRY_BASE_MS", "abc"],
    ["SOURCE_ENTERPRET_RETRY_BASE_MS", "0"],
    ["SOURCE_ENTERPRET_RATE_WINDOW_MS", "-5"]
  ] as Array<[string, string]>)("refuses %s=%j, naming the variable, instead of falling back silently", ([name, value]) =>
    Effect.gen(function* () {
      const result = yield* timingFrom({ [name]: value })
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(String(result.left)).toContain(name)
    })
  )
})
