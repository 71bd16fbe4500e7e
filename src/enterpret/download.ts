import { Clock, Context, Duration, Effect, Layer } from "effect"
import { type ClientRequest, type IncomingMessage, Agent as HttpAgent, get as httpGet } from "node:http"
import { Agent as HttpsAgent, get as httpsGet } from "node:https"
import type { Readable } from "node:stream"
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
 */
export class FileDownloader extends Context.Tag("source-enterpret/FileDownloader")<
  FileDownloader,
  { readonly download: <E, R>(url: string, handlers: DownloadHandlers<E, R>) => Effect.Effect<void, E | DownloadError, R> }
>() {}

/**
 * How long a connection to a file host may wait in the pool for the next file. Node's own
 * servers close an idle one after 5 s and say so (`Keep-Alive: timeout=5`, which Node's agent
 * honours, less a second); S3 keeps one for about 20 s. A connection closed by the host just as
 * it is reused fails that request with a reset, which the retry takes, so the pool lets go first.
 */
const IDLE_CONNECTION_MS = 4_000

/**
 * Node's own HTTP client (node:http, node:https), documented and stable, for signed URLs, while
 * the Export API stays on @effect/platform's HttpClient. Two reasons, both measured on `read`:
 * - the body: @effect/platform's public body is an Effect Stream, a fiber step per chunk and an
 *   extra copy; NodeHttpClient's IncomingMessage, which we read before, is behind a private field.
 *   Here the IncomingMessage is ours to read, a buffer at a time as the socket delivers it;
 * - the connection: NodeHttpClient's default agent does not keep connections alive, so every file
 *   paid a TCP (and, on S3, a TLS) handshake. Enterpret's files are hourly and mostly small.
 *   These agents keep one connection per concurrent download open from file to file.
 */
const makeAgents = Effect.acquireRelease(
  Effect.sync(() => {
    const options = { keepAlive: true, timeout: IDLE_CONNECTION_MS, scheduling: "lifo" as const }
    return { http: new HttpAgent(options), https: new HttpsAgent(options) }
  }),
  (agents) =>
    Effect.sync(() => {
      agents.http.destroy()
      agents.https.destroy()
    })
)

export const makeFileDownloader = Effect.gen(function* () {
  const settings = yield* Settings
  const agents = yield* makeAgents
  const idleMs = settings.requestTimeoutMs
  const idle = Duration.millis(idleMs)

  const download = <E, R>(url: string, handlers: DownloadHandlers<E, R>) => {
    const file = withoutSignature(url)
    const what = `downloading ${file}`
    const transient = (message: string) => new TransientError({ what, message })
    return Effect.gen(function* () {
      let request: ClientRequest | undefined
      let body: Readable | undefined
      let failure: TransientError | undefined
      let wake: (() => void) | undefined
      const fail = (error: TransientError) => {
        failure ??= error
        wake?.()
      }
      // A request destroyed after its body was read to the end is a no-op: Node has already put
      // its connection back in the pool. Otherwise the connection is closed, not reused.
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          wake = undefined
          body?.destroy()
          request?.destroy()
        })
      )
      const response = yield* Effect.async<IncomingMessage, TransientError>((resume) => {
        let answered = false
        const answer = (effect: Effect.Effect<IncomingMessage, TransientError>) => {
          if (answered) return
          answered = true
          resume(effect)
        }
        try {
          const https = url.startsWith("https:")
          const options = { agent: https ? agents.https : agents.http, headers: { "accept-encoding": "gzip" } }
          request = (https ? httpsGet : httpGet)(url, options, (incoming) => answer(Effect.succeed(incoming)))
        } catch (error) {
          return answer(Effect.fail(transient(transportMessage(error, String(error)))))
        }
        // Before and after the answer: a socket error after the headers fails the body, below.
        request.on("error", (error: unknown) => {
          const failed = transient(transportMessage(error, String(error)))
          fail(failed)
          answer(Effect.fail(failed))
        })
      }).pipe(Effect.timeoutFail({ duration: idle, onTimeout: () => transient(`no answer within ${Duration.format(idle)}`) }))
      const source: IncomingMessage = response
      body = source
      source.on("error", (error: unknown) => fail(transient(transportMessage(error, String(error)))))
      const status = source.statusCode ?? 0
      switch (statusVerdict(status, "file-host")) {
        case "ok":
          break
        case "expired":
          return yield* new UrlExpired({ file })
        case "rate-limited":
          return yield* rateLimitFrom(source.headers["retry-after"], yield* Clock.currentTimeMillis, what)
        case "transient":
          return yield* transient(`HTTP ${status} from the file host`)
        default:
          return yield* new DownloadRejected({ file, status })
      }
      const lengthHeader = source.headers["content-length"]
      const expected = lengthHeader === undefined ? undefined : Number(lengthHeader)
      yield* handlers.onSize(expected)
      const clock = yield* Effect.clock
      // The body is read from the IncomingMessage in this one fiber, a buffer at a time as the
      // socket delivers it, not through an Effect Stream: its per-chunk steps (channel executor,
      // mapError, tap, runForEach) and an adapter back to a Node stream held each chunk past the
      // next young-generation GC (bench_feedback, 200 MB: 1.55 s of CPU and 114-124 MB peak RSS
      // through them, 1.32 s and 92-95 MB without).
      let ended = false
      let received = 0
      let decoded: Readable = source
      if (source.headers["content-encoding"] === "gzip") {
        // Bytes on the wire are counted before they are inflated, for the Content-Length check.
        source.on("data", (chunk: Uint8Array) => {
          received += chunk.length
        })
        const gunzip = createGunzip()
        gunzip.on("error", (error: unknown) => fail(transient(`gzip: ${String(error)}`)))
        source.pipe(gunzip)
        decoded = gunzip
        body = gunzip
        yield* Effect.addFinalizer(() => Effect.sync(() => source.destroy()))
      }
      const counting = decoded === source
      decoded.on("readable", () => wake?.())
      // A body cut off without an error ends like a short one: the Content-Length check catches it.
      const onEnd = () => {
        ended = true
        wake?.()
      }
      decoded.on("end", onEnd)
      decoded.on("close", onEnd)
      const waitForBody = Effect.async<void>((resume) => {
        if (failure !== undefined || ended || decoded.readableLength > 0) return resume(Effect.void)
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
          const chunk = decoded.read() as Uint8Array | null
          if (chunk !== null) {
            if (counting) received += chunk.length
            waitingSince = undefined
            yield* handlers.onChunk(chunk)
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

/** The downloader and its connection pool, closed when the layer's scope ends. */
export const FileDownloaderLive = Layer.scoped(FileDownloader, makeFileDownloader)
