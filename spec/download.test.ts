// FileDownloader over real HTTP on loopback: node:http's documented client, its IncomingMessage
// read a buffer at a time, its connections kept alive from file to file. What each answer of the
// file host means, what the request carries and when a body counts as broken off.
import { describe, expect, it } from "@effect/vitest"
import { Data, Effect, Either, Layer, TestClock } from "effect"
import type { ServerResponse } from "node:http"
import { gzipSync } from "node:zlib"
import { Settings, type SettingsShape } from "../src/config/settings.js"
import { FileDownloader, FileDownloaderLive } from "../src/enterpret/download.js"
import { DownloadRejected, RateLimited, TransientError, UrlExpired } from "../src/enterpret/errors.js"
import { fileHost } from "./support/fileHost.js"
import { testSettings } from "./support/syncHarness.js"

const downloaderWith = (overrides: Partial<SettingsShape> = {}) =>
  FileDownloaderLive.pipe(Layer.provide(Layer.succeed(Settings, testSettings({ maxRetries: 0, requestTimeoutMs: 5_000, ...overrides }))))

/** Every chunk the downloader hands on, copied, and the size it was told. */
const downloadAll = (url: string) =>
  Effect.gen(function* () {
    const chunks: Array<Uint8Array> = []
    let size: number | undefined
    yield* Effect.flatMap(FileDownloader, (d) =>
      d.download(url, {
        onSize: (bytes) =>
          Effect.sync(() => {
            size = bytes
          }),
        onChunk: (chunk) => Effect.sync(() => void chunks.push(Uint8Array.from(chunk)))
      })
    )
    return { body: Buffer.concat(chunks), chunks: chunks.length, size }
  })

const serve =
  (body: Uint8Array, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/csv", "content-length": String(body.length), ...headers })
    res.end(body)
  }

const BODY = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) % 251)

