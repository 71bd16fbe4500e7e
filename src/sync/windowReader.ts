import { Cause, Effect } from "effect"
import { toCursor } from "../config/hours.js"
import { Settings } from "../config/settings.js"
import { type ExportPage, fileIdentity } from "../enterpret/answers.js"
import { describeExport, EnterpretApi, type ExportRequest, exportPager } from "../enterpret/client.js"
import { type ApiError, InvalidResponse, type UrlExpired } from "../enterpret/errors.js"
import {
  type Cursor,
  type CursorOptions,
  type ExportWindow,
  MAX_REQUESTS_WITHOUT_CHECKPOINT,
  nextWindow,
  pageListed,
  startCursor
} from "./cursor.js"
import { DownloadSlots } from "./downloadSlots.js"
import { fileReader } from "./fileReader.js"
import { type HandOver, makeHandOver } from "./handOver.js"
import { pageRefresher } from "./pageRefresher.js"

/**
 * A stream's windows are listed by one fiber (the lister) and downloaded by another, so that
 * while a page's files download the stream already asks for its next page, or for its next
 * window's first page: the export quota and the file host are used at once, where taking turns
 * paid their sum (issue 19: 78 s against a floor of 39 s on the benchmark's large tenant).
 *
 * Bounds: at most one listed page waits ahead of the downloads of a stream (the lister asks for
 * a page only once every page it handed on has been taken by the downloads). The exception is an
 * over-full window's first page, which is held back until its second page has said whether the
 * window is read or split (cursor.ts): for the time of that one request, two pages wait.
 * Checkpoints: the lister sends no export request that would make more than
 * MAX_REQUESTS_WITHOUT_CHECKPOINT since the stream's last checkpoint while a checkpoint it
 * has already planned is still to come (`covered`); when none is (a window that alone takes more
 * pages), it goes on, as a stream reading windows one at a time would.
 */

/** A file of a listed page: its URL and its place on the page (for a fresh URL when it expires). */
interface ListedFile {
  readonly url: string
  readonly index: number
  /**
   * Its page's window end and URL refresher, set for all the page's files when the downloads take
   * the page (one store a file, where a copy of each file with them cost an object spread a file).
   */
  page: PageContext | undefined
}

interface PageContext {
  readonly windowEnd: string
  readonly refresh: (expired: string, index: number) => Effect.Effect<string, ApiError | UrlExpired>
}

/** What the lister hands to the downloads, in order. */
type Listing =
  | {
      readonly _tag: "Page"
      readonly window: ExportWindow
      readonly request: ExportRequest
      readonly page: ExportPage
      /** The page's files not listed before in this window, in page order. */
      readonly files: ReadonlyArray<ListedFile>
    }
  | {
      readonly _tag: "Listed"
      readonly window: ExportWindow
      readonly pages: number
      readonly files: number
      /** Export requests the stream had sent once this window was listed (splits included). */
      readonly requestsThrough: number
    }
  | { readonly _tag: "End" }
  | { readonly _tag: "Failed"; readonly cause: Cause.Cause<ApiError> }

/** The lister's hand-over to the downloads (handOver.ts); its checkpoints count export requests. */
export type Listings = HandOver<Listing>

export const makeListings = Effect.sync(() => makeHandOver<Listing>())

const looping = (request: ExportRequest, window: ExportWindow, repeated: number) =>
  new InvalidResponse({
    what: describeExport(request),
    message: `the API listed only files it had already listed in the window ${toCursor(window.startMs)}..${toCursor(window.endMs)} (${repeated} of them) under a new cursor: its pagination is looping, so the stream stops`
  })

/**
 * Lists every window of one read of `stream` as its cursor plans them, page by page, into
 * `listings`: each file (fileIdentity) once per window (a page of only files already listed under a new
 * cursor fails the stream), splits decided before any file of the window is handed on. Ends with
 * `End`, or `Failed` carrying what stopped it, after everything listed before.
 */
export const listWindows = (stream: string, options: CursorOptions, listings: Listings) => {
  let sent = 0
  /** `requestsThrough` of the last listed window whose end will be checkpointed. */
  let promised = 0
  const roomForRequest = listings.covered((done) => sent - done < MAX_REQUESTS_WITHOUT_CHECKPOINT || promised <= done)

  const listWindow = (start: Cursor, window: ExportWindow) =>
    Effect.gen(function* () {
      let cursor = start
      const next = yield* exportPager({ objectId: stream, startMs: window.startMs, endMs: window.endMs })
      const nextPage = Effect.flatMap(next, (listed) =>
        listed === undefined ? Effect.dieMessage("the listing ended before its last page") : Effect.succeed(listed)
      )
      const seen = new Set<string>()
      /** Pages listed but not handed on (held until the window's next page decides). */
      let pending: Array<Extract<Listing, { _tag: "Page" }>> = []
      const handOn = () => {
        listings.offer(pending, pending.length)
        pending = []
      }
      let pages = 0
      let files = 0
      for (;;) {
        yield* roomForRequest
        // At most one listed page waits ahead of the downloads (held pages aside, see above).
        if (pending.length === 0) yield* listings.noPageAhead
        const { request, page } = yield* nextPage
        sent++
        pages++
        const fresh: Array<ListedFile> = []
        page.files.forEach((url, index) => {
          const file = fileIdentity(url)
          if (seen.has(file)) return
          seen.add(file)
          fresh.push({ url, index, page: undefined })
        })
        const more = page.cursor !== undefined
        if (more && page.files.length > 0 && fresh.length === 0) return yield* looping(request, window, page.files.length)
        files += fresh.length
        const step = pageListed(cursor, window, { pages, pageFiles: page.files.length, files, more })
        cursor = step.cursor
        if (step._tag === "Split") {
          pending = []
          return cursor
        }
        pending.push({ _tag: "Page", window, request, page, files: fresh })
        if (step._tag === "NextPage") {
          if (!step.hold) handOn()
          continue
        }
        handOn()
        if (step.checkpoint) promised = sent
        listings.offer([{ _tag: "Listed", window, pages, files, requestsThrough: sent }], 0)
        return cursor
      }
    })

  return Effect.gen(function* () {
    let cursor = startCursor(options)
    for (let window = nextWindow(cursor); window !== undefined; window = nextWindow(cursor)) {
      cursor = yield* listWindow(cursor, window)
    }
    listings.offer([{ _tag: "End" }], 0)
  }).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.sync(() => listings.offer([{ _tag: "Failed", cause }], 0))
    )
  )
}

