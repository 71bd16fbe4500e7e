import { type Context, Effect, Option } from "effect"
import { Settings } from "../config/settings.js"
import { Timing } from "../config/timing.js"
import { SNIFF_BYTES, shownStart, sniffBody } from "../csv/bodySniff.js"
import { CsvFileError, RecordEncoder } from "../csv/recordEncoder.js"
import { FileDownloader } from "../enterpret/download.js"
import { type ApiError, type DownloadError, type UrlExpired, withoutSignature } from "../enterpret/errors.js"
import { withRetry } from "../enterpret/retry.js"
import { PrimaryKey } from "./catalog.js"
import { FileContentError } from "./failures.js"
import { StreamColumns } from "./streamColumns.js"
import { StreamWarnings, SyncOutput } from "./syncOutput.js"

const MAX_URL_REFRESHES = 3

/**
 * What a chunk's handling leaves to do: nothing (undefined, the common case: its records were
 * written at once), or an Effect to run before the next chunk (see DownloadHandlers.onChunk).
 */
type Step = Effect.Effect<void, FileContentError> | undefined

/** `first`, then `next()`'s step: called only once `first` has run, so nothing of it overtakes. */
const andThen = (first: Step, next: () => Step): Step =>
  first === undefined
    ? next()
    : Effect.zipRight(
        first,
        Effect.suspend(() => next() ?? Effect.void)
      )

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
 * (the same URL serves the same bytes); an expired URL is swapped for a fresh one. Returns the
 * records emitted and the bytes on the wire.
 *
 * A file is known before it is trusted (issue 22): its first bytes must not be an HTML or XML
 * page or a compressed or binary body (csv/bodySniff.ts), and its header must hold the stream's
 * primary key columns (PrimaryKey). Both are checked before any record of the file goes out; a
 * file that fails either fails its window, so no state passes it.
 *
 * The file's header goes to the stream's StreamColumns before its first records go out (so a
 * Singer SCHEMA for new columns precedes them), and the columns it excludes (deselected) are
 * left out at encoder set-up.
 */
export const readFile = (job: FileJob) => Effect.flatMap(fileReader, (read) => read(job))

/**
 * `readFile` with the services it needs taken from context once, for a window's many files: per
 * file, looking up eight services was a fifth of what the scaffolding of a small file cost.
 */
export const fileReader = Effect.gen(function* () {
  const settings = yield* Settings
  const timing = yield* Timing
  const downloader = yield* FileDownloader
  const output = yield* SyncOutput
  const primaryKey = yield* PrimaryKey
  const warnings = yield* StreamWarnings
  const columns = Option.getOrUndefined(yield* Effect.serviceOption(StreamColumns))
  return (job: FileJob) => readOne(job, { settings, timing, downloader, output, primaryKey, warnings, columns })
})

interface FileReaderServices {
  readonly settings: Context.Tag.Service<typeof Settings>
  readonly timing: Context.Tag.Service<typeof Timing>
  readonly downloader: Context.Tag.Service<typeof FileDownloader>
  readonly output: Context.Tag.Service<typeof SyncOutput>
  readonly primaryKey: Context.Tag.Service<typeof PrimaryKey>
  readonly warnings: Context.Tag.Service<typeof StreamWarnings>
  readonly columns: Context.Tag.Service<typeof StreamColumns> | undefined
}

const readOne = (job: FileJob, services: FileReaderServices) =>
  Effect.suspend(() => {
    const { settings, timing, downloader, output, primaryKey, warnings, columns } = services
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

    const notCsv = (line: number, detail: string) => new FileContentError({ stream: job.stream, file, line, detail })

    const attempt = Effect.suspend(() => {
      const encoder = new RecordEncoder({ envelope, skipRows: resumeAt, excludedColumns: columns?.excluded })
      let headerChecked = false
      const emit = (encode: () => Uint8Array): Step => {
        const before = encoder.rowsEmitted
        let lines: Uint8Array
        try {
          lines = encode()
        } catch (error) {
          if (error instanceof CsvFileError) return Effect.fail(notCsv(error.line, error.detail))
          return Effect.die(error)
        }
        if (!headerChecked && encoder.header !== undefined) {
          headerChecked = true
          const header = encoder.header
          const missing = primaryKey.filter((column) => !header.includes(column))
          if (missing.length > 0) {
            // The lines of this chunk are dropped with the file: none of its records goes out.
            return Effect.fail(
              notCsv(
                1,
                `the header has no ${missing.join(", ")} column (the stream's primary key), so its records could not be told apart; it begins ${shownStart(new TextEncoder().encode(header.join(",")))}`
              )
            )
          }
        }
        rowsEmitted += encoder.rowsEmitted - before
        resumeAt = Math.max(resumeAt, encoder.rowsSeen)
        // Once written out (copied, for stdout), the encoder writes the next chunk into the same buffer.
        const records = () => (lines.length === 0 ? undefined : output.records(lines, () => encoder.release()))
        const header = headerTold ? undefined : encoder.header
        if (header === undefined || columns === undefined) return records()
        headerTold = true
        // Before the first records of the file: what new columns bring (a SCHEMA) comes first.
        return andThen(columns.header(header), records)
      }
      // The body's first SNIFF_BYTES are held back until they show it may be CSV: a copy of 64
      // bytes a file, then every chunk goes to the encoder as it comes.
      let held: Array<Uint8Array> | undefined = []
      let heldBytes = 0
      const release = (): Step => {
        if (held === undefined) return undefined
        const start = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes)
        held = undefined
        const problem = sniffBody(start)
        if (problem !== undefined) return Effect.fail(notCsv(1, `the file host sent ${problem}`))
        return start.length === 0 ? undefined : emit(() => encoder.push(start))
      }
      const onChunk = (chunk: Uint8Array): Step => {
        if (held === undefined) return emit(() => encoder.push(chunk))
        held.push(chunk)
        heldBytes += chunk.length
        return heldBytes < SNIFF_BYTES ? undefined : release()
      }
      return downloader
        .download(url, {
          onSize: (size, framing) => {
            if (size !== undefined) bytes = size
            // Accepted, with a warning: S3 always frames its bodies, so an unframed one comes
            // through a proxy, and refusing it would stop every sync behind that proxy for good.
            // A cut inside a row or a quoted cell still fails as a malformed row; only a cut at
            // a row boundary cannot be told from the end.
            return framing === "close"
              ? warnings.once(
                  "unframed",
                  `the file host sent ${file} (and maybe others) with neither Content-Length nor chunked framing, so whether each such file arrived whole cannot be checked; a body cut off at a row boundary would go unnoticed. A proxy between this host and the file host likely strips the framing.`
                )
              : undefined
          },
          onChunk
        })
        .pipe(Effect.zipRight(Effect.suspend(() => andThen(release(), () => emit(() => encoder.end())) ?? Effect.void)))
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

    return Effect.map(withFreshUrls(0), () => ({ records: rowsEmitted, bytes }))
  })
