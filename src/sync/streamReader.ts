import { Effect, Exit } from "effect"
import { toCursor } from "../config/hours.js"
import { Settings } from "../config/settings.js"
import type { ApiAuthError } from "../enterpret/errors.js"
import { RateLimitReporter } from "../enterpret/rateLimitReporter.js"
import type { CatalogStream } from "./catalog.js"
import { defectAsFailure, describeFailure } from "./failures.js"
import { SyncOutput } from "./syncOutput.js"
import { readWindow } from "./windowReader.js"
import { exportWindows, syncStart } from "./windows.js"

export type StreamOutcome = "complete" | "failed"

/**
 * Reads one stream window by window, in order, with a STATE after each window. The cursor never
 * moves backwards: windows that a lookback re-reads below the saved cursor add their records to
 * the next checkpoint instead of emitting an older one. Any failure but an authentication one
 * ends only this stream (TRACE ERROR, INCOMPLETE); authentication failures stop the sync.
 */
export const readStream = (stream: CatalogStream, savedCursorMs: number | undefined, endMs: number) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const output = yield* SyncOutput
    const name = stream.name
    const incremental = stream.syncMode === "incremental"
    const floor = incremental ? savedCursorMs : undefined
    const fromMs = incremental ? syncStart(settings.startMs, savedCursorMs, settings.lookbackHours) : settings.startMs
    const windows = exportWindows(fromMs, endMs, settings.windowHours)

    yield* output.started(name)

    let lastEmitted: number | undefined
    let pending = 0
    let totalRecords = 0
    let totalBytes = 0
    const body = Effect.gen(function* () {
      for (const [index, window] of windows.entries()) {
        const result = yield* readWindow(name, window)
        pending += result.records
        totalRecords += result.records
        totalBytes += result.bytes
        const done = index + 1
        yield* output.estimate(name, (totalRecords / done) * windows.length, (totalBytes / done) * windows.length)
        const cursor = Math.max(window.endMs, floor ?? Number.NEGATIVE_INFINITY)
        if (cursor > (lastEmitted ?? floor ?? Number.NEGATIVE_INFINITY)) {
          yield* output.checkpoint(name, toCursor(cursor), pending)
          lastEmitted = cursor
          pending = 0
        }
      }
      if (lastEmitted === undefined || pending > 0) {
        yield* output.checkpoint(name, toCursor(lastEmitted ?? floor ?? fromMs), pending)
      }
    })

    return yield* body.pipe(
      Effect.map((): StreamOutcome => "complete"),
      // A defect (a bug, a fault nothing foresaw) fails this stream alone, with a message.
      Effect.catchAllDefect(defectAsFailure),
      Effect.catchIf(
        (error): error is Exclude<typeof error, ApiAuthError> => error._tag !== "ApiAuthError",
        (error) => {
          return output.failed(name, describeFailure(error)).pipe(Effect.as<StreamOutcome>("failed"))
        }
      ),
      Effect.onExit((exit) => output.ended(name, Exit.isSuccess(exit) && exit.value === "complete")),
      // Every 429 wait of this stream's requests and downloads is reported as this stream's.
      Effect.provideService(RateLimitReporter, { waiting: (retryAtMs) => output.rateLimited(name, retryAtMs) })
    )
  })
