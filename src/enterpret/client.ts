import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Chunk, Clock, Context, Effect, Either, Layer, Redacted, Stream } from "effect"
import { Settings } from "../config/settings.js"
import { toApiTime } from "../config/hours.js"
import { Timing } from "../config/timing.js"
import { maskAnswer, maskSecret } from "../output/redaction.js"
import { decodeExportPage, decodeObjects, type ExportPage, readAnswer } from "./answers.js"
import { ApiAuthError, type ApiError, ApiRequestError, InvalidResponse, ObjectRefused, TransientError } from "./errors.js"
import { pager, paginate } from "./pagination.js"
import { ApiRateLimiter, type SlidingWindowLimiter } from "./rateLimiter.js"
import { withRetry } from "./retry.js"
import { rateLimitFrom } from "./retryAfter.js"
import { apiError, apiMessage, statusVerdict, transportFailure } from "./status.js"

export interface ExportableObject {
  readonly id: string
  readonly name: string
  readonly description: string
}

export interface ExportRequest {
  readonly objectId: string
  readonly startMs: number
  readonly endMs: number
  readonly cursor?: string | undefined
}

/**
 * The Knowledge Graph Export API, paced by the shared limiter and retried by `retry.ts`. A 429
 * wait is told to the RateLimitReporter in context (see rateLimitReporter.ts).
 */
export class EnterpretApi extends Context.Tag("source-enterpret/EnterpretApi")<
  EnterpretApi,
  {
    /** Every exportable object, across all pages of the list. */
    readonly listObjects: Effect.Effect<ReadonlyArray<ExportableObject>, ApiError>
    /** One page of signed file URLs for a window. */
    readonly exportPage: (request: ExportRequest) => Effect.Effect<ExportPage, ApiError>
  }
>() {}

/** The description of one export request, in errors and logs. */
export const describeExport = (request: ExportRequest): string =>
  `exporting ${request.objectId} ${toApiTime(request.startMs)}..${toApiTime(request.endMs)}`

/** One export page of a window, with the request that fetched it (to ask again when its URLs expire). */
const exportPageOf =
  (api: Context.Tag.Service<typeof EnterpretApi>, window: Omit<ExportRequest, "cursor">) => (cursor: string | undefined) => {
    const request: ExportRequest = { ...window, cursor }
    return Effect.map(api.exportPage(request), (page) => ({ request, page }))
  }

const exportPaging = (window: Omit<ExportRequest, "cursor">) => ({
  nextToken: ({ page }: { readonly page: ExportPage }) => page.cursor,
  options: { what: `exporting ${window.objectId}`, tokenName: "cursor" }
})

/**
 * Every page of files of one export window, each with the request that fetched it, fetched as
 * the consumer pulls them, bounded and guarded against a repeated cursor by `paginate`.
 */
export const exportPages = (window: Omit<ExportRequest, "cursor">) =>
  Stream.unwrap(
    Effect.map(EnterpretApi, (api) => {
      const { nextToken, options } = exportPaging(window)
      return paginate(exportPageOf(api, window), nextToken, options)
    })
  )

/** The same pages through `pager`: an Effect that gives the next page each run, undefined after the last. */
export const exportPager = (window: Omit<ExportRequest, "cursor">) =>
  Effect.map(EnterpretApi, (api) => {
    const { nextToken, options } = exportPaging(window)
    return pager(exportPageOf(api, window), nextToken, options)
  })

