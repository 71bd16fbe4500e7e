import { HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform"
import { Clock, Effect, Layer } from "effect"

export interface SentRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  /** Clock time the request was sent at (the TestClock's, in tests that use it). */
  readonly atMs: number
}

export interface FakeAnswer {
  /** The client gives up on the request with this fault (a refused connection, its own timeout). */
  readonly transportError?: string
  readonly status?: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * An HttpClient that answers in process: `answer` gets each request (URL, headers, JSON body)
 * and says what to send back. Every request is recorded in `sent`, in order.
 */
export const fakeHttp = (answer: (request: SentRequest) => FakeAnswer) => {
  const sent: Array<SentRequest> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const body = request.body._tag === "Uint8Array" ? (JSON.parse(new TextDecoder().decode(request.body.body)) as unknown) : undefined
      const seen: SentRequest = {
        method: request.method,
        url: url.toString(),
        headers: request.headers,
        body,
        atMs: yield* Clock.currentTimeMillis
      }
      sent.push(seen)
      const reply = answer(seen)
      if (reply.transportError !== undefined) {
        return yield* new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(reply.transportError) })
      }
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {})
      return HttpClientResponse.fromWeb(request, new Response(text, { status: reply.status ?? 200, headers: reply.headers ?? {} }))
    })
  )
  return { sent, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
