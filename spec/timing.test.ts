import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { apiLayer } from "../src/sync/layers.js"
import { DEFAULT_RATE_MINUTE_MS, DEFAULT_RETRY_BASE_MS, Timing, TimingLive } from "../src/config/timing.js"
import { describeFailure } from "../src/sync/failures.js"
import { testSettings } from "./support/syncHarness.js"

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
      const timing = Either.getOrThrow(yield* timingFrom({ SOURCE_ENTERPRET_RETRY_BASE_MS: "20", SOURCE_ENTERPRET_RATE_WINDOW_MS: "2500" }))
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

describe("the command layers (cli/layers.ts) with an unusable timing variable", () => {
  it.effect("fail as a config_error naming the variable, reported like any other config problem", () =>
    Effect.gen(function* () {
      const result = yield* Effect.void.pipe(
        Effect.provide(apiLayer(testSettings())),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SOURCE_ENTERPRET_RATE_WINDOW_MS", "soon"]]))),
        Effect.either
      )
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("InputError")
        const report = describeFailure(result.left)
        expect(report.failureType).toBe("config_error")
        expect(report.message).toContain("SOURCE_ENTERPRET_RATE_WINDOW_MS")
      }
    })
  )
})
