import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import type { HttpClientResponse } from "@effect/platform"
import { Clock, Context, Duration, Effect, Layer, Stream } from "effect"
import { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { Settings } from "../config/settings.js"
import { DownloadRejected, type DownloadError, TransientError, UrlExpired, withoutSignature } from "./errors.js"
import { rateLimitFrom } from "./retryAfter.js"
import { spentDownloadBytes } from "./spentBuffers.js"
import { statusVerdict, transportMessage } from "./status.js"

export interface DownloadHandlers<E, R> {
  /** Told the file's size in bytes on the wire, when the host sent `Content-Length`. */
  readonly onSize: (bytes: number | undefined) => Effect.Effect<void, E, R>
  /** Each decoded chunk of the body, in order; the download waits for it. */
  readonly onChunk: (chunk: Uint8Array) => Effect.Effect<void, E, R>
}

/**
 * Fetches one signed URL as a stream of chunks. It carries no Authorization header: the file
 * host must never see the API token. A body shorter than its `Content-Length`, a reset or a
 * silence longer than the request timeout is a TransientError, so the caller can resume; a 429
 * is RateLimited, so that the retry waits as its `Retry-After` says and the stream reports it.
 * Its HTTP client is the plain one from the layer, not the API's (which adds the token).
 */
export class FileDownloader extends Context.Tag("source-enterpret/FileDownloader")<
  FileDownloader,
  { readonly download: <E, R>(url: string, handlers: DownloadHandlers<E, R>) => Effect.Effect<void, E | DownloadError, R> }
>() {}

/**
 * The client for signed URLs: the plain one from the layer, its requests tied to the download's
 * scope. Scoped, HttpClient hands back NodeHttpClient's own response, whose `source` is the
 * IncomingMessage; unscoped, it wraps every response in an InterruptibleResponse that hides it,
 * and each body went through an Effect Stream adapted back to a Node stream: 17% more CPU and
 * 22-29 MB more peak RSS on the benchmark's 200 MB feedback object (1.55 against 1.32 s, 114-124
 * against 92-95 MB).
 */
export const fileHostClient = Effect.map(HttpClient.HttpClient, HttpClient.withScope)

/** NodeHttpClient's IncomingMessage behind a response, when there is one. */
export const incomingMessage = (response: HttpClientResponse.HttpClientResponse): Readable | undefined => {
  const source = (response as { readonly source?: unknown }).source
  return source instanceof Readable ? source : undefined
}

/**
 * The response body as a Node stream: the IncomingMessage, or, for another client (the tests'
 * fakes), the Effect stream adapted to one.
 */
const nodeReadable = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Readable> => {
  const source = incomingMessage(response)
  if (source !== undefined) return Effect.succeed(source)
  return NodeStream.toReadable(response.stream.pipe(Stream.mapError((error) => new Error(transportMessage(error.cause, error.message)))))
}

export const makeFileDownloader = Effect.gen(function* () {
  const settings = yield* Settings
  const http = yield* fileHostClient
  const idleMs = settings.requestTimeoutMs
  const idle = Duration.millis(idleMs)

  const download = <E, R>(url: string, handlers: DownloadHandlers<E, R>) => {
    const file = withoutSignature(url)
    const what = `downloading ${file}`
    const transient = (message: string) => new TransientError({ what, message })
    return Effect.gen(function* () {
      const response = yield* http.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("accept-encoding", "gzip"))).pipe(
        Effect.mapError((error) => transient(transportMessage(error.cause, error.message))),
        Effect.timeoutFail({ duration: idle, onTimeout: () => transient(`no answer within ${Duration.format(idle)}`) })
      )
      const status = response.status
      switch (statusVerdict(status, "file-host")) {
        case "ok":
          break
        case "expired":
          return yield* new UrlExpired({ file })
        case "rate-limited":
          return yield* rateLimitFrom(response.headers["retry-after"], yield* Clock.currentTimeMillis, what)
        case "transient":
          return yield* transient(`HTTP ${status} from the file host`)
        default:
          return yield* new DownloadRejected({ file, status })
      }
      const lengthHeader = response.headers["content-length"]
      const expected = lengthHeader === undefined ? undefined : Number(lengthHeader)
      yield* handlers.onSize(expected)
      const clock = yield* Effect.clock
      // The body is read straight from the IncomingMessage in this one fiber, a buffer at a time
      // as the socket delivers it, not through an Effect Stream: its per-chunk steps (channel
      // executor, mapError, tap, runForEach) and the adapter back to a Node stream held each
      // chunk past the next young-generation GC (bench_feedback, 200 MB: 1.55 s of CPU and
      // 114-124 MB peak RSS through them, 1.32 s and 92-95 MB without; see fileHostClient).
      const source = yield* nodeReadable(response)
      let failure: TransientError | undefined
      let ended = false
      let wake: (() => void) | undefined
      const fail = (error: TransientError) => {
        failure ??= error
        wake?.()
      }
      let received = 0
      source.on("error", (error: unknown) => fail(transient(transportMessage(error, String(error)))))
      let body: Readable = source
      if (response.headers["content-encoding"] === "gzip") {
        // Bytes on the wire are counted before they are inflated, for the Content-Length check.
        source.on("data", (chunk: Uint8Array) => {
          received += chunk.length
        })
        const gunzip = createGunzip()
        gunzip.on("error", (error: unknown) => fail(transient(`gzip: ${String(error)}`)))
        source.pipe(gunzip)
        body = gunzip
      }
      const counting = body === source
      body.on("readable", () => wake?.())
      // A body cut off without an error ends like a short one: the Content-Length check catches it.
      const onEnd = () => {
        ended = true
        wake?.()
      }
      body.on("end", onEnd)
      body.on("close", onEnd)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          wake = undefined
          if (body !== source) body.destroy()
          source.destroy()
        })
      )
      const waitForBody = Effect.async<void>((resume) => {
        if (failure !== undefined || ended || body.readableLength > 0) return resume(Effect.void)
        wake = () => {
          wake = undefined
          resume(Effect.void)
        }
        return Effect.sync(() => {
          wake = undefined
        })
      })
      // One watchdog for the body, not a timeout per chunk, which raced a new fiber and timer
      // against every chunk: that was a third of `read`'s CPU on the benchmark (60 MB: 1.12 s of
      // CPU with it, 0.73 s without). Only time spent waiting for the body counts, not the
      // handler's (a slow stdout must not look like a silent file host).
      let waitingSince: number | undefined = clock.unsafeCurrentTimeMillis()
      const watchdog = Effect.gen(function* () {
        for (;;) {
          const quietMs = waitingSince === undefined ? 0 : clock.unsafeCurrentTimeMillis() - waitingSince
          if (quietMs >= idleMs) return yield* transient(`no data for ${Duration.format(idle)}`)
          yield* Effect.sleep(idleMs - quietMs)
        }
      })
      const readBody = Effect.gen(function* () {
        for (;;) {
          if (failure !== undefined) return yield* failure
          const chunk = body.read() as Uint8Array | null
          if (chunk !== null) {
            if (counting) received += chunk.length
            waitingSince = undefined
            yield* handlers.onChunk(chunk)
            spentDownloadBytes(chunk.length)
            waitingSince = clock.unsafeCurrentTimeMillis()
          } else if (ended) {
            return
          } else {
            yield* waitForBody
          }
        }
      })
      yield* Effect.raceFirst(readBody, watchdog)
      if (expected !== undefined && received !== expected) {
        return yield* transient(`the body ended after ${received} of ${expected} bytes`)
      }
    }).pipe(Effect.scoped)
  }
  return { download }
})

export const FileDownloaderLive = Layer.effect(FileDownloader, makeFileDownloader)
