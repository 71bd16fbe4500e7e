import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { type Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest } from "node:http"
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https"
import { MAX_ANSWER_BYTES } from "./client.js"
import { keepAliveAgents } from "./download.js"
import { readUpTo } from "./httpBody.js"

/**
 * The Export API's HttpClient: @effect/platform's HttpClient (its public `HttpClient.make`, so
 * that EnterpretApi and its tests speak HttpClient as before) over Node's own node:http(s)
 * client, as the file downloader is. One async step a request, with the answer read whole
 * before it is handed on: NodeHttpClient spent some 220 Effect steps and 3 fibers a request of
 * its own (322 steps with HttpClient's, 103 with an in-process client), which a listing of small
 * pages pays once a page (500 pages of 2 files, downloads left out: 314,591 Effect steps, 2,754
 * fibers and 1.47 s of CPU for the read through NodeHttpClient; 199,679, 1,173 and 1.34 s here).
 * Connections are kept alive by agents made as the downloader's (keepAliveAgents): the default
 * agent opened one a request (0.35 ms of CPU each on loopback, a TLS handshake against the API).
 *
 * An answer is read until it ends or passes MAX_ANSWER_BYTES: a larger one is handed on cut
 * there (a chunk past the bound), and EnterpretApi's reader fails it (`readAnswer`); one whose
 * Content-Length says more is handed on without its body. Interrupted (the request's timeout, a
 * sibling's failure), the request is aborted through the signal HttpClient gives.
 */
export const makeApiHttpClient = (agents: { readonly http: HttpAgent; readonly https: HttpsAgent }) =>
  HttpClient.make((request, url, signal) =>
    Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      const transport = (cause: unknown) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
      const body = request.body
      if (body._tag !== "Empty" && body._tag !== "Uint8Array") {
        return resume(
          Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Encode", description: `a ${body._tag} body (this client sends bytes)` })
          )
        )
      }
      const headers: Record<string, string> = { ...request.headers }
      if (body._tag === "Uint8Array") {
        headers["content-type"] = body.contentType
        headers["content-length"] = String(body.contentLength)
      }
      const https = url.protocol === "https:"
      const options = { method: request.method, headers, agent: https ? agents.https : agents.http, signal }
      let sent: ClientRequest
      try {
        sent = (https ? httpsRequest : httpRequest)(url, options, (incoming) => answer(request, incoming, resume))
      } catch (error) {
        return transport(error)
      }
      sent.on("error", transport)
      sent.end(body._tag === "Uint8Array" ? body.body : undefined)
    })
  )

/** Reads the answer whole (bounded, see makeApiHttpClient) and hands it on as a response. */
const answer = (
  request: HttpClientRequest.HttpClientRequest,
  incoming: IncomingMessage,
  resume: (effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>) => void
) => {
  const failed = (cause: unknown, description?: string) =>
    resume(
      Effect.fail(
        new HttpClientError.RequestError({ request, reason: "Transport", cause, ...(description === undefined ? {} : { description }) })
      )
    )
  const status = incoming.statusCode ?? 0
  const respond = (body: Buffer) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === "string") headers.append(name, value)
      else if (value !== undefined) for (const one of value) headers.append(name, one)
    }
    try {
      // A 204 or 304 may carry no body in a web Response; none is read from one either.
      resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body.length === 0 ? null : body, { status, headers }))))
    } catch (cause) {
      failed(cause, `an answer with HTTP status ${status}`)
    }
  }
  if (Number(incoming.headers["content-length"]) > MAX_ANSWER_BYTES) {
    incoming.destroy()
    return respond(Buffer.alloc(0))
  }
  readUpTo(incoming, MAX_ANSWER_BYTES, (body, complete, error) => {
    if (!complete) return failed(error ?? new Error("the connection closed before the answer ended"))
    if (body.length > MAX_ANSWER_BYTES) incoming.destroy()
    respond(body)
  })
}

/** The Export API's HttpClient and its connection pool, closed when the layer's scope ends. */
export const ApiHttpClientLive = Layer.scoped(HttpClient.HttpClient, Effect.map(keepAliveAgents, makeApiHttpClient))
