import { Clock, Data, Effect, Option, Stream } from "effect"
import { HOUR_MS } from "../config/hours.js"
import { Settings } from "../config/settings.js"
import { RecordEncoder } from "../csv/recordEncoder.js"
import { exportPages } from "../enterpret/client.js"
import { FileDownloader } from "../enterpret/download.js"
import { syncEnd } from "../sync/cursor.js"

/**
 * The longest recent window the probe asks for when the whole range runs to more than one page,
 * in hours: a week, so that a file of the last week, if there is one, is read and its columns
 * are at most a week behind the newest. A shorter window finds the very newest file of an hourly
 * object but nothing of a weekly one (its newest header would then be the whole range's first
 * page's, months old); `read` reports what discover missed (a WARN, a new Singer SCHEMA).
 */
export const RECENT_WINDOW_MAX_HOURS = 24 * 7

/**
 * The recent window's share of the whole range: a quarter, so that it lists fewer pages than the
 * range (the range needed more than one) and its first page reaches closer to the end.
 */
const RECENT_WINDOW_SHARE = 4

/** Ends a download early: the first line is all the probe needs. */
class HeaderFound extends Data.TaggedError("HeaderFound")<{ readonly header: ReadonlyArray<string> }> {}

/** A file's header and where in its page it was found. */
interface FoundHeader {
  readonly header: ReadonlyArray<string>
  readonly index: number
}

/**
 * The columns of an object, from the headers of its oldest and newest files since `start_date`,
 * at a cost of at most 2 export requests:
 * 1. one whole-range request `[start_date, end)`: its first page lists the oldest files, and when
 *    it has no cursor it lists every file, so its last is the newest;
 * 2. only when that page has a cursor, one request for a recent window (the last quarter of the
 *    range, at most a week, `RECENT_WINDOW_MAX_HOURS`): the last file of its first page is the
 *    newest when the window fits one page, and at most the window's length old otherwise.
 * Only header lines are read: each download stops after its first line. The columns are the
 * union of the headers read, in a stable order: the newest file's columns in its order, then
 * those only older files carry, newer files first, each in its file's order. A file that yields
 * no header (an expired URL, an empty body) gives way to its neighbour in the page. Undefined
 * when no file exists anywhere in the range.
 */
export const probeColumns = (objectId: string) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const downloader = yield* FileDownloader
    const endMs = syncEnd(settings.endMs, yield* Clock.currentTimeMillis, settings.settleMs)
    if (settings.startMs >= endMs) return undefined

    const firstLine = (url: string) =>
      Effect.suspend(() => {
        const reader = new RecordEncoder({ envelope: { head: "", tail: "" }, skipRows: 0 }, { headerOnly: true })
        const seek = (read: () => unknown) =>
          Effect.suspend(() => {
            read()
            const header = reader.header
            // Stopping the body as soon as the header is known saves downloading the file.
            return header === undefined ? Effect.void : Effect.fail(new HeaderFound({ header }))
          })
        return downloader.download(url, { onSize: () => Effect.void, onChunk: (chunk) => seek(() => reader.push(chunk)) }).pipe(
          Effect.zipRight(seek(() => reader.end())),
          Effect.as<ReadonlyArray<string> | undefined>(undefined),
          Effect.catchTags({
            HeaderFound: (found) => Effect.succeed(found.header),
            // A URL that expired between listing and probing: its neighbour will do.
            UrlExpired: () => Effect.succeed(undefined)
          })
        )
      })

    /** The first header among `indexes` of `files`, tried one after the other. */
    const firstHeader = (files: ReadonlyArray<string>, indexes: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        for (const index of indexes) {
          const header = yield* firstLine(files[index]!)
          if (header !== undefined) return Option.some<FoundHeader>({ header, index })
        }
        return Option.none<FoundHeader>()
      })
    const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)

    /** The first page of a window: one export request, no further page asked for. */
    const firstPage = (startMs: number) =>
      exportPages({ objectId, startMs, endMs }).pipe(
        Stream.runHead,
        Effect.map(Option.match({ onNone: () => ({ files: [] as ReadonlyArray<string>, cursor: undefined }), onSome: ({ page }) => page }))
      )

    // Newest first: the order in which headers join the union.
    const headers: Array<ReadonlyArray<string>> = []
    const whole = yield* firstPage(settings.startMs)
    const oldest = yield* firstHeader(whole.files, range(0, whole.files.length))
    // The whole range's last file, when its page holds another: the newest file when no cursor follows.
    const wholeLast = Option.isNone(oldest)
      ? Option.none<FoundHeader>()
      : yield* firstHeader(whole.files, range(oldest.value.index + 1, whole.files.length).reverse())

    if (whole.cursor !== undefined) {
      const rangeHours = Math.round((endMs - settings.startMs) / HOUR_MS)
      const recentHours = Math.min(RECENT_WINDOW_MAX_HOURS, Math.max(1, Math.floor(rangeHours / RECENT_WINDOW_SHARE)))
      const recentStartMs = Math.max(settings.startMs, endMs - recentHours * HOUR_MS)
      // A one-hour range that pages has no shorter window to ask for.
      if (recentStartMs > settings.startMs) {
        const recent = yield* firstPage(recentStartMs)
        const newest = yield* firstHeader(recent.files, range(0, recent.files.length).reverse())
        if (Option.isSome(newest)) headers.push(newest.value.header)
      }
    }
    if (Option.isSome(wholeLast)) headers.push(wholeLast.value.header)
    if (Option.isSome(oldest)) headers.push(oldest.value.header)
    return headers.length === 0 ? undefined : unionOfHeaders(headers)
  })

/**
 * The columns of several headers, newest first: the first header's columns in its order, then
 * each later header's columns not seen yet, in its order.
 */
export const unionOfHeaders = (headers: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => [...new Set(headers.flat())]
