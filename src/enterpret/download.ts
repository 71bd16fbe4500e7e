import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Clock, Context, Duration, Effect, Layer, Stream } from "effect"
import { createGunzip } from "node:zlib"
import { Settings } from "../config/settings.js"
import { DownloadRejected, type DownloadError, TransientError, UrlExpired, withoutSignature } from "./errors.js"
import { rateLimitFrom } from "./retryAfter.js"
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

export const makeFileDownloader = Effect.gen(function* () {
  const settings = yield* Settings
  const http = yield* HttpClient.HttpClient
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
      let received = 0
      const raw = response.stream.pipe(
        Stream.mapError((error) => transient(transportMessage(error.cause, error.message))),
        Stream.tap((chunk) =>
          Effect.sync(() => {
            received += chunk.length
          })
        )
      )
      const body =
        response.headers["content-encoding"] === "gzip"
          ? NodeStream.pipeThroughDuplex(raw, () => createGunzip(), (error) => transient(`gzip: ${String(error)}`))
          : raw
      // One watchdog for the body, not Stream.timeoutFail, which raced a new fiber and timer
      // against every chunk: that was a third of `read`'s CPU on the benchmark (60 MB: 1.12 s of
      // CPU with it, 0.73 s without). Only time spent waiting for the body counts, not the
      // handler's (a slow stdout must not look like a silent file host).
      let waitingSince: number | undefined = yield* Clock.currentTimeMillis
      const watchdog = Effect.gen(function* () {
        for (;;) {
          const quietMs = waitingSince === undefined ? 0 : (yield* Clock.currentTimeMillis) - waitingSince
          if (quietMs >= idleMs) return yield* transient(`no data for ${Duration.format(idle)}`)
          yield* Effect.sleep(idleMs - quietMs)
        }
      })
      const handle = (chunk: Uint8Array) => {
        waitingSince = undefined
        return Effect.zipLeft(
          handlers.onChunk(chunk),
          Effect.map(Clock.currentTimeMillis, (now) => {
            waitingSince = now
          })
        )
      }
      yield* Effect.raceFirst(body.pipe(Stream.runForEach(handle)), watchdog)
      if (expected !== undefined && received !== expected) {
        return yield* transient(`the body ended after ${received} of ${expected} bytes`)
      }
    }).pipe(Effect.scoped)
  }
  return { download }
})

export const FileDownloaderLive = Layer.effect(FileDownloader, makeFileDownloader)