export const makeEnterpretApi = Effect.gen(function* () {
  const settings = yield* Settings
  const { retryBaseMs } = yield* Timing
  const limiter = yield* ApiRateLimiter
  // Every request of this client goes to base_url with the token; signed file URLs use the
  // downloader's own client, which never carries it.
  const http = (yield* HttpClient.HttpClient).pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(
        HttpClientRequest.prependUrl(settings.baseUrl),
        HttpClientRequest.bearerToken(settings.apiToken),
        HttpClientRequest.acceptJson
      )
    )
  )
  const retry = { maxRetries: settings.maxRetries, baseMs: retryBaseMs }

  /**
   * One request to the API, paced and judged: its answer's status becomes the error the status
   * table gives, and a 200's body is parsed and handed to `decode`. Written as one flatMap over
   * the paced exchange rather than Effect.gen: an export page of 2 files costs its steps on
   * every page (500 pages for 1,000 files), and the generators' were a fifth of them.
   */
  const post = <A>(
    path: string,
    body: Record<string, unknown>,
    pace: SlidingWindowLimiter,
    what: string,
    decode: (json: unknown) => Either.Either<A, string>,
    objectId?: string
  ): Effect.Effect<A, ApiError> => {
    const exchange = Effect.flatMap(http.execute(HttpClientRequest.post(path).pipe(HttpClientRequest.bodyUnsafeJson(body))), (response) =>
      Effect.map(readAnswer(response, what), (text) => ({ status: response.status, headers: response.headers, text }))
    ).pipe(
      // The client times the request out (request_timeout_seconds, apiTransport.ts) as a RequestError.
      Effect.catchTag("RequestError", "ResponseError", (error) => Effect.fail(transportFailure(what, error.cause, error.message)))
    )
    // The client's timeout starts once the limiter lets the request go: waiting for room is not silence.
    return Effect.flatMap(pace.pace(exchange), ({ status, headers, text: answered }): Effect.Effect<A, ApiError> => {
      const verdict = statusVerdict(status, "api", { aboutObject: objectId !== undefined })
      // What a message may quote of the answer, the token masked before any of it is cut
      // (status.ts, answers.ts): an error body that repeats the Authorization header, cut inside
      // the token, would show its first characters, which the output's redaction (whole tokens
      // only) cannot know. A 200's own data (the cursor sent back, the URLs fetched) is left as
      // it came.
      const shown = () => maskAnswer(answered, Redacted.value(settings.apiToken))
      const text = verdict === "ok" ? answered : shown()
      switch (verdict) {
        case "ok":
          break
        case "auth":
          return Effect.fail(new ApiAuthError({ status, message: `${what}: HTTP ${status} ${apiMessage(text)}` }))
        case "object-refused": {
          const own = apiError(text)
          return Effect.fail(
            new ObjectRefused({
              objectId: objectId!,
              status,
              code: own?.code,
              detail: own?.message ?? apiMessage(text),
              message: `${what}: HTTP ${status} ${apiMessage(text)}`
            })
          )
        }
        case "rate-limited":
          return Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const limited = rateLimitFrom(headers["retry-after"], now, what)
            // The API's quota is the organisation's: every stream holds off until it resets.
            return limited._tag === "RateLimited" && limited.retryAtMs !== undefined
              ? Effect.zipRight(pace.pauseUntil(limited.retryAtMs), Effect.fail(limited))
              : Effect.fail(limited)
          })
        case "transient":
          return Effect.fail(new TransientError({ what, message: `HTTP ${status} ${apiMessage(text)}` }))
        case "expired":
        case "rejected":
          return Effect.fail(new ApiRequestError({ status, message: `${what}: HTTP ${status} ${apiMessage(text)}` }))
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return Effect.fail(new InvalidResponse({ what, message: `the API answered with invalid JSON: ${apiMessage(shown())}` }))
      }
      const decoded = decode(json)
      if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
      // Worded again from the masked answer (the message cuts what it quotes of it).
      const masked = decode(JSON.parse(shown()))
      return Effect.fail(
        new InvalidResponse({
          what,
          message: Either.isLeft(masked) ? masked.left : maskSecret(decoded.left, Redacted.value(settings.apiToken), true)
        })
      )
    })
  }

  const objectsPage = (paginationToken: string | undefined) =>
    withRetry(
      post(
        "/external/v2/objects",
        paginationToken === undefined ? {} : { paginationToken },
        limiter.objects,
        "listing exportable objects",
        decodeObjects
      ),
      retry
    )

  const listObjects = paginate(objectsPage, (page) => page.paginationToken ?? undefined, {
    what: "listing exportable objects",
    tokenName: "paginationToken"
  }).pipe(
    Stream.mapConcat((page) => page.objects),
    Stream.map((object): ExportableObject => ({ id: object.id, name: object.name ?? object.id, description: object.description ?? "" })),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray)
  )

  const exportPage = (request: ExportRequest) =>
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
        describeExport(request),
        decodeExportPage,
        request.objectId
      ),
      retry
    )

  return EnterpretApi.of({ listObjects, exportPage })
})

export const EnterpretApiLive = Layer.effect(EnterpretApi, makeEnterpretApi)
