import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { Settings } from "../config/settingsTag.js"
import { toApiTime } from "../config/hours.js"
import {
  ApiAuthError,
  type ApiError,
  ApiRequestError,
  InvalidResponse,
  ObjectNotFound,
  RateLimited,
  TransientError
} from "./errors.js"
import { ApiRateLimiter, type SlidingWindowLimiter } from "./rateLimiter.js"
import { retryBaseMs, withRetry } from "./retry.js"
import { retryAtFrom } from "./retryAfter.js"

export interface ExportableObject {
  readonly id: string
  readonly name: string
  readonly description: string
}

export interface ExportPage {
  readonly files: ReadonlyArray<string>
  readonly cursor: string | undefined
}

export interface ExportRequest {
  readonly objectId: string
  readonly startMs: number
  readonly endMs: number
  readonly cursor?: string | undefined
}

const ObjectsResponse = Schema.Struct({
  objects: Schema.Array(
    Schema.Struct({
      id: Schema.String.pipe(Schema.minLength(1)),
      name: Schema.optional(Schema.NullOr(Schema.String)),
      description: Schema.optional(Schema.NullOr(Schema.String))
    })
  ),
  paginationToken: Schema.optional(Schema.NullOr(Schema.String))
})

const ExportResponse = Schema.Struct({
  files: Schema.NullOr(Schema.Array(Schema.String)),
  cursor: Schema.optional(Schema.NullOr(Schema.String))
})

const ErrorBody = Schema.Struct({ error: Schema.Struct({ code: Schema.String, message: Schema.String }) })

/** The Knowledge Graph Export API, paced by the shared limiter and retried by `retry.ts`. */
export class EnterpretApi extends Context.Tag("source-enterpret/EnterpretApi")<
  EnterpretApi,
  {
    /** Every exportable object, across all pages of the list. */
    readonly listObjects: Effect.Effect<ReadonlyArray<ExportableObject>, ApiError>
    /** One page of signed file URLs for a window; `onRateLimited` hears of every 429 wait. */
    readonly exportPage: (
      request: ExportRequest,
      onRateLimited?: (retryAtMs: number | undefined) => Effect.Effect<void>
    ) => Effect.Effect<ExportPage, ApiError>
  }
>() {}

const apiMessage = (text: string): string => {
  const parsed = Option.flatMap(
    Option.liftThrowable(JSON.parse)(text),
    Schema.decodeUnknownOption(ErrorBody)
  )
  return Option.match(parsed, {
    onNone: () => (text.length > 200 ? `${text.slice(0, 200)}…` : text) || "(empty body)",
    onSome: ({ error }) => `${error.code}: ${error.message}`
  })
}

export const makeEnterpretApi = Effect.gen(function* () {
  const settings = yield* Settings
  const limiter = yield* ApiRateLimiter
  const http = yield* HttpClient.HttpClient
  const baseMs = retryBaseMs()

  const post = <A, I>(
    path: string,
    body: Record<string, unknown>,
    pace: SlidingWindowLimiter,
    what: string,
    schema: Schema.Schema<A, I>,
    objectId?: string
  ): Effect.Effect<A, ApiError> =>
    Effect.gen(function* () {
      const request = HttpClientRequest.post(`${settings.baseUrl}${path}`).pipe(
        HttpClientRequest.bearerToken(settings.apiToken),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUnsafeJson(body)
      )
      const exchange = Effect.gen(function* () {
        const response = yield* http.execute(request)
        const text = yield* response.text
        return { status: response.status, headers: response.headers, text }
      }).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(settings.requestTimeoutMs),
          onTimeout: () => new TransientError({ what, message: `no answer within ${settings.requestTimeoutMs / 1000} s` })
        }),
        Effect.catchTag("RequestError", "ResponseError", (error) =>
          Effect.fail(new TransientError({ what, message: transportMessage(error.cause, error.message) }))
        )
      )
      // The timeout starts once the limiter lets the request go: waiting for room is not silence.
      const { status, headers, text } = yield* pace.pace(exchange)
      if (status === 401 || status === 403) {
        return yield* new ApiAuthError({ status, message: `${what}: HTTP ${status} ${apiMessage(text)}` })
      }
      if (status === 404 && objectId !== undefined) {
        return yield* new ObjectNotFound({ objectId, message: `${what}: HTTP 404 ${apiMessage(text)}` })
      }
      if (status === 429) {
        const now = yield* Clock.currentTimeMillis
        const retryAtMs = retryAtFrom(headers["retry-after"], now)
        if (retryAtMs !== undefined) yield* pace.pauseUntil(retryAtMs)
        return yield* new RateLimited({ what, retryAtMs })
      }
      if (status >= 500 || status === 408) {
        return yield* new TransientError({ what, message: `HTTP ${status} ${apiMessage(text)}` })
      }
      if (status < 200 || status >= 300) {
        return yield* new ApiRequestError({ status, message: `${what}: HTTP ${status} ${apiMessage(text)}` })
      }
      const json = yield* Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: () => new InvalidResponse({ what, message: `the API answered with invalid JSON: ${apiMessage(text)}` })
      })
      return yield* Schema.decodeUnknown(schema)(json).pipe(
        Effect.mapError(
          (error) => new InvalidResponse({ what, message: `the API answered with an unexpected shape: ${error.message.slice(0, 500)}` })
        )
      )
    })

  const objectsPage = (paginationToken: string | undefined) =>
    withRetry(
      post(
        "/external/v2/objects",
        paginationToken === undefined ? {} : { paginationToken },
        limiter.objects,
        "listing exportable objects",
        ObjectsResponse
      ),
      { maxRetries: settings.maxRetries, baseMs }
    )

  const listObjects = Effect.gen(function* () {
    const all: Array<ExportableObject> = []
    const seenTokens = new Set<string>()
    let token: string | undefined
    do {
      const page = yield* objectsPage(token)
      for (const object of page.objects) {
        all.push({ id: object.id, name: object.name ?? object.id, description: object.description ?? "" })
      }
      token = page.paginationToken || undefined
      if (token !== undefined && seenTokens.has(token)) {
        return yield* new InvalidResponse({ what: "listing exportable objects", message: "the API repeated a paginationToken" })
      }
      if (token !== undefined) seenTokens.add(token)
    } while (token !== undefined)
    return all
  })

  const exportPage = (request: ExportRequest, onRateLimited?: (retryAtMs: number | undefined) => Effect.Effect<void>) =>
    withRetry(
      post(
        "/external/v2/export",
        {
          objectID: request.objectId,
          startTime: toApiTime(request.startMs),
          endTime: toApiTime(request.endMs),
          ...(request.cursor === undefined ? {} : { cursor: request.cursor })
        },
        limiter.export,
        `exporting ${request.objectId} ${toApiTime(request.startMs)}..${toApiTime(request.endMs)}`,
        ExportResponse,
        request.objectId
      ),
      { maxRetries: settings.maxRetries, baseMs, onRateLimited }
    ).pipe(Effect.map((page): ExportPage => ({ files: page.files ?? [], cursor: page.cursor || undefined })))

  return { listObjects, exportPage }
})

/** Node reports a refused or reset connection in the cause; the wrapper's message says less. */
export const transportMessage = (cause: unknown, fallback: string): string => {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    const inner = (cause as { cause?: unknown }).cause
    const detail = inner instanceof Error ? inner.message : cause.message
    return typeof code === "string" && !detail.includes(code) ? `${code} ${detail}` : detail
  }
  return fallback
}

export const EnterpretApiLive = Layer.effect(EnterpretApi, makeEnterpretApi)
