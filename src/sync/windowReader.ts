import { Effect, Stream } from "effect"
import { toCursor } from "../config/hours.js"
import { EnterpretApi, type ExportPage, type ExportRequest, exportPages } from "../enterpret/client.js"
import { UrlExpired, withoutSignature } from "../enterpret/errors.js"
import { Settings } from "../config/settings.js"
import { DownloadSlots } from "./downloadSlots.js"
import { readFile } from "./fileReader.js"
import type { ExportWindow } from "./cursor.js"

export interface WindowResult {
  readonly records: number
  readonly bytes: number
  /** Export responses it took; the cursor sizes the next window from these. */
  readonly pages: number
  /** Files listed on all its pages. */
  readonly files: number
  /** The first page showed a cursor and `splitIfPaged` was set: nothing was downloaded. */
  readonly split: boolean
}

/**
 * A fresh page's URLs by path (without signature), the first of each path kept: every expired
 * file finds its new URL in one lookup, not a scan of the page (2,000 files all expiring
 * would be 4 million comparisons).
 */
const byPath = (page: ExportPage): Map<string, string> => {
  const paths = new Map<string, string>()
  for (const url of page.files) {
    const path = withoutSignature(url)
    if (!paths.has(path)) paths.set(path, url)
  }
  return paths
}

/**
 * Fresh URLs for one page's files. The URLs of a page were signed together and expire together,
 * so the first file to meet a 403 asks the export endpoint again and the others take their URLs
 * from that answer: one rate-limited request per page, not one per file.
 */
const pageRefresher = (request: ExportRequest, page: ExportPage) =>
  Effect.gen(function* () {
    const api = yield* EnterpretApi
    const lock = yield* Effect.makeSemaphore(1)
    let current = page
    let currentPaths: Map<string, string> | undefined
    let generation = 0
    // Which answer each file's URL came from. URLs cannot be compared for this: two signed in
    // the same second may be equal.
    const fileGeneration = page.files.map(() => 0)
    return (expired: string, index: number) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          if (fileGeneration[index]! === generation) {
            current = yield* api.exportPage(request)
            currentPaths = byPath(current)
            generation++
          }
          fileGeneration[index] = generation
          // The same object as the expired URL: same path, else same place in the page.
          const next = currentPaths?.get(withoutSignature(expired)) ?? current.files[index]
          return next === undefined ? yield* new UrlExpired({ file: withoutSignature(expired) }) : next
        })
      )
  })

/**
 * Emits every record of one window: every page of files (a page's files download concurrently
 * within the shared download slots; the next page is asked for once they are done), and returns
 * only once all of them are emitted, so that the caller's checkpoint never passes data that was not.
 * With `splitIfPaged`, a first page that shows a cursor ends the read before any download
 * (`split`): the cursor asks for a shorter window instead (see `splitWindow` in cursor.ts).
 */
export const readWindow = (stream: string, window: ExportWindow, splitIfPaged = false) =>
  Effect.gen(function* () {
    const slots = yield* DownloadSlots
    const { maxConcurrentDownloads } = yield* Settings
    const windowEnd = toCursor(window.endMs)
    const empty: WindowResult = { records: 0, bytes: 0, pages: 0, files: 0, split: false }
    return yield* exportPages({ objectId: stream, startMs: window.startMs, endMs: window.endMs }).pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(([{ request, page }, index]) =>
        splitIfPaged && index === 0 && page.cursor !== undefined
          ? Effect.succeed({ files: page.files.length, split: true, results: [] })
          : Effect.gen(function* () {
              const refresh = yield* pageRefresher(request, page)
              const results = yield* Effect.forEach(
                page.files,
                (url, index) =>
                  slots.withPermits(1)(readFile({ stream, windowEnd, url, refreshUrl: (expired) => refresh(expired, index) })),
                // No more of a page's files are started than could hold a slot: forking them all
                // at once made time and memory grow with the square of the page (2,000 files: 41 s
                // and 3.2 GB), each waiting fiber woken by every release.
                { concurrency: maxConcurrentDownloads }
              )
              return { files: page.files.length, split: false, results }
            })
      ),
      // Pages are asked for as they are pulled: a split asks for no second page.
      Stream.takeUntil((step) => step.split),
      Stream.runFold(empty, (total, step) =>
        step.results.reduce<WindowResult>(
          (sum, r) => Object.assign(sum, { records: sum.records + r.records, bytes: sum.bytes + r.bytes }),
          {
            ...total,
            pages: total.pages + 1,
            files: total.files + step.files,
            split: step.split
          }
        )
      )
    )
  })
