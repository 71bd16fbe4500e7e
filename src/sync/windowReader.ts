import { Effect, Stream } from "effect"
import { toCursor } from "../config/hours.js"
import { EnterpretApi, type ExportPage, type ExportRequest, exportPages } from "../enterpret/client.js"
import { UrlExpired, withoutSignature } from "../enterpret/errors.js"
import { DownloadSlots } from "./downloadSlots.js"
import { readFile } from "./fileReader.js"
import type { ExportWindow } from "./windows.js"

export interface WindowResult {
  readonly records: number
  readonly bytes: number
}

/** The file in a fresh page that is the same object as an expired URL: same path, else same place. */
const sameFile = (page: ExportPage, url: string, index: number): string | undefined => {
  const path = withoutSignature(url)
  return page.files.find((candidate) => withoutSignature(candidate) === path) ?? page.files[index]
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
    let generation = 0
    // Which answer each file's URL came from. URLs cannot be compared for this: two signed in
    // the same second may be equal.
    const fileGeneration = page.files.map(() => 0)
    return (expired: string, index: number) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          if (fileGeneration[index]! === generation) {
            current = yield* api.exportPage(request)
            generation++
          }
          fileGeneration[index] = generation
          const next = sameFile(current, expired, index)
          return next === undefined ? yield* new UrlExpired({ file: withoutSignature(expired) }) : next
        })
      )
  })

/**
 * Emits every record of one window: every page of files (a page's files download concurrently
 * within the shared download slots; the next page is asked for once they are done), and returns
 * only once all of them are emitted, so that the caller's checkpoint never passes data that was not.
 */
export const readWindow = (stream: string, window: ExportWindow) =>
  Effect.gen(function* () {
    const slots = yield* DownloadSlots
    const windowEnd = toCursor(window.endMs)
    return yield* exportPages({ objectId: stream, startMs: window.startMs, endMs: window.endMs }).pipe(
      Stream.mapEffect(({ request, page }) =>
        Effect.gen(function* () {
          const refresh = yield* pageRefresher(request, page)
          return yield* Effect.forEach(
            page.files,
            (url, index) =>
              slots.withPermits(1)(readFile({ stream, windowEnd, url, refreshUrl: (expired) => refresh(expired, index) })),
            { concurrency: "unbounded" }
          )
        })
      ),
      Stream.runFold({ records: 0, bytes: 0 } as WindowResult, (total, results) =>
        results.reduce((sum, r) => ({ records: sum.records + r.records, bytes: sum.bytes + r.bytes }), total)
      )
    )
  })
