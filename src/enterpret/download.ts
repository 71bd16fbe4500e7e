import { Clock, Context, Duration, Effect, Layer } from "effect"
import { type ClientRequest, type IncomingMessage, get as httpGet } from "node:http"
import { get as httpsGet } from "node:https"
import type { Readable } from "node:stream"
import { Settings } from "../config/settings.js"
import { nonCsvContentType, shownStart } from "../csv/bodySniff.js"
import { keepAliveAgents } from "./connectionPool.js"
import { contentCoding, readUpTo } from "./httpBody.js"
import {
  type CertificateRejected,
  DownloadRejected,
  type DownloadError,
  TransientError,
  UnreadableBody,
  UrlExpired,
  withoutSignature
} from "./errors.js"
import { rateLimitFrom } from "./retryAfter.js"
import { makeStallWatch } from "./stallWatch.js"
import { hostError, isExpiry, statusVerdict, transportFailure, transportMessage } from "./status.js"

/** How a transfer fails on its own: a fault worth retrying, or a certificate that will not verify. */
type Unanswered = TransientError | CertificateRejected

/**
 * How the end of a body is known: its `Content-Length`, chunked transfer coding, or only the
 * connection closing (HTTP/1.0, or a proxy that stripped both): then a body cut off at a row
 * boundary cannot be told from a whole one.
 */
export type BodyFraming = "length" | "chunked" | "close"

/** The most of a refused answer's body read for its error `<Code>` (S3's are about 300 bytes). */
const ERROR_BODY_BYTES = 4096

export interface DownloadHandlers<E, R> {
  /**
   * Told the file's size in bytes on the wire, when the host sent `Content-Length`, and how the
   * body's end is known. Undefined or an Effect to wait for, as `onChunk`.
   */
  readonly onSize: (bytes: number | undefined, framing: BodyFraming) => Effect.Effect<void, E, R> | undefined
  /**
   * Each decoded chunk of the body, in order. Undefined: the chunk was dealt with at once, and the
   * next is read in the same callback, with no Effect step (the common case). An Effect: the
   * download waits for it (the destination pushing back, a failure) before it reads on.
   */
  readonly onChunk: (chunk: Uint8Array) => Effect.Effect<void, E, R> | undefined
}

/**
 * Fetches one signed URL as a stream of chunks. It carries no Authorization header: the file
 * host must never see the API token. A body shorter than its `Content-Length`, a reset, a
 * silence longer than the request timeout or a transfer below STALL_FLOOR_BYTES per timeout (stallWatch.ts) is a
 * TransientError, so the caller can resume; a 429 is RateLimited, so that the retry waits as its
 * `Retry-After` says and the stream reports it. An expired URL (403, or S3's 400 ExpiredToken)
 * is UrlExpired, so the caller asks for a fresh one. Content codings are compared
 * case-insensitively (RFC 9110 8.4.1; `x-gzip` is gzip); an HTML or XML Content-Type, or a coding
 * it cannot decode, is UnreadableBody.
 */
export class FileDownloader extends Context.Tag("source-enterpret/FileDownloader")<
  FileDownloader,
  { readonly download: <E, R>(url: string, handlers: DownloadHandlers<E, R>) => Effect.Effect<void, E | DownloadError, R> }
>() {}

/**
 * Signed URLs through Node's own HTTP client (node:http, node:https), documented and stable, with
 * the pools of connectionPool.ts (a connection kept from file to file). @effect/platform's public
 * body is an Effect Stream, a fiber step per chunk and an extra copy, and NodeHttpClient's
 * IncomingMessage, which was read before, is behind a private field: here the IncomingMessage is
 * ours to read, a buffer at a time as the socket delivers it.
 */
