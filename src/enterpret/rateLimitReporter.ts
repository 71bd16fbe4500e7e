import { Context, Effect } from "effect"

/**
 * Who hears of a 429 wait. `withRetry` tells it before each wait caused by a 429, so that the
 * stream being read can report RATE_LIMITED; the API client and the downloader know nothing of
 * streams or protocols. `readStream` provides one per stream (Effect.provideService), as the
 * Python CDK hands its HTTP client a message repository; elsewhere (check, discover) nobody is
 * listening and the default ignores it.
 */
export class RateLimitReporter extends Context.Reference<RateLimitReporter>()("source-enterpret/RateLimitReporter", {
  defaultValue: () => ({ waiting: (_retryAtMs: number | undefined): Effect.Effect<void> => Effect.void })
}) {}
