import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Chunk, Clock, Context, Effect, Either, Layer, Schema, Stream } from "effect"
import { Settings } from "../config/settings.js"
import { toApiTime } from "../config/hours.js"
import { Timing } from "../config/timing.js"
import { ApiAuthError, type ApiError, ApiRequestError, InvalidResponse, ObjectRefused, TransientError, withoutSignature } from "./errors.js"
import { pager, paginate } from "./pagination.js"
import { ApiRateLimiter, type SlidingWindowLimiter } from "./rateLimiter.js"
import { withRetry } from "./retry.js"
import { rateLimitFrom } from "./retryAfter.js"
import { apiError, apiMessage, statusVerdict, transportMessage } from "./status.js"

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

/**
 * The most of one API answer that is read: 16 MB. A page of signed URLs is about 400 bytes a
 * file, so this is some 40,000 files in one page, and the objects list is a few kB; parsed, it
 * costs at most about 4x in memory. A larger answer (a proxy's error page, a runaway API: one of
 * 110 MB took 490 MB of RSS, one of 700 MB crashed the process) fails the request with a message
 * once this much has arrived, without holding more.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024

const tooLarge = (what: string) =>
  new InvalidResponse({
    what,
    message: `the API's answer was larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB, the most one answer may take (a page of files is a few kB); a proxy in base_url's path or an API fault`
  })

/** The body as text, read up to MAX_ANSWER_BYTES: a `Content-Length` above it fails before reading. */
const readAnswer = (response: HttpClientResponse.HttpClientResponse, what: string) => {
  const length = response.headers["content-length"]
  const declared = Number(length)
  if (declared > MAX_ANSWER_BYTES) return Effect.fail(tooLarge(what))
  // A declared length within the bound: Node's parser delivers no more body than it says, so the
  // answer is read whole in one step, not as a Stream of chunks (500 export requests: 1.75 s of
  // CPU through the Stream, 1.45 s read whole).
  if (length !== undefined && length !== "" && Number.isSafeInteger(declared) && declared >= 0) return response.text
  const parts: Array<Uint8Array> = []
  let size = 0
  return response.stream.pipe(
    Stream.runForEach((chunk) => {
      size += chunk.length
      if (size > MAX_ANSWER_BYTES) return Effect.fail(tooLarge(what))
      parts.push(chunk)
      return Effect.void
    }),
    Effect.map(() => Buffer.concat(parts, size).toString("utf8"))
  )
}

/**
 * A file URL from an export answer as it may be fetched: http(s) only (a `file:`, `ftp:` or
 * `data:` URL would be read from this machine or not at all, and Node's client throws on it),
 * and without `user:pass@`, which Node would send as Basic auth and which would stay in
 * `_ab_source_file_url`. Cut textually, so the signed part is left byte for byte as signed.
 */
export const fileUrl = (url: string): string | { readonly problem: string } => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { problem: `the API listed a file URL that is not a URL: ${shownUrl(url)}` }
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return { problem: `the API listed a file URL with the scheme ${shownUrl(parsed.protocol)}, not http(s): ${shownUrl(url)}` }
  }
  return parsed.username === "" && parsed.password === "" ? url : url.replace(/^(https?:\/\/)[^/?#]*@/i, "$1")
}

/** A URL in a message: no query (a signature), no user:pass@, at most 100 characters (a data: URL holds a file). */
const shownUrl = (url: string): string => {
  const bare = withoutSignature(url).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1")
  return bare.length > 100 ? `${bare.slice(0, 100)}…` : bare
}

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

  const post = <A, I>(
    path: string,
    body: Record<string, unknown>,
    pace: SlidingWindowLimiter,
    what: string,
    schema: Schema.Schema<A, I>,
    objectId?: string
  ): Effect.Effect<A, ApiError> =>
    Effect.gen(function* () {
      const exchange = Effect.gen(function* () {
        const response = yield* http.execute(HttpClientRequest.post(path).pipe(HttpClientRequest.bodyUnsafeJson(body)))
        const text = yield* readAnswer(response, what)
        return { status: response.status, headers: response.headers, text }
      }).pipe(
        // The client times the request out (request_timeout_seconds, apiTransport.ts) as a RequestError.
        Effect.catchTag("RequestError", "ResponseError", (error) =>
          Effect.fail(new TransientError({ what, message: transportMessage(error.cause, error.message) }))
        )
      )
      // The client's timeout starts once the limiter lets the request go: waiting for room is not silence.
      const { status, headers, text } = yield* pace.pace(exchange)
      switch (statusVerdict(status, "api", { aboutObject: objectId !== undefined })) {
        case "ok":
          break
        case "auth":
          return yield* new ApiAuthError({ status, message: `${what}: HTTP ${status} ${apiMessage(text)}` })
        case "object-refused": {
          const own = apiError(text)
          return yield* new ObjectRefused({
            objectId: objectId!,
            status,
            code: own?.code,
            detail: own?.message ?? apiMessage(text),
            message: `${what}: HTTP ${status} ${apiMessage(text)}`
          })
        }
        case "rate-limited": {
          const limited = rateLimitFrom(headers["retry-after"], yield* Clock.currentTimeMillis, what)
          // The API's quota is the organisation's: every stream holds off until it resets.
          if (limited._tag === "RateLimited" && limited.retryAtMs !== undefined) yield* pace.pauseUntil(limited.retryAtMs)
          return yield* limited
        }
        case "transient":
          return yield* new TransientError({ what, message: `HTTP ${status} ${apiMessage(text)}` })
        case "expired":
        case "rejected":
          return yield* new ApiRequestError({ status, message: `${what}: HTTP ${status} ${apiMessage(text)}` })
      }
      // Parsed and decoded in one step: Schema.decodeUnknownEither is synchronous, where its
      // Effect form and Effect.try cost steps of their own on every page.
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return yield* new InvalidResponse({ what, message: `the API answered with invalid JSON: ${apiMessage(text)}` })
      }
      const decoded = Schema.decodeUnknownEither(schema)(json)
      if (Either.isLeft(decoded)) {
        return yield* new InvalidResponse({
          what,
          message: `the API answered with an unexpected shape: ${decoded.left.message.slice(0, 500)}`
        })
      }
      return decoded.right
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
        ExportResponse,
        request.objectId
      ),
      retry
    ).pipe(
      Effect.flatMap((page) => {
        const files = page.files ?? []
        const checked: Array<string> = []
        for (const url of files) {
          const file = fileUrl(url)
          if (typeof file !== "string") return Effect.fail(new InvalidResponse({ what: describeExport(request), message: file.problem }))
          checked.push(file)
        }
        return Effect.succeed<ExportPage>({ files: checked, cursor: page.cursor || undefined })
      })
    )

  return EnterpretApi.of({ listObjects, exportPage })
})

export const EnterpretApiLive = Layer.effect(EnterpretApi, makeEnterpretApi)
