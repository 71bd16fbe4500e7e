import { Clock, Duration, Effect, Fiber, Layer, Redacted, TestClock } from "effect"
import { HOUR_MS } from "../../src/config/hours.js"
import { Settings, type SettingsShape } from "../../src/config/settings.js"
import { DEFAULT_RETRY_BASE_MS, TimingDefault } from "../../src/config/timing.js"
import { type ExportPage, fileIdentity } from "../../src/enterpret/answers.js"
import { EnterpretApi, type ExportRequest } from "../../src/enterpret/client.js"
import { type BodyFraming, type DownloadHandlers, FileDownloader } from "../../src/enterpret/download.js"
import {
  type ApiError,
  type DownloadError,
  DownloadRejected,
  TransientError,
  UrlExpired,
  withoutSignature
} from "../../src/enterpret/errors.js"
import { withRetry } from "../../src/enterpret/retry.js"
import { airbyteRecordEnvelope } from "../../src/output/recordEnvelope.js"
import { CURSOR_FIELD } from "../../src/sync/cursor.js"
import { DownloadSlotsLive } from "../../src/sync/downloadSlots.js"
import type { FailureReport } from "../../src/sync/failures.js"
import { SyncOutput } from "../../src/sync/syncOutput.js"

/**
 * An in-process stand-in for Enterpret and its file host, for testing the sync engine
 * (readStream, readWindow, readFile, the header probe) with substituted layers under the
 * TestClock: no sockets, no processes, no real time.
 */

export const T0 = Date.parse("2025-12-12T00:00:00Z")

/** One export file: the object it belongs to, the hour it covers, its CSV text. */
export interface FakeFile {
  readonly object: string
  readonly hourMs: number
  readonly name: string
  readonly csv: string
  /** The body the file host sends in place of `csv`'s bytes (an HTML page, a gzip stream). */
  readonly body?: Uint8Array
  /** How the body's end is framed: its length (the default), chunked, or the connection closing. */
  readonly framing?: BodyFraming
}

/** A fault the fake API answers one export request with, instead of the page. */
export type ApiFault = ApiError

/** A fault of one download attempt: fail at once, or deliver the first `afterBytes` and break off. */
export type DownloadFault = DownloadError | { readonly cutAfterBytes: number }

export interface HarnessOptions {
  readonly files: ReadonlyArray<FakeFile>
  /** Exportable objects without any file, listed after those with files. */
  readonly emptyObjects?: ReadonlyArray<string>
  readonly filesPerPage?: number
  readonly settings?: Partial<SettingsShape>
  /** Called for every export request (0-based call number across the run); a fault fails it. */
  readonly apiFault?: (request: ExportRequest, call: number) => ApiFault | undefined
  /** Overrides the page the API answers, e.g. to hand out a cursor that never ends. */
  readonly page?: (request: ExportRequest, call: number) => ExportPage | undefined
  /** Called for every download attempt of a file (by name, 0-based attempt of that file). */
  readonly downloadFault?: (file: FakeFile, attempt: number) => DownloadFault | undefined
  /** Whether the file host answers 403 to a URL signed by the export answer number `signedAt`. */
  readonly expired?: (file: FakeFile, signedAt: number) => boolean
  /** Bytes per body chunk, to cross rows and cells at chunk boundaries. */
  readonly chunkBytes?: number
  /** Milliseconds (TestClock) each download takes before its body, to overlap listing and downloads. */
  readonly downloadMs?: number
  /** A protocol's own SyncOutput (a door's) instead of the one that records `events`. */
  readonly syncOutput?: Layer.Layer<SyncOutput>
}

export type SyncEvent =
  | { readonly kind: "record"; readonly stream: string; readonly data: Readonly<Record<string, unknown>> }
  | { readonly kind: "started"; readonly stream: string }
  | { readonly kind: "newColumns"; readonly stream: string; readonly columns: ReadonlyArray<string> }
  | { readonly kind: "rateLimited"; readonly stream: string; readonly retryAtMs: number | undefined; readonly atMs: number }
  | { readonly kind: "estimate"; readonly stream: string; readonly rows: number; readonly bytes: number }
  | { readonly kind: "checkpoint"; readonly stream: string; readonly cursor: string; readonly recordCount: number }
  | { readonly kind: "failed"; readonly stream: string; readonly report: FailureReport }
  | { readonly kind: "warn"; readonly stream: string; readonly message: string }
  | { readonly kind: "ended"; readonly stream: string; readonly complete: boolean }

