import { Effect, Exit } from "effect"
import { Settings } from "../config/settings.js"
import type { ApiAuthError, CertificateRejected } from "../enterpret/errors.js"
import { RateLimitReporter } from "../enterpret/rateLimitReporter.js"
import { type CatalogStream, PrimaryKey } from "./catalog.js"
import {
  type Checkpoint,
  type CursorOptions,
  cursorNotices,
  encodeStreamState,
  estimateTotals,
  finishRead,
  startTally,
  windowEmitted
} from "./cursor.js"
import { defectAsFailure, describeFailure } from "./failures.js"
import { makeStreamColumns, StreamColumns } from "./streamColumns.js"
import { StreamWarnings, SyncOutput } from "./syncOutput.js"
import { downloadWindow, listWindows, makeListings, windowCheckpointed } from "./windowReader.js"

export type StreamOutcome = "complete" | "failed"

/**
 * Reads one stream window by window, in order, as its cursor (cursor.ts) plans them: one fiber
 * lists the windows ahead while this one downloads and emits them (windowReader.ts), and
 * checkpoints each window's end once all its records are out. Any failure ends only this stream
 * (TRACE ERROR, INCOMPLETE) but two that no stream could get past, which stop the sync with one
 * report: the token refused (ApiAuthError), and a certificate Node cannot verify
 * (CertificateRejected: every stream asks the same base_url, and its files come from the same
 * file host, so each would fail in turn with the same message).
 */
export const readStream = (stream: CatalogStream, savedCursorMs: number | undefined, endMs: number) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const output = yield* SyncOutput
    const name = stream.name
    const options: CursorOptions = {
      startMs: settings.startMs,
      endMs,
      savedMs: savedCursorMs,
      lookbackHours: settings.lookbackHours,
      windowHours: settings.windowHours,
      syncMode: stream.syncMode
    }
    const columns = yield* makeStreamColumns(name, stream.columns)
    const checkpoint = (due: Checkpoint) => output.checkpoint(name, encodeStreamState(due.cursorMs), due.recordCount)

    yield* output.started(name)
    for (const notice of cursorNotices(options)) yield* output.warn(name, notice)
    const warned = new Set<string>()

    const body = Effect.gen(function* () {
      const listings = yield* makeListings
      // The lister ends with the scope: when this stream fails, it is interrupted.
      yield* Effect.forkScoped(listWindows(name, options, listings))
      let tally = startTally(options)
      let totalRecords = 0
      let totalBytes = 0
      for (;;) {
        const result = yield* downloadWindow(name, listings)
        if (result === undefined) break
        const step = windowEmitted(tally, result.window, result.records)
        tally = step.tally
        totalRecords += result.records
        totalBytes += result.bytes
        const estimate = estimateTotals(tally, totalRecords, totalBytes)
        yield* output.estimate(name, estimate.records, estimate.bytes)
        if (step.checkpoint !== undefined) {
          yield* checkpoint(step.checkpoint)
          yield* windowCheckpointed(listings, result.requestsThrough)
        }
      }
      const last = finishRead(tally)
      if (last !== undefined) yield* checkpoint(last)
    }).pipe(Effect.scoped)

    return yield* body.pipe(
      Effect.map((): StreamOutcome => "complete"),
      // A defect (a bug, a fault nothing foresaw) fails this stream alone, with a message.
      Effect.catchAllDefect(defectAsFailure),
      Effect.catchIf(
        (error): error is Exclude<typeof error, ApiAuthError | CertificateRejected> =>
          error._tag !== "ApiAuthError" && error._tag !== "CertificateRejected",
        (error) => {
          return output.failed(name, describeFailure(error)).pipe(Effect.as<StreamOutcome>("failed"))
        }
      ),
      Effect.onExit((exit) => output.ended(name, Exit.isSuccess(exit) && exit.value === "complete")),
      // Every 429 wait of this stream's requests and downloads is reported as this stream's.
      Effect.provideService(RateLimitReporter, { waiting: (retryAtMs) => output.rateLimited(name, retryAtMs) }),
      // Each file's header is checked against the stream's schema; deselected columns are left out.
      Effect.provideService(StreamColumns, columns),
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
