import { type Context, Effect } from "effect"
import { type ExportPage, fileIdentity } from "../enterpret/answers.js"
import { describeExport, type EnterpretApi, type ExportRequest } from "../enterpret/client.js"
import { InvalidResponse, withoutSignature } from "../enterpret/errors.js"

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
  let current: FreshFiles | undefined
  let generation = 0
  // Which answer each file's URL came from. URLs cannot be compared for this: two signed in
  // the same second may be equal.
  let fileGeneration: Array<number> | undefined
  return (expired: string, index: number) =>
    lock.withPermits(1)(
      Effect.gen(function* () {
        fileGeneration ??= page.files.map(() => 0)
        if (fileGeneration[index]! === generation || current === undefined) {
          current = freshFiles(yield* api.exportPage(request))
          generation++
        }
        fileGeneration[index] = generation
        // The same file as the expired URL, found by what names it, never by its place alone: a
        // fresh answer may list its files in another order, and a file read in place of another
        // would let the state pass the one never read.
        const next = current.byIdentity.get(fileIdentity(expired)) ?? current.byPath.get(withoutSignature(expired))
        if (next !== undefined) return next
        return yield* new InvalidResponse({
          what: describeExport(request),
          message: `the fresh answer for the page whose signed URLs expired does not tell which of its files is ${withoutSignature(expired)} (none has its name, or several share its path)`
        })
      })
    )
}

interface FreshFiles {
  /** URLs by fileIdentity, the first of each kept. */
  readonly byIdentity: Map<string, string>
  /**
   * URLs by path alone, for a signing parameter fileIdentity does not know; undefined where more
   * than one file of the answer has the path, so that the path alone names none of them.
   */
  readonly byPath: Map<string, string | undefined>
}

/**
 * A fresh page's URLs by file, so that every expired file finds its new URL in one lookup, not a
 * scan of the page (2,000 files all expiring would be 4 million comparisons).
 */
const freshFiles = (page: ExportPage): FreshFiles => {
  const byIdentity = new Map<string, string>()
  const byPath = new Map<string, string | undefined>()
  for (const url of page.files) {
    const file = fileIdentity(url)
    if (!byIdentity.has(file)) byIdentity.set(file, url)
    const path = withoutSignature(url)
    byPath.set(path, byPath.has(path) ? undefined : url)
  }
  return { byIdentity, byPath }
}