export const testSettings = (overrides: Partial<SettingsShape> = {}): SettingsShape => ({
  apiToken: Redacted.make("test-token"),
  startMs: T0,
  endMs: T0 + 2 * 24 * HOUR_MS,
  baseUrl: "https://api.test/export",
  objects: undefined,
  windowHours: 24,
  lookbackHours: 0,
  settleMs: 0,
  exportRequestsPerMinute: 10,
  objectsRequestsPerMinute: 60,
  maxConcurrentDownloads: 4,
  maxRetries: 3,
  requestTimeoutMs: 120_000,
  ...overrides
})

/** A CSV of `rows` records of `object` for the hour `hourMs`, with ids unique across the tenant. */
export const csvFile = (object: string, hourMs: number, rows: number, part = 0): FakeFile => {
  const hour = new Date(hourMs).toISOString().slice(0, 13)
  const lines = Array.from({ length: rows }, (_, i) => `${object}-${hour}-${part}-${i},"text, ${i}"`)
  return { object, hourMs, name: `${object}/${hour}-part-${part}.csv`, csv: `${["record_id,text", ...lines].join("\n")}\n` }
}

export const makeHarness = (options: HarnessOptions) => {
  const settings = testSettings(options.settings)
  const filesPerPage = options.filesPerPage ?? 4
  const chunkBytes = options.chunkBytes ?? 64
  const exportRequests: Array<ExportRequest> = []
  const downloads: Array<string> = []
  const events: Array<SyncEvent> = []
  /**
   * Everything in the order it happened: `export <object> <start>..<end> <cursor|->` when an
   * export request is answered, `download <file>` when a download starts, `downloaded <file>`
   * when its body is through, `checkpoint <stream> <cursor>`.
   */
  const timeline: Array<string> = []
  const attempts = new Map<string, number>()
  const byName = new Map(options.files.map((file) => [file.name, file]))

  const filesOf = (request: ExportRequest) =>
    options.files
      .filter((f) => f.object === request.objectId && f.hourMs >= request.startMs && f.hourMs < request.endMs)
      .sort((a, b) => a.hourMs - b.hourMs || a.name.localeCompare(b.name))

  // The real client retries inside exportPage; the fake does the same with the real retry module,
  // so that 429s and 5xx are retried, waited out and reported exactly as in production.
  const answer = (request: ExportRequest) =>
    Effect.suspend((): Effect.Effect<ExportPage, ApiError> => {
      const call = exportRequests.length
      exportRequests.push(request)
      const fault = options.apiFault?.(request, call)
      timeline.push(
        `export ${request.objectId} ${new Date(request.startMs).toISOString()}..${new Date(request.endMs).toISOString()} ${request.cursor ?? "-"}`
      )
      if (fault !== undefined) return Effect.fail(fault)
      const custom = options.page?.(request, call)
      if (custom !== undefined) return Effect.succeed(custom)
      const all = filesOf(request)
      const from = request.cursor === undefined ? 0 : Number(request.cursor.slice(1))
      const next = from + filesPerPage
      return Effect.succeed({
        files: all.slice(from, next).map((f) => `https://files.test/${f.name}${f.name.includes("?") ? "&" : "?"}sig=${call}`),
        cursor: next < all.length ? `p${next}` : undefined
      })
    })

  const api = EnterpretApi.of({
    listObjects: Effect.succeed(
      [...new Set([...options.files.map((f) => f.object), ...(options.emptyObjects ?? [])])].map((id) => ({
        id,
        name: id,
        description: ""
      }))
    ),
    exportPage: (request) => withRetry(answer(request), { maxRetries: settings.maxRetries, baseMs: DEFAULT_RETRY_BASE_MS })
  })

  const download = <E, R>(url: string, handlers: DownloadHandlers<E, R>): Effect.Effect<void, E | DownloadError, R> =>
    Effect.gen(function* () {
      downloads.push(url)
      const path = withoutSignature(url)
      timeline.push(`download ${path}`)
      if (options.downloadMs !== undefined) yield* Effect.sleep(options.downloadMs)
      // A file is named by its path, or by its path and query when the test's names hold one;
      // `token` is the tests' own signing parameter, one fileIdentity does not know.
      const file = byName.get(
        fileIdentity(url)
          .replace(/[?&]token=[^&]*/, "")
          .replace("https://files.test/", "")
      )
      if (file === undefined) return yield* new DownloadRejected({ file: path, status: 404 })
      const signedAt = Number(new URL(url).searchParams.get("sig"))
      if (options.expired?.(file, signedAt) === true) return yield* new UrlExpired({ file: path })
      const attempt = attempts.get(file.name) ?? 0
      attempts.set(file.name, attempt + 1)
      const fault = options.downloadFault?.(file, attempt)
      if (fault !== undefined && "_tag" in fault) return yield* Effect.fail(fault)
      const bytes = file.body ?? new TextEncoder().encode(file.csv)
      const end = fault === undefined ? bytes.length : Math.min(fault.cutAfterBytes, bytes.length)
      yield* handlers.onSize(file.framing === "close" || file.framing === "chunked" ? undefined : bytes.length, file.framing ?? "length") ??
        Effect.void
      for (let at = 0; at < end; at += chunkBytes) {
        // A fresh buffer per chunk, as a socket gives: the encoder may take it over.
        yield* handlers.onChunk(bytes.slice(at, Math.min(at + chunkBytes, end))) ?? Effect.void
      }
      if (end < bytes.length) {
        return yield* new TransientError({ what: `downloading ${path}`, message: `the body ended after ${end} of ${bytes.length} bytes` })
      }
      timeline.push(`downloaded ${path}`)
    })

  const output = Layer.effect(
    SyncOutput,
    Effect.succeed(
      SyncOutput.of({
        recordEnvelope: (stream, windowEnd, fileUrl) => airbyteRecordEnvelope(stream, windowEnd, fileUrl, 0),
        records: (lines, written) =>
          Effect.sync(() => {
            for (const line of new TextDecoder().decode(lines).split("\n")) {
              if (line === "") continue
              const { record } = JSON.parse(line) as { record: { stream: string; data: Record<string, unknown> } }
              events.push({ kind: "record", stream: record.stream, data: record.data })
            }
            written?.()
          }),
        newColumns: (stream, columns) => Effect.sync(() => void events.push({ kind: "newColumns", stream, columns })),
        started: (stream) => Effect.sync(() => void events.push({ kind: "started", stream })),
        rateLimited: (stream, retryAtMs) =>
          Effect.flatMap(Clock.currentTimeMillis, (atMs) =>
            Effect.sync(() => void events.push({ kind: "rateLimited", stream, retryAtMs, atMs }))
          ),
        estimate: (stream, rows, bytes) => Effect.sync(() => void events.push({ kind: "estimate", stream, rows, bytes })),
        checkpoint: (stream, streamState, recordCount) =>
          Effect.sync(() => {
            timeline.push(`checkpoint ${stream} ${streamState[CURSOR_FIELD]}`)
            events.push({ kind: "checkpoint", stream, cursor: streamState[CURSOR_FIELD], recordCount })
          }),
        warn: (stream, message) => Effect.sync(() => void events.push({ kind: "warn", stream, message })),
        failed: (stream, report) => Effect.sync(() => void events.push({ kind: "failed", stream, report })),
        ended: (stream, complete) => Effect.sync(() => void events.push({ kind: "ended", stream, complete }))
      })
    )
  )

  const base = Layer.mergeAll(Layer.succeed(Settings, settings), TimingDefault)
  const layer = Layer.mergeAll(
    Layer.succeed(EnterpretApi, api),
    Layer.succeed(FileDownloader, FileDownloader.of({ download })),
    DownloadSlotsLive,
    options.syncOutput ?? output
  ).pipe(Layer.provideMerge(base))

  const records = (stream?: string) =>
    events.flatMap((e) => (e.kind === "record" && (stream === undefined || e.stream === stream) ? [e.data] : []))
  const of = <K extends SyncEvent["kind"]>(kind: K, stream?: string) =>
    events.filter((e): e is Extract<SyncEvent, { kind: K }> => e.kind === kind && (stream === undefined || e.stream === stream))

  return { settings, layer, exportRequests, downloads, events, timeline, records, of }
}

/** The ids every record of `files` has, in file order: the ground truth of a full read. */
export const idsOf = (files: ReadonlyArray<FakeFile>): Array<string> =>
  files.flatMap((f) =>
    f.csv
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[0]!)
  )

/** The TestClock's "now" during a run: well after the tenant's data. */
export const NOW = T0 + 30 * 24 * HOUR_MS

/**
 * Runs `effect` under the TestClock from NOW, moving the clock a day ahead so that every backoff
 * and Retry-After wait on the way passes at once; returns its exit.
 */
export const underTestClock = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(NOW)
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(Duration.days(1))
    return yield* Fiber.await(fiber)
  })
