import { Effect } from "effect"
import { Settings } from "../config/settings.js"
import { Timing } from "../config/timing.js"
import { EncoderPool } from "../csv/encoderPool.js"
import type { EncodedChunk } from "../csv/fileEncoder.js"
import { CsvFileError } from "../csv/recordEncoder.js"
import { FileDownloader } from "../enterpret/download.js"
import { type ApiError, type DownloadError, TransientError, type UrlExpired, withoutSignature } from "../enterpret/errors.js"
import { withRetry } from "../enterpret/retry.js"
import { FileContentError } from "./failures.js"
import { SyncOutput } from "./syncOutput.js"

const MAX_URL_REFRESHES = 3

export interface FileJob {
  readonly stream: string
  readonly windowEnd: string
  readonly url: string
  /** A fresh signed URL for the same file, in place of the expired one given. */
  readonly refreshUrl: (expired: string) => Effect.Effect<string, ApiError | UrlExpired>
}

/** Chunks handed to the encoder before the download waits for the oldest to come back. */
const CHUNKS_IN_FLIGHT = 4

/**
 * Emits every record of one file exactly once. Chunks go to the encoder (a worker thread) as
 * they arrive and come back as RECORD lines in order; a few are in flight at once so that the
 * download and the parsing overlap. A broken-off download is retried from the start of the
 * file, skipping the rows already emitted (the same URL serves the same bytes); an expired URL
 * is swapped for a fresh one. Returns the records emitted and the bytes on the wire.
 */
export const readFile = (job: FileJob) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const timing = yield* Timing
    const downloader = yield* FileDownloader
    const output = yield* SyncOutput
    const pool = yield* EncoderPool
    const file = withoutSignature(job.url)
    let url = job.url
    let rowsSeen = 0
    let rowsEmitted = 0
    let bytes = 0

    const attempt = Effect.suspend(() => {
      const envelope = output.recordEnvelope(job.stream, job.windowEnd, file)
      const encoder = pool.open({ envelope, skipRows: rowsSeen })
      const inFlight: Array<Promise<EncodedChunk>> = []
      const enqueue = (result: Promise<EncodedChunk>) => {
        // Rejections are taken when the result's turn comes; until then they are not unhandled.
        result.catch(() => {})
        inFlight.push(result)
      }
      const emitOldest = Effect.tryPromise({
        try: () => inFlight.shift()!,
        catch: (error): FileContentError | TransientError =>
          error instanceof CsvFileError
            ? new FileContentError({ stream: job.stream, file, line: error.line, detail: error.detail })
            : // A crashed worker is retried like a broken download: from the rows already emitted.
              new TransientError({ what: `encoding ${file}`, message: error instanceof Error ? error.message : String(error) })
      }).pipe(
        Effect.flatMap((chunk) => {
          rowsSeen = chunk.rowsSeen
          rowsEmitted += chunk.rowsEmitted
          return chunk.output.length === 0 ? Effect.void : output.records(chunk.output, () => encoder.recycle(chunk.output))
        })
      )
      const emitAll = Effect.whileLoop({ while: () => inFlight.length > 0, body: () => emitOldest, step: () => {} })
      return downloader
        .download(url, {
          onSize: (size) =>
            Effect.sync(() => {
              if (size !== undefined) bytes = size
            }),
          onChunk: (chunk) =>
            Effect.suspend(() => {
              enqueue(encoder.push(chunk))
              return inFlight.length > CHUNKS_IN_FLIGHT ? emitOldest : Effect.void
            })
        })
        .pipe(
          Effect.tap(() => Effect.sync(() => enqueue(encoder.end()))),
          Effect.zipRight(emitAll),
          // Everything already received is complete rows: emit it even when the download broke off.
          Effect.catchAll((error) => emitAll.pipe(Effect.zipRight(Effect.fail(error)))),
          Effect.ensuring(Effect.sync(() => encoder.close()))
        )
    })

    const retried = withRetry(attempt, { maxRetries: settings.maxRetries, baseMs: timing.retryBaseMs })

    const withFreshUrls = (refreshes: number): Effect.Effect<void, DownloadError | ApiError | FileContentError> =>
      retried.pipe(
        Effect.catchTag("UrlExpired", (expired) =>
          refreshes >= MAX_URL_REFRESHES
            ? Effect.fail(expired)
            : job.refreshUrl(url).pipe(
                Effect.flatMap((fresh) => {
                  url = fresh
                  return withFreshUrls(refreshes + 1)
                })
              )
        )
      )

    yield* withFreshUrls(0)
    return { records: rowsEmitted, bytes }
  })
