import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import { MAX_PAGES, paginate } from "../src/enterpret/pagination.js"

interface Page {
  readonly items: ReadonlyArray<number>
  readonly next?: string | undefined
}

/** A listing that answers `pages[i]` to the i-th request and records every token it was sent. */
const listing = (answer: (token: string | undefined, call: number) => Page) => {
  const tokens: Array<string | undefined> = []
  const fetch = (token: string | undefined) =>
    Effect.sync(() => {
      tokens.push(token)
      return answer(token, tokens.length - 1)
    })
  const stream = paginate(fetch, (page) => page.next, { what: "listing things", tokenName: "cursor" })
  return { tokens, stream }
}

const collect = <A, E>(stream: Stream.Stream<A, E>) => Effect.either(Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray))

describe("paginate", () => {
  it.effect("follows the token until a page has none, in order, sending each page's token", () =>
    Effect.gen(function* () {
      const pages: ReadonlyArray<Page> = [{ items: [1, 2], next: "a" }, { items: [3], next: "b" }, { items: [4] }]
      const { tokens, stream } = listing((_, call) => pages[call]!)
      const result = yield* collect(stream)
      expect(Either.getOrThrow(result).flatMap((p) => p.items)).toEqual([1, 2, 3, 4])
      expect(tokens).toEqual([undefined, "a", "b"])
    })
  )

  it.effect("takes an empty token as the end, as the API's null does", () =>
    Effect.gen(function* () {
      const { tokens, stream } = listing(() => ({ items: [1], next: "" }))
      expect(Either.getOrThrow(yield* collect(stream))).toHaveLength(1)
      expect(tokens).toEqual([undefined])
    })
  )

  it.effect("fails with InvalidResponse when the API repeats a token, before using that page", () =>
    Effect.gen(function* () {
      // Pages without items that hand back an earlier cursor: without the guard, a loop forever.
      const { tokens, stream } = listing((_, call) => ({ items: [call], next: call % 2 === 0 ? "x" : "y" }))
      const seen: Array<number> = []
      const result = yield* Effect.either(Stream.runForEach(stream, (page) => Effect.sync(() => seen.push(...page.items))))
      expect(Either.isLeft(result)).toBe(true)
      const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))
      expect(error).toMatchObject({ _tag: "InvalidResponse", what: "listing things", message: "the API repeated a cursor" })
      expect(tokens).toEqual([undefined, "x", "y"])
      expect(seen).toEqual([0, 1])
    })
  )

  it.effect(`stops a listing that hands out a new token every time after ${MAX_PAGES} pages, with a clear error`, () =>
    Effect.gen(function* () {
      const { tokens, stream } = listing((_, call) => ({ items: [], next: `token-${call}` }))
      const result = yield* collect(stream)
      expect(Either.isLeft(result)).toBe(true)
      expect(tokens).toHaveLength(MAX_PAGES)
      expect(String(Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value.message : "")))).toBe(
        `the API was still paginating after ${MAX_PAGES} pages (a new cursor every time); giving up`
      )
    })
  )

  it.effect("honours a smaller maxPages; a listing of exactly maxPages pages is fine", () =>
    Effect.gen(function* () {
      const fetch = (token: string | undefined) =>
        Effect.succeed({ items: [], next: token === "2" ? undefined : String(Number(token ?? 0) + 1) })
      const exact = yield* collect(paginate(fetch, (p) => p.next, { what: "w", tokenName: "cursor", maxPages: 3 }))
      expect(Either.getOrThrow(exact)).toHaveLength(3)
      const over = yield* collect(paginate(fetch, (p) => p.next, { what: "w", tokenName: "cursor", maxPages: 2 }))
      expect(Either.isLeft(over)).toBe(true)
    })
  )

  it.effect("fetches a page only when it is pulled: a consumer that stops early costs no further request", () =>
    Effect.gen(function* () {
      const { tokens, stream } = listing((_, call) => ({ items: [call], next: `t${call}` }))
      const first = yield* Stream.runHead(stream)
      expect(first._tag).toBe("Some")
      expect(tokens).toEqual([undefined])
    })
  )

  it.effect("asks for the next page only after the consumer is done with the current one", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      const fetch = (token: string | undefined) =>
        Effect.sync(() => {
          events.push(`fetch ${token ?? "-"}`)
          return { next: token === undefined ? "a" : token === "a" ? "b" : undefined }
        })
      yield* Stream.runForEach(
        paginate(fetch, (p) => p.next, { what: "w", tokenName: "cursor" }),
        (page) => Effect.sync(() => events.push(`use ${page.next ?? "-"}`))
      )
      expect(events).toEqual(["fetch -", "use a", "fetch a", "use b", "fetch b", "use -"])
    })
  )

  it.effect("can be run again: the guard's memory belongs to one run", () =>
    Effect.gen(function* () {
      const fetch = (token: string | undefined) => Effect.succeed({ next: token === undefined ? "a" : undefined })
      const stream = paginate(fetch, (p) => p.next, { what: "w", tokenName: "cursor" })
      expect(Either.getOrThrow(yield* collect(stream))).toHaveLength(2)
      expect(Either.getOrThrow(yield* collect(stream))).toHaveLength(2)
    })
  )
})
