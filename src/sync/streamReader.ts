import { Effect, Exit } from "effect"
import { Settings } from "../config/settings.js"
import type { ApiAuthError } from "../enterpret/errors.js"
import { RateLimitReporter } from "../enterpret/rateLimitReporter.js"
import { type CatalogStream, PrimaryKey } from "./catalog.js"
import {
  type Checkpoint,
  completeWindow,
  cursorNotices,
  encodeStreamState,
  estimateTotals,
  finishRead,
  nextWindow,
  splittable,
  splitWindow,
  startCursor
} from "./cursor.js"
import { defectAsFailure, describeFailure } from "./failures.js"
import { StreamWarnings, SyncOutput } from "./syncOutput.js"
import { readWindow } from "./windowReader.js"

export type StreamOutcome = "complete" | "failed"

/**
 * Reads one stream window by window, in order, as its cursor (cursor.ts) plans them, and
 * checkpoints where the cursor says. Any failure but an authentication one ends only this stream
 * (TRACE ERROR, INCOMPLETE); authentication failures stop the sync.
 */
export const readStream = (stream: CatalogStream, savedCursorMs: number | undefined, endMs: number) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const output = yield* SyncOutput
    const name = stream.name
    let cursor = startCursor({
      startMs: settings.startMs,
      endMs,
      savedMs: savedCursorMs,
      lookbackHours: settings.lookbackHours,
      windowHours: settings.windowHours,
      syncMode: stream.syncMode
    })
    const checkpoint = (due: Checkpoint) => output.checkpoint(name, encodeStreamState(due.cursorMs), due.recordCount)

    yield* output.started(name)
    for (const notice of cursorNotices(cursor.options)) yield* output.warn(name, notice)
    const warned = new Set<string>()

    let totalRecords = 0
    let totalBytes = 0
    const body = Effect.gen(function* () {
      for (let window = nextWindow(cursor); window !== undefined; window = nextWindow(cursor)) {
        const result = yield* readWindow(name, window, splittable(cursor, window))
        if (result.split) {
          cursor = splitWindow(cursor, window, result.files)
          continue
        }
        const step = completeWindow(cursor, window, result)
        cursor = step.cursor
        totalRecords += result.records
        totalBytes += result.bytes
        const estimate = estimateTotals(cursor, totalRecords, totalBytes)
        yield* output.estimate(name, estimate.records, estimate.bytes)
        if (step.checkpoint !== undefined) yield* checkpoint(step.checkpoint)
      }
      const last = finishRead(cursor)
      if (last !== undefined) yield* checkpoint(last)
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
      Effect.provideService(RateLimitReporter, { waiting: (retryAtMs) => output.rateLimited(name, retryAtMs) }),
      // Every file of this stream is held to its primary key (fileReader.ts).
      stream.primaryKey === undefined ? (self) => self : Effect.provideService(PrimaryKey, stream.primaryKey),
      Effect.provideService(StreamWarnings, {
        once: (key, message) =>
          warned.has(key)
            ? Effect.void
            : Effect.zipRight(
                Effect.sync(() => warned.add(key)),
                output.warn(name, message)
              )
      })
    )
  })
