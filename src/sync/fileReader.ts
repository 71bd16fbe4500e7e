import { Effect, Option } from "effect"
import { Settings } from "../config/settings.js"
import { Timing } from "../config/timing.js"
import { CsvFileError, RecordEncoder } from "../csv/recordEncoder.js"
import { FileDownloader } from "../enterpret/download.js"
import { type ApiError, type DownloadError, type UrlExpired, withoutSignature } from "../enterpret/errors.js"
import { withRetry } from "../enterpret/retry.js"
import { FileContentError } from "./failures.js"
import { StreamColumns } from "./streamColumns.js"
import { SyncOutput } from "./syncOutput.js"

const MAX_URL_REFRESHES = 3

export interface FileJob {
  readonly stream: string
  readonly windowEnd: string
  readonly url: string
  /** A fresh signed URL for the same file, in place of the expired one given. */
  readonly refreshUrl: (expired: string) => Effect.Effect<string, ApiError | UrlExpired>
}

/**
 * Emits every record of one file exactly once. Each chunk is encoded as it arrives, on this
 * thread (RecordEncoder), and its complete rows go out before the next chunk is read. A
 * broken-off download is retried from the start of the file, skipping the rows already emitted
 * (the same URL serves the same bytes); an expired URL is swapped for a fresh one. The file's
 * header goes to the stream's StreamColumns before its first records go out, and the columns it
 * excludes are left out at encoder set-up. Returns the records emitted and the bytes on the wire.
 */
export const readFile = (job: FileJob) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const timing = yield* Timing
    const downloader = yield* FileDownloader
    const output = yield* SyncOutput
    const columns = Option.getOrUndefined(yield* Effect.serviceOption(StreamColumns))
    const file = withoutSignature(job.url)
    const envelope = output.recordEnvelope(job.stream, job.windowEnd, file)
    let url = job.url
    /**
     * Data rows of the file already emitted: where the next attempt resumes. It never goes back:
     * an attempt cut earlier than the one before it has seen fewer rows than were emitted.
     */
    let resumeAt = 0
    let rowsEmitted = 0
    let bytes = 0
    /** The header went to StreamColumns: once a file, whatever the attempts. */
    let headerTold = false

    const attempt = Effect.suspend(() => {
      const encoder = new RecordEncoder({ envelope, skipRows: resumeAt, excludedColumns: columns?.excluded })
      const emit = (encode: () => Uint8Array) =>
        Effect.suspend(() => {
          const before = encoder.rowsEmitted
          let lines: Uint8Array
          try {
            lines = encode()
          } catch (error) {
            if (error instanceof CsvFileError) {
              return Effect.fail(new FileContentError({ stream: job.stream, file, line: error.line, detail: error.detail }))
            }
            return Effect.die(error)
          }
          rowsEmitted += encoder.rowsEmitted - before
          resumeAt = Math.max(resumeAt, encoder.rowsSeen)
          // Once written out (copied, for stdout), the encoder writes the next chunk into the same buffer.
          const records = lines.length === 0 ? Effect.void : output.records(lines, () => encoder.release())
          const header = headerTold ? undefined : encoder.header
          if (header === undefined || columns === undefined) return records
          headerTold = true
          // Before the first records of the file: what new columns bring (a SCHEMA) comes first.
          return Effect.zipRight(columns.header(header), records)
        })
      return downloader
        .download(url, {
          onSize: (size) =>
            Effect.sync(() => {
              if (size !== undefined) bytes = size
            }),
          onChunk: (chunk) => emit(() => encoder.push(chunk))
        })
        .pipe(Effect.zipRight(emit(() => encoder.end())))
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
