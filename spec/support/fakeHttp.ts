import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Layer } from "effect"

export interface SentRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

export interface FakeAnswer {
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
    Effect.sync(() => {
      const body = request.body._tag === "Uint8Array" ? (JSON.parse(new TextDecoder().decode(request.body.body)) as unknown) : undefined
      const seen: SentRequest = { method: request.method, url: url.toString(), headers: request.headers, body }
      sent.push(seen)
      const reply = answer(seen)
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {})
      return HttpClientResponse.fromWeb(request, new Response(text, { status: reply.status ?? 200, headers: reply.headers ?? {} }))
    })
  )
  return { sent, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
