import { Effect, Option, Stream } from "effect"
import { InvalidResponse } from "./errors.js"

/**
 * The most pages one listing (the objects list, or the files of one export window) may take.
 * A page of the export endpoint costs one of the organisation's 10 requests a minute, so 1,000
 * pages are 100 minutes of the whole quota for a single window, far beyond any real answer (the
 * files of a day fit on one page; a year of daily files on a few hundred at the very worst). An
 * API that hands out a new cursor every time is not listing data: without a bound, `check`,
 * `discover` and `read` would loop until killed.
 */
export const MAX_PAGES = 1_000

export interface PaginationOptions {
  /** What is being listed, for the error: "listing exportable objects", "exporting feedback". */
  readonly what: string
  /** The API's name for its continuation token: `cursor` or `paginationToken`. */
  readonly tokenName: string
  readonly maxPages?: number | undefined
}

/**
 * Every page of a paginated listing, in order. A page is fetched only when the consumer pulls
 * it, so a consumer that stops early (the header probe) costs no further request, and one that
 * works through a page before pulling (the window reader) never has two pages of signed URLs
 * ageing at once. The listing fails, before the offending page is used, when the API repeats a
 * token it already gave (it would loop) or keeps paginating past `maxPages`.
 */
export const paginate = <P, E, R>(
  fetch: (token: string | undefined) => Effect.Effect<P, E, R>,
  nextToken: (page: P) => string | undefined,
  options: PaginationOptions
): Stream.Stream<P, E | InvalidResponse, R> =>
  Stream.suspend(() => {
    const next = pager(fetch, nextToken, options)
    return Stream.repeatEffectOption(
      Effect.flatMap(
        Effect.mapError(next, (error) => Option.some(error)),
        (page) => (page === undefined ? Effect.fail(Option.none()) : Effect.succeed(page))
      )
    )
  })

/**
 * The same listing as an Effect that fetches the next page each time it runs, and gives
 * undefined once the last page has been given: for a consumer that pulls a page at a time (the
 * window reader), without a Stream's channel between it and the requests (pulled through
 * Stream.toPull, a page of two files cost some 600 Effect steps, most of them the Stream's).
 */
export const pager = <P, E, R>(
  fetch: (token: string | undefined) => Effect.Effect<P, E, R>,
  nextToken: (page: P) => string | undefined,
  options: PaginationOptions
): Effect.Effect<P | undefined, E | InvalidResponse, R> => {
  const maxPages = options.maxPages ?? MAX_PAGES
  const seen = new Set<string>()
  let pages = 0
  let token: string | undefined
  let done = false
  const fail = (message: string) => Effect.fail(new InvalidResponse({ what: options.what, message }))
  return Effect.suspend(() => {
    if (done) return Effect.succeed(undefined)
    return Effect.flatMap(fetch(token), (page) => {
      pages++
      const next = nextToken(page) || undefined
      if (next === undefined) {
        done = true
        return Effect.succeed(page)
      }
      if (seen.has(next)) return fail(`the API repeated a ${options.tokenName}`)
      if (pages >= maxPages) {
        return fail(`the API was still paginating after ${maxPages} pages (a new ${options.tokenName} every time); giving up`)
      }
      seen.add(next)
      token = next
      return Effect.succeed(page)
    })
  })
}