export interface WindowResult {
  readonly window: ExportWindow
  readonly records: number
  readonly bytes: number
  /** Export responses that listed it. */
  readonly pages: number
  /** Distinct files listed on its pages. */
  readonly files: number
  /** Export requests the stream had sent once this window was listed. */
  readonly requestsThrough: number
}

/**
 * Emits every record of the next listed window: its pages' files download concurrently within
 * the shared download slots, a page's files following the previous page's as slots free up, and
 * it returns only once all of them are emitted, so that the caller's checkpoint never passes
 * data that was not. Undefined when the lister is through.
 */
export const downloadWindow = (stream: string, listings: Listings) =>
  Effect.gen(function* () {
    const slots = yield* DownloadSlots
    const { maxConcurrentDownloads } = yield* Settings
    let listed: Extract<Listing, { _tag: "Listed" }> | undefined
    let ended = false
    let files: ReadonlyArray<ListedFile> = []
    let at = 0
    const api = yield* EnterpretApi
    // The next file of the window, taking the next page when this one's files have all been
    // taken, in order. Several workers may wait for the lister: the first is woken by what it
    // hands on, and a worker that leaves a file or an item behind wakes the next (handOver.ts).
    const nextFile: Effect.Effect<(typeof files)[number] | undefined, ApiError> = Effect.suspend(() => {
      for (;;) {
        if (at < files.length) {
          const file = files[at++]!
          if (at < files.length || listings.hasItems()) listings.wakeTaker()
          return Effect.succeed(file)
        }
        if (listed !== undefined || ended) {
          listings.wakeTaker()
          return Effect.succeed(undefined)
        }
        const item = listings.poll()
        if (item === undefined) return Effect.zipRight(listings.ready, nextFile)
        switch (item._tag) {
          case "Page": {
            listings.pageTaken()
            const page: PageContext = { windowEnd: toCursor(item.window.endMs), refresh: pageRefresher(api, item.request, item.page) }
            for (const file of item.files) file.page = page
            files = item.files
            at = 0
            break
          }
          case "Listed":
            listed = item
            break
          case "End":
            ended = true
            break
          case "Failed":
            return Effect.failCause(item.cause)
        }
      }
    })
    const readFile = yield* fileReader
    let records = 0
    let bytes = 0
    const read = (file: ListedFile) =>
      Effect.map(
        readFile({
          stream,
          windowEnd: file.page!.windowEnd,
          url: file.url,
          refreshUrl: (expired) => file.page!.refresh(expired, file.index)
        }),
        (read) => {
          records += read.records
          bytes += read.bytes
        }
      )
    // No more of a window's files are started than could hold a slot: forking a page's files all
    // at once made time and memory grow with the square of the page (2,000 files: 41 s and
    // 3.2 GB), each waiting fiber woken by every release. A worker holds its slot through a run of
    // files already listed and lets it go before it waits for the lister, so that another stream
    // can download meanwhile; a slot taken and given back a file cost as much as the rest of the
    // file's Effect steps.
    const worker = Effect.gen(function* () {
      for (let first = yield* nextFile; first !== undefined; first = yield* nextFile) {
        const run = first
        yield* slots.withSlot(
          Effect.gen(function* () {
            for (let file: typeof run | undefined = run; file !== undefined; file = at < files.length ? files[at++] : undefined) {
              yield* read(file)
            }
          })
        )
      }
    })
    yield* Effect.all(
      Array.from({ length: maxConcurrentDownloads }, () => worker),
      { concurrency: "unbounded", discard: true }
    )
    const done = listed as Extract<Listing, { _tag: "Listed" }> | undefined
    if (done === undefined) return undefined
    return {
      window: done.window,
      records,
      bytes,
      pages: done.pages,
      files: done.files,
      requestsThrough: done.requestsThrough
    } satisfies WindowResult
  })

/** The downloads of a stream have checkpointed the window listed with `requestsThrough`. */
export const windowCheckpointed = (listings: Listings, requestsThrough: number) => Effect.sync(() => listings.checkpointed(requestsThrough))

/**
 * Lists and emits exactly one window, as a fixed window (never split): what the stream reader
 * does for each of its windows, on its own.
 */
export const readWindow = (stream: string, window: ExportWindow) =>
  Effect.gen(function* () {
    const listings = yield* makeListings
    yield* Effect.forkScoped(
      listWindows(
        stream,
        {
          startMs: window.startMs,
          endMs: window.endMs,
          savedMs: undefined,
          lookbackHours: 0,
          windowHours: Math.max(1, Math.ceil((window.endMs - window.startMs) / 3_600_000)),
          syncMode: "full_refresh"
        },
        listings
      )
    )
    const result = yield* downloadWindow(stream, listings)
    return result === undefined
      ? { records: 0, bytes: 0, pages: 0, files: 0 }
      : { records: result.records, bytes: result.bytes, pages: result.pages, files: result.files }
  }).pipe(Effect.scoped)
