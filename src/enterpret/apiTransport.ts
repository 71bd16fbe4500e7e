import {
  Cookies,
  Headers,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "@effect/platform"
import { Effect, Either, Inspectable, Layer, Option, Stream } from "effect"
import { type Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { urlToHttpOptions } from "node:url"
import { Settings } from "../config/settings.js"
import { MAX_ANSWER_BYTES } from "./answers.js"
import { keepAliveAgents } from "./connectionPool.js"
import { readUpTo } from "./httpBody.js"

/**
 * The Export API's HttpClient over Node's own node:http(s) client, as the file downloader is:
 * @effect/platform's HttpClient by its public `HttpClient.makeWith`, so that EnterpretApi and
 * its tests speak HttpClient, with one async step a request that sends it, reads the answer
 * whole and times it out. A listing of small pages pays this once a page: 500 export pages of 2
 * files, asked one after another of the emulator on loopback, cost 0.30 ms of CPU a page for a
 * bare node:http client, and through EnterpretApi 1.46 ms over HttpClient.make (an
 * AbortController, a FinalizationRegistry entry, a web Response with its ReadableStream read
 * through a Promise, and Effect.timeoutFail's race: 164 Effect steps and 2 fibers a page) against
 * 0.79 ms here (108 steps, no fiber). NodeHttpClient spent some 220 steps and 3 fibers a request
 * more again. Connections are kept alive by agents made as the downloader's (keepAliveAgents):
 * the default agent opened one a request (0.35 ms of CPU each on loopback, a TLS handshake
 * against the API). The client makes no tracing span: no tracer is set up.
 *
 * An answer is read until it ends or passes MAX_ANSWER_BYTES: a larger one is handed on cut
 * there (a chunk past the bound), and EnterpretApi's reader fails it (`readAnswer`); one whose
 * Content-Length says more is handed on without its body. A request is destroyed when it has
 * not been answered whole within request_timeout_seconds (a RequestError, "no answer within
 * …"), and when it is interrupted (a sibling's failure, SIGTERM).
 */
export const makeApiHttpClient = (agents: Agents, timeoutMs: number) => {
  const targets = lastTarget()
  return HttpClient.makeWith(
    (prepared: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
      Effect.flatMap(prepared, (request) => send(agents, timeoutMs, targets, request)),
    Effect.succeed
  )
}

/** Where a request goes, as node:http's options. */
type Target = ReturnType<typeof urlToHttpOptions>

/**
 * A request's URL as node:http's options, remembered for the last URL without query parameters
 * or fragment: every export request of a sync goes to one URL, and a URL object handed to
 * node:http (parsed, then turned into options by it) cost 35 µs of CPU a request (1000 export
 * pages on loopback: 0.30 against 0.265 ms a page).
 */
const lastTarget = () => {
  let last: { readonly url: string; readonly target: Target } | undefined
  return (request: HttpClientRequest.HttpClientRequest): Either.Either<Target, unknown> => {
    const plain = request.urlParams.length === 0 && Option.isNone(request.hash)
    if (plain && last?.url === request.url) return Either.right(last.target)
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (Either.isLeft(url)) return url
    const target = urlToHttpOptions(url.right)
    if (plain) last = { url: request.url, target }
    return Either.right(target)
  }
}

interface Agents {
  readonly http: HttpAgent
  /** node:https's agent, which extends node:http's. */
  readonly https: HttpAgent
  /** Told each answer, for the host's Keep-Alive timeout (connectionPool.ts). */
  readonly answered: (answer: IncomingMessage) => void
}

const send = (
  agents: Agents,
  timeoutMs: number,
  targetOf: (request: HttpClientRequest.HttpClientRequest) => Either.Either<Target, unknown>,
  request: HttpClientRequest.HttpClientRequest
) =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const settle = (effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(effect)
    }
    const failed = (reason: "Transport" | "Encode" | "InvalidUrl", cause: unknown, description?: string) =>
      settle(
        Effect.fail(new HttpClientError.RequestError({ request, reason, cause, ...(description === undefined ? {} : { description }) }))
      )
    const target = targetOf(request)
    if (Either.isLeft(target)) return failed("InvalidUrl", target.left)
    const body = request.body
    if (body._tag !== "Empty" && body._tag !== "Uint8Array")
      return failed("Encode", undefined, `a ${body._tag} body (this client sends bytes)`)
    const headers: Record<string, string> = { ...request.headers }
    if (body._tag === "Uint8Array") {
      headers["content-type"] = body.contentType
      headers["content-length"] = String(body.contentLength)
    }
    const https = target.right.protocol === "https:"
    let stopReading: (() => void) | undefined
    let sent: ClientRequest
    try {
      sent = (https ? httpsRequest : httpRequest)(
        { ...target.right, method: request.method, headers, agent: https ? agents.https : agents.http },
        (incoming) => {
          agents.answered(incoming)
          stopReading = answer(incoming, (body, error) =>
            error === undefined ? settle(Effect.succeed(new AnswerResponse(request, incoming, body))) : failed("Transport", error)
          )
        }
      )
    } catch (error) {
      return failed("Transport", error)
    }
    sent.on("error", (error) => failed("Transport", error))
    sent.end(body._tag === "Uint8Array" ? body.body : undefined)
    const stop = () => {
      stopReading?.()
      sent.destroy()
    }
    // From the request to the answer's last byte, timed by Node's timer as the downloader times a
    // file's answer: Effect.timeoutFail around the request raced a fiber against it, some 60
    // Effect steps and 2 fibers a page.
    timer = setTimeout(() => {
      stop()
      failed("Transport", new Error(`no answer within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
      stop()
    })
  })

/** Reads the answer whole, bounded (see makeApiHttpClient); returns a function that stops it. */
const answer = (incoming: IncomingMessage, done: (body: Buffer, error: unknown) => void): (() => void) => {
  if (Number(incoming.headers["content-length"]) > MAX_ANSWER_BYTES) {
    incoming.destroy()
    done(Buffer.alloc(0), undefined)
    return () => {}
  }
  return readUpTo(incoming, MAX_ANSWER_BYTES, (body, complete, error) => {
    if (!complete) return done(body, error ?? new Error("the connection closed before the answer ended"))
    if (body.length > MAX_ANSWER_BYTES) incoming.destroy()
    done(body, undefined)
  })
}

/**
 * An answer already read whole, as an HttpClientResponse: its body is in memory, so each way of
 * reading it is one step. The interface is @effect/platform's, marked with its public TypeIds.
 */
class AnswerResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  readonly remoteAddress: Option.Option<string> = Option.none()
  private readonly setCookie: ReadonlyArray<string>
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    incoming: IncomingMessage,
    private readonly body: Buffer
  ) {
    super()
    this.setCookie = incoming.headers["set-cookie"] ?? []
    this.status = incoming.statusCode ?? 0
    this.headers = Headers.fromInput(incoming.headers)
  }
  get cookies(): Cookies.Cookies {
    // Each Set-Cookie line on its own: the Headers join them with ", ", which dates hold too.
    return Cookies.fromSetCookie(this.setCookie)
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.sync(() => this.body.toString("utf8"))
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.try({
      try: () => {
        const text = this.body.toString("utf8")
        return text === "" ? null : JSON.parse(text)
      },
      catch: (cause) => new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
    })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.sync(() => UrlParams.fromInput(new URLSearchParams(this.body.toString("utf8"))))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.sync(() => new Uint8Array(this.body).buffer)
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => new Response(this.body, { headers: this.headers }).formData(),
      catch: (cause) => new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
    })
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return this.body.length === 0 ? Stream.empty : Stream.succeed(this.body)
  }
  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
}

/** The Export API's HttpClient and its connection pool, closed when the layer's scope ends. */
export const ApiHttpClientLive = Layer.scoped(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const { requestTimeoutMs } = yield* Settings
    return makeApiHttpClient(yield* keepAliveAgents, requestTimeoutMs)
  })
)
