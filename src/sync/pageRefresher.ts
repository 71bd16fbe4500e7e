import { type Context, Effect } from "effect"
import { type ExportPage, fileIdentity } from "../enterpret/answers.js"
import type { EnterpretApi, ExportRequest } from "../enterpret/client.js"
import { UrlExpired, withoutSignature } from "../enterpret/errors.js"

/**
 * Fresh URLs for one page's files. The URLs of a page were signed together and expire together,
 * so the first file to meet a 403 asks the export endpoint again and the others take their URLs
 * from that answer: one rate-limited request per page, not one per file.
 */
export const pageRefresher = (api: Context.Tag.Service<typeof EnterpretApi>, request: ExportRequest, page: ExportPage) => {
  // Made when the page is taken, in the downloads' own step: nearly every page never refreshes,
  // so the lock is a plain semaphore made at once (Effect.unsafeMakeSemaphore) and the
  // generations an array filled on the first refresh.
  const lock = Effect.unsafeMakeSemaphore(1)
  let current = page
  let currentFiles: Map<string, string> | undefined
  let generation = 0
  // Which answer each file's URL came from. URLs cannot be compared for this: two signed in
  // the same second may be equal.
  let fileGeneration: Array<number> | undefined
  return (expired: string, index: number) =>
    lock.withPermits(1)(
      Effect.gen(function* () {
        fileGeneration ??= page.files.map(() => 0)
        if (fileGeneration[index]! === generation) {
          current = yield* api.exportPage(request)
          currentFiles = byIdentity(current)
          generation++
        }
        fileGeneration[index] = generation
        // The same file as the expired URL (fileIdentity), else the same place in the page.
        const next = currentFiles?.get(fileIdentity(expired)) ?? current.files[index]
        return next === undefined ? yield* new UrlExpired({ file: withoutSignature(expired) }) : next
      })
    )
}

/**
 * A fresh page's URLs by file (fileIdentity), the first of each kept: every expired file finds
 * its new URL in one lookup, not a scan of the page (2,000 files all expiring would be 4
 * million comparisons).
 */
const byIdentity = (page: ExportPage): Map<string, string> => {
  const files = new Map<string, string>()
  for (const url of page.files) {
    const file = fileIdentity(url)
    if (!files.has(file)) files.set(file, url)
  }
  return files
}
