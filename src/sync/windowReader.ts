import { Effect } from "effect"
import { toCursor } from "../config/hours.js"
import { EnterpretApi, type ExportPage, type ExportRequest } from "../enterpret/client.js"
import { InvalidResponse, UrlExpired, withoutSignature } from "../enterpret/errors.js"
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
 * Emits every record of one window: every page of files (a page's files download concurrently
 * within the shared download slots), and returns only once all of them are emitted, so that the
 * caller's checkpoint never passes data that was not.
 */
export const readWindow = (
  stream: string,
  window: ExportWindow,
  onRateLimited: (retryAtMs: number | undefined) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const api = yield* EnterpretApi
    const slots = yield* DownloadSlots
    const windowEnd = toCursor(window.endMs)
    const seenCursors = new Set<string>()
    let records = 0
    let bytes = 0
    let cursor: string | undefined
    do {
      const request: ExportRequest = { objectId: stream, startMs: window.startMs, endMs: window.endMs, cursor }
      const page = yield* api.exportPage(request, onRateLimited)
      const results = yield* Effect.forEach(
        page.files,
        (url, index) =>
          slots.withPermits(1)(
            readFile({
              stream,
              windowEnd,
              url,
              onRateLimited,
              refreshUrl: api.exportPage(request, onRateLimited).pipe(
                Effect.flatMap((fresh) => {
                  const next = sameFile(fresh, url, index)
                  return next === undefined ? Effect.fail(new UrlExpired({ file: withoutSignature(url) })) : Effect.succeed(next)
                })
              )
            })
          ),
        { concurrency: "unbounded" }
      )
      for (const result of results) {
        records += result.records
        bytes += result.bytes
      }
      cursor = page.cursor
      if (cursor !== undefined) {
        if (seenCursors.has(cursor)) {
          return yield* new InvalidResponse({ what: `exporting ${stream}`, message: "the API repeated a cursor" })
        }
        seenCursors.add(cursor)
      }
    } while (cursor !== undefined)
    return { records, bytes } satisfies WindowResult
  })