export const makeFileDownloader = Effect.gen(function* () {
  const settings = yield* Settings
  const agents = yield* keepAliveAgents
  const idleMs = settings.requestTimeoutMs
  const idle = Duration.millis(idleMs)
  // The Clock of the fiber that makes the downloader (the TestClock under `it.effect`), read
  // synchronously by each transfer: Effect.clockWith cost two steps a file.
  const clock = yield* Effect.clock

  const download = <E, R>(url: string, handlers: DownloadHandlers<E, R>): Effect.Effect<void, E | DownloadError, R> => {
    const file = withoutSignature(url)
    const what = `downloading ${file}`
    const transient = (message: string) => new TransientError({ what, message })
    const unanswered = (error: unknown) => transportFailure(what, error, String(error))
    /** Why an answer is not a file to read, from its status, its first bytes and its headers. */
    const refusal = (source: IncomingMessage) =>
      Effect.gen(function* () {
        const status = source.statusCode ?? 0
        // A refused answer's body says why (S3: `<Code>ExpiredToken</Code>`): read a little of it.
        const said = status >= 200 && status < 300 ? undefined : hostError(yield* startOf(source, ERROR_BODY_BYTES))
        const code = said?.code
        switch (statusVerdict(status, "file-host", { expiredByBody: said !== undefined && isExpiry(said) })) {
          case "ok":
            break
          case "expired":
            return yield* new UrlExpired({ file, status, ...(code === undefined ? {} : { code }) })
          case "rate-limited":
            return yield* rateLimitFrom(source.headers["retry-after"], yield* Clock.currentTimeMillis, what)
          case "transient":
            return yield* transient(`HTTP ${status}${code === undefined ? "" : ` ${code}`} from the file host`)
          default:
            return yield* new DownloadRejected({
              file,
              status,
              ...(code === undefined ? {} : { code }),
              ...(said?.message === undefined ? {} : { detail: said.message })
            })
        }
        const contentType = source.headers["content-type"]
        const notCsv = nonCsvContentType(contentType)
        if (notCsv !== undefined) {
          const start =
            source.headers["content-encoding"] === undefined ? `; it begins ${shownStart(Buffer.from(yield* startOf(source, 60)))}` : ""
          return yield* new UnreadableBody({ file, detail: `${notCsv} (Content-Type: ${contentType!.slice(0, 80)}), not CSV${start}` })
        }
        return yield* new UnreadableBody({
          file,
          detail: `a body in a content coding this connector cannot decode (Content-Encoding: ${String(source.headers["content-encoding"]).slice(0, 80)}; it reads gzip, x-gzip, deflate and br)`
        })
      })

    // Per run of the effect (a retry runs it again): its own request, body and cleanup.
    return Effect.suspend(() => {
      let request: ClientRequest | undefined
      let body: Readable | undefined
      /** The raw body while a decoder reads it. */
      let compressed: Readable | undefined
      let decoded: Readable | undefined
      let failure: Unanswered | undefined
      /**
       * Resumes the fiber from the transfer's current async step: set while the transfer waits for
       * the answer or the body, taken (undefined) once it is called.
       */
      let resumeTransfer: ((effect: Effect.Effect<Progress<E, R>, Unanswered>) => void) | undefined
      const resumeWith = (effect: Effect.Effect<Progress<E, R>, Unanswered>) => {
        const resume = resumeTransfer
        resumeTransfer = undefined
        resume?.(effect)
      }
      let answered = false
      /**
       * The transfer's one timer: the answer's deadline until the answer comes, then, refreshed,
       * the body's watchdog (`watch`): one Timeout made a file, not two (one made and cleared at
       * the answer).
       */
      let timer: ReturnType<typeof setTimeout> | undefined
      // One cleanup whatever the outcome (see the match below; no Scope and its finalizers: one
      // fewer structure a file). A request destroyed after its body was read to the end is a
      // no-op: Node has already put its connection back in the pool. Otherwise the connection is
      // closed, not reused.
      const cleanup = () => {
        resumeTransfer = undefined
        answered = true
        clearTimeout(timer)
        compressed?.destroy()
        body?.destroy()
        request?.destroy()
      }
      /** A failure of the body: it fails the transfer now if it waits, else at its next step. */
      const fail = (error: Unanswered) => {
        failure ??= error
        resumeWith(Effect.fail(failure))
      }

      let ended = false
      let received = 0
      /** Bytes on the wire are counted as read, unless a decoder reads them (then as they come). */
      let counting = true
      let expected: number | undefined
      const stall = makeStallWatch(() => clock.unsafeCurrentTimeMillis(), idleMs)
      // A Node timer, not a second fiber raced against the body's: it judges each period as it
      // ends and fails the transfer with the stall.
      const watch = () => {
        const problem = stall.judge(received)
        if (problem !== undefined) return fail(transient(problem))
        timer = setTimeout(watch, stall.untilJudged())
      }

      /**
       * Each chunk of the body, as Node emits it (flowing mode), handed to `onChunk` in Node's
       * callback. The fiber is resumed only when the body has ended or failed, or with the Effect a
       * handler must have run first: the body is paused until that Effect has run (`pump`).
       * Reading with `read()` on `readable` instead cost 1000 files of 0.2 MB some 20 ms more CPU.
       */
      const onData = (chunk: Uint8Array) => {
        if (resumeTransfer === undefined) {
          // Not waited for: the transfer has failed (nothing more is read), or this chunk came
          // while a handler's Effect runs. Kept for `pump`, never dropped.
          if (failure !== undefined || decoded === undefined) return
          decoded.pause()
          decoded.unshift(chunk)
          return
        }
        if (counting) received += chunk.length
        stall.arrived()
        const problem = stall.judge(received)
        if (problem !== undefined) return fail(transient(problem))
        let wait: Effect.Effect<void, E, R> | undefined
        try {
          wait = handlers.onChunk(chunk)
        } catch (defect) {
          // A handler that throws is a bug; from inside Node's callback it would be uncaught.
          decoded?.pause()
          return resumeWith(Effect.die(defect))
        }
        if (wait !== undefined) {
          decoded?.pause()
          return resumeWith(Effect.succeed({ _tag: "Wait", wait }))
        }
        stall.waiting()
      }

      /** The answer has come: a file to read goes on in these callbacks; any other, to `refusal`. */
      const answer = (source: IncomingMessage) => {
        body = source
        source.on("error", (error: unknown) => fail(transient(transportMessage(error, String(error)))))
        const status = source.statusCode ?? 0
        const coding = status >= 200 && status < 300 ? contentCoding(source) : undefined
        if (
          coding === undefined ||
          coding.unreadable ||
          statusVerdict(status, "file-host", { expiredByBody: false }) !== "ok" ||
          nonCsvContentType(source.headers["content-type"]) !== undefined
        ) {
          return resumeWith(Effect.succeed({ _tag: "Refused", response: source }))
        }
        let reading: Readable = source
        const decoder = coding.decoder
        if (decoder !== undefined) {
          // Bytes on the wire are counted before they are decoded, for the Content-Length check
          // and the stall floor.
          counting = false
          source.on("data", (chunk: Uint8Array) => {
            received += chunk.length
          })
          decoder.on("error", (error: unknown) => fail(transient(`${coding.codings[0]}: ${String(error)}`)))
          source.pipe(decoder)
          reading = decoder
          body = decoder
          compressed = source
        }
        decoded = reading
        // A body cut off without an error ends like a short one: the Content-Length check catches it.
        const onEnd = () => {
          ended = true
          if (failure === undefined) resumeWith(Effect.succeed(DONE))
        }
        reading.on("end", onEnd)
        reading.on("close", onEnd)
        const lengthHeader = source.headers["content-length"]
        expected = lengthHeader === undefined ? undefined : Number(lengthHeader)
        const chunked = /(^|,)\s*chunked\s*$/i.test(String(source.headers["transfer-encoding"] ?? ""))
        // The answer's deadline becomes the body's watchdog, its first period from now.
        timer?.refresh()
        let sized: Effect.Effect<void, E, R> | undefined
        try {
          sized = handlers.onSize(expected, expected !== undefined ? "length" : chunked ? "chunked" : "close")
        } catch (defect) {
          return resumeWith(Effect.die(defect))
        }
        // Attaching the listener starts the flow (on the next tick); a handler's Effect first pauses it.
        reading.on("data", onData)
        if (sized !== undefined) {
          // Its time is the handler's, not the host's: the wait for the body starts in `pump`.
          reading.pause()
          return resumeWith(Effect.succeed({ _tag: "Wait", wait: sized }))
        }
        stall.waiting()
      }

      // The request, its answer and, for a file, its whole body in one async step: an Effect
      // step per chunk (a fiber suspended on every read that found the buffer empty, resumed by
      // `readable`), a separate step for the answer, a timeout fiber raced against it, and a
      // Scope were most of what a small file cost beyond its bytes (200 MB in 1000 files
      // against 20 files, CPU per MB of read on Node 20: 1.82x with all of them, 1.52x with the
      // timeout fiber and the Scope gone, 1.34x once the rest went too, with the per-file and
      // per-page work of the readers: about 108 Effect steps a file before, 28 after).
      const transfer = Effect.async<Progress<E, R>, Unanswered>((resume) => {
        resumeTransfer = resume
        const refuse = (error: Unanswered) => {
          if (answered) return fail(error)
          answered = true
          clearTimeout(timer)
          resumeWith(Effect.fail(error))
        }
        try {
          const https = url.startsWith("https:")
          const options = { agent: https ? agents.https : agents.http, headers: { "accept-encoding": "gzip" } }
          request = (https ? httpsGet : httpGet)(url, options, (incoming) => {
            agents.answered(incoming)
            if (answered) return
            answered = true
            answer(incoming)
          })
        } catch (error) {
          return refuse(unanswered(error))
        }
        timer = setTimeout(() => (answered ? watch() : refuse(transient(`no answer within ${Duration.format(idle)}`))), idleMs)
        // Before and after the answer: a socket error after the headers fails the body.
        request.on("error", (error: unknown) => refuse(unanswered(error)))
      })
      /** Reads on after a handler's Effect: the body flows again (on the next tick). */
      const pump = Effect.async<Progress<E, R>, Unanswered>((resume) => {
        if (failure !== undefined) return resume(Effect.fail(failure))
        if (ended) return resume(Effect.succeed(DONE))
        resumeTransfer = resume
        decoded?.resume()
      })
      const proceed = (progress: Progress<E, R>): Effect.Effect<void, E | DownloadError, R> => {
        switch (progress._tag) {
          case "Done":
            return expected !== undefined && received !== expected
              ? Effect.fail(transient(`the body ended after ${received} of ${expected} bytes`))
              : Effect.void
          case "Wait":
            return Effect.zipRight(
              progress.wait,
              Effect.suspend(() => {
                stall.waiting()
                return Effect.flatMap(pump, proceed)
              })
            )
          case "Refused":
            return refusal(progress.response)
        }
      }
      // Cleaned up however it ends, interruption included: the handlers of one match run with
      // interruption off, where Effect.ensuring's finalizer cost a mask, a step and a zip more.
      return Effect.uninterruptibleMask((restore) =>
        Effect.matchCauseEffect(restore(Effect.flatMap(transfer, proceed)), {
          onFailure: (cause) => {
            cleanup()
            return Effect.failCause(cause)
          },
          onSuccess: () => {
            cleanup()
            return Effect.void
          }
        })
      )
    })
  }

  return { download }
})

/** Where a transfer stands when it resumes its fiber. */
type Progress<E, R> =
  | { readonly _tag: "Done" }
  | { readonly _tag: "Wait"; readonly wait: Effect.Effect<void, E, R> }
  | { readonly _tag: "Refused"; readonly response: IncomingMessage }

const DONE = { _tag: "Done" } as const

/**
 * Up to `bytes` of a body that will not be read as a file (an error document, a page), as text:
 * whatever has come when it ends, fails, or has been silent for 5 s.
 */
const startOf = (source: IncomingMessage, bytes: number) =>
  Effect.async<string>((resume) => {
    const stop = readUpTo(source, bytes - 1, (body) => resume(Effect.succeed(body.subarray(0, bytes).toString("utf8"))))
    return Effect.sync(stop)
  }).pipe(
    Effect.timeout(Duration.seconds(5)),
    Effect.orElseSucceed(() => "")
  )

/** The downloader and its connection pool, closed when the layer's scope ends. */
export const FileDownloaderLive = Layer.scoped(FileDownloader, makeFileDownloader)
