import { Effect, Schema } from "effect"
import { Settings } from "../config/settingsTag.js"
import { CsvFileError, RecordEncoder } from "../csv/recordEncoder.js"
import { FileDownloader } from "../enterpret/download.js"
import { type ApiError, type DownloadError, type UrlExpired, withoutSignature } from "../enterpret/errors.js"
import { retryBaseMs, withRetry } from "../enterpret/retry.js"
import { AirbyteOutput } from "../protocol/writer.js"

/** A file whose content is not the CSV the header promises; fails its window, names the line. */
export class FileContentError extends Schema.TaggedError<FileContentError>()("FileContentError", {
  stream: Schema.String,
  file: Schema.String,
  line: Schema.Number,
  detail: Schema.String
}) {
  override get message() {
    return `Stream ${this.stream}: file ${this.file}, line ${this.line}: ${this.detail}`
  }
}

const MAX_URL_REFRESHES = 3

export interface FileJob {
  readonly stream: string
  readonly windowEnd: string
  readonly url: string
  /** Asks the export endpoint again for a fresh signed URL of the same file. */
  readonly refreshUrl: Effect.Effect<string, ApiError | UrlExpired>
  readonly onRateLimited: (retryAtMs: number | undefined) => Effect.Effect<void>
}

/**
 * Emits every record of one file exactly once. A broken-off download is retried from the start
 * of the file, skipping the rows already emitted (the same URL serves the same bytes); an expired
 * URL is swapped for a fresh one. Returns the records emitted and the bytes on the wire.
 */
export const readFile = (job: FileJob) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const downloader = yield* FileDownloader
    const output = yield* AirbyteOutput
    const file = withoutSignature(job.url)
    let url = job.url
    let rowsSeen = 0
    let rowsEmitted = 0
    let bytes = 0

    const parsed = (encoder: RecordEncoder, step: () => string) =>
      Effect.suspend(() => {
        let lines: string
        try {
          lines = step()
        } catch (error) {
          if (!(error instanceof CsvFileError)) throw error
          return Effect.fail(new FileContentError({ stream: job.stream, file, line: error.line, detail: error.detail }))
        }
        rowsSeen = encoder.rowsSeen
        rowsEmitted += encoder.rowsEmitted
        encoder.rowsEmitted = 0
        return lines.length === 0 ? Effect.void : output.emitLines(lines)
      })

    const attempt = Effect.suspend(() => {
      const encoder = new RecordEncoder({ stream: job.stream, windowEnd: job.windowEnd, fileUrl: file, skipRows: rowsSeen })
      return downloader
        .download(url, {
          onSize: (size) =>
            Effect.sync(() => {
              if (size !== undefined) bytes = size
            }),
          onChunk: (chunk) => parsed(encoder, () => encoder.push(chunk))
        })
        .pipe(Effect.zipRight(parsed(encoder, () => encoder.end())))
    })

    const retried = withRetry(attempt, {
      maxRetries: settings.maxRetries,
      baseMs: retryBaseMs(),
      onRateLimited: job.onRateLimited
    })

    const withFreshUrls = (refreshes: number): Effect.Effect<void, DownloadError | ApiError | FileContentError> =>
      retried.pipe(
        Effect.catchTag("UrlExpired", (expired) =>
          refreshes >= MAX_URL_REFRESHES
            ? Effect.fail(expired)
            : job.refreshUrl.pipe(
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