describe("FileDownloader: the body from node:http", () => {
  it.live("downloads every byte in order, told the size, asking for gzip and carrying no Authorization header", () =>
    Effect.gen(function* () {
      const host = yield* fileHost(serve(BODY))
      const got = yield* downloadAll(host.url("/f.csv?X-Amz-Signature=abc")).pipe(Effect.provide(downloaderWith()))
      expect(got.size).toBe(BODY.length)
      expect(got.chunks).toBeGreaterThan(1)
      expect(got.body.equals(BODY)).toBe(true)
      expect(host.seen).toHaveLength(1)
      expect(host.seen[0]!.url).toBe("/f.csv?X-Amz-Signature=abc")
      expect(host.seen[0]!.headers.authorization).toBeUndefined()
      expect(host.seen[0]!.headers["accept-encoding"]).toBe("gzip")
    }).pipe(Effect.scoped)
  )

  it.live("one connection serves file after file (keep-alive): no handshake a file", () =>
    Effect.gen(function* () {
      const host = yield* fileHost(serve(new TextEncoder().encode("id,text\n1,a\n")))
      yield* Effect.gen(function* () {
        for (let i = 0; i < 5; i++) expect((yield* downloadAll(host.url(`/${i}.csv?sig=1`))).body.toString()).toBe("id,text\n1,a\n")
      }).pipe(Effect.provide(downloaderWith()))
      expect(host.seen.map((r) => r.connection)).toEqual([1, 1, 1, 1, 1])
    }).pipe(Effect.scoped)
  )

  it.live("a download stopped early closes its connection instead of handing it on half-read", () =>
    Effect.gen(function* () {
      class Enough extends Data.TaggedError("Enough") {}
      const host = yield* fileHost(serve(BODY))
      yield* Effect.gen(function* () {
        const downloader = yield* FileDownloader
        const stopped = yield* downloader
          .download(host.url("/a.csv?sig=1"), { onSize: () => Effect.void, onChunk: () => Effect.fail(new Enough()) })
          .pipe(Effect.either)
        expect(Either.isLeft(stopped) && stopped.left._tag).toBe("Enough")
        expect((yield* downloadAll(host.url("/b.csv?sig=1"))).body.equals(BODY)).toBe(true)
      }).pipe(Effect.provide(downloaderWith()))
      expect(host.seen.map((r) => r.connection)).toEqual([1, 2])
    }).pipe(Effect.scoped)
  )

  it.live("a gzip body is inflated; Content-Length is checked against the bytes on the wire", () =>
    Effect.gen(function* () {
      const zipped = gzipSync(BODY)
      const host = yield* fileHost(serve(zipped, { "content-encoding": "gzip" }))
      const got = yield* downloadAll(host.url("/f.csv.gz?sig=1")).pipe(Effect.provide(downloaderWith()))
      expect(got.size).toBe(zipped.length)
      expect(got.body.equals(BODY)).toBe(true)
    }).pipe(Effect.scoped)
  )

  it.live("a body cut short of its Content-Length is a TransientError saying how far it got", () =>
    Effect.gen(function* () {
      const host = yield* fileHost((res) => {
        res.writeHead(200, { "content-length": "1000" })
        res.write("x".repeat(400), () => res.socket?.destroy())
      })
      const result = yield* downloadAll(host.url("/a.csv?sig=1")).pipe(Effect.provide(downloaderWith()), Effect.either)
      expect(Either.isLeft(result) && result.left).toBeInstanceOf(TransientError)
      expect(Either.isLeft(result) && (result.left as TransientError).message).toMatch(/ECONNRESET|aborted|after 400 of 1000 bytes/)
    }).pipe(Effect.scoped)
  )

  it.live("a host that never answers fails after request_timeout_seconds; one that stops mid-body, likewise", () =>
    Effect.gen(function* () {
      const silent = yield* fileHost(() => undefined)
      const noAnswer = yield* downloadAll(silent.url("/a.csv?sig=1")).pipe(
        Effect.provide(downloaderWith({ requestTimeoutMs: 200 })),
        Effect.either
      )
      expect(noAnswer).toEqual(
        Either.left(new TransientError({ what: `downloading ${silent.url("/a.csv")}`, message: "no answer within 200ms" }))
      )
      const stalling = yield* fileHost((res) => {
        res.writeHead(200, { "content-length": "1000" })
        res.write("x".repeat(10))
      })
      const stalled = yield* downloadAll(stalling.url("/b.csv?sig=1")).pipe(
        Effect.provide(downloaderWith({ requestTimeoutMs: 200 })),
        Effect.either
      )
      expect(stalled).toEqual(
        Either.left(new TransientError({ what: `downloading ${stalling.url("/b.csv")}`, message: "no data for 200ms" }))
      )
    }).pipe(Effect.scoped)
  )

  it.live("a refused connection is a TransientError naming the reason", () =>
    Effect.gen(function* () {
      const result = yield* downloadAll("http://127.0.0.1:1/a.csv?sig=1").pipe(Effect.provide(downloaderWith()), Effect.either)
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "TransientError",
        message: expect.stringContaining("ECONNREFUSED")
      })
    })
  )
})

describe("FileDownloader: what each file-host answer means (status.ts)", () => {
  const answering = (status: number, headers: Record<string, string> = {}) =>
    Effect.gen(function* () {
      const host = yield* fileHost((res) => {
        res.writeHead(status, headers)
        res.end("nope")
      })
      const result = yield* downloadAll(host.url("/a.csv?sig=1")).pipe(Effect.provide(downloaderWith()), Effect.either)
      return { file: host.url("/a.csv"), result }
    }).pipe(Effect.scoped)

  it.live.each([403, 404, 401, 500, 408])("HTTP %i", (status) =>
    Effect.gen(function* () {
      const { file, result } = yield* answering(status)
      const expected = {
        403: new UrlExpired({ file }),
        404: new DownloadRejected({ file, status: 404 }),
        401: new DownloadRejected({ file, status: 401 }),
        500: new TransientError({ what: `downloading ${file}`, message: "HTTP 500 from the file host" }),
        408: new TransientError({ what: `downloading ${file}`, message: "HTTP 408 from the file host" })
      }[status]
      expect(result).toEqual(Either.left(expected))
    })
  )

  it.effect("429 is RateLimited until the time Retry-After gives (the retry waits for it)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000_000)
      const { file, result } = yield* answering(429, { "retry-after": "3" })
      expect(result).toEqual(Either.left(new RateLimited({ what: `downloading ${file}`, retryAtMs: 1_003_000 })))
    })
  )

  it.live("a 429 whose Retry-After is a 1 and 400 zeros fails the download with WaitTooLong (issue 15)", () =>
    Effect.gen(function* () {
      const { result } = yield* answering(429, { "retry-after": `1${"0".repeat(400)}` })
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "WaitTooLong", waitMs: Number.POSITIVE_INFINITY })
    })
  )
})
