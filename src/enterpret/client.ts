import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Chunk, Clock, Context, Effect, Either, Layer, type ParseResult, Schema, Stream } from "effect"
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

export const ExportResponse = Schema.Struct({
  files: Schema.NullOr(Schema.Array(Schema.String)),
  cursor: Schema.optional(Schema.NullOr(Schema.String))
})

const unexpectedShape = (error: ParseResult.ParseError) => `the API answered with an unexpected shape: ${error.message.slice(0, 500)}`

const decodeObjectsResponse = Schema.decodeUnknownEither(ObjectsResponse)
const decodeObjects = (json: unknown) => Either.mapLeft(decodeObjectsResponse(json), unexpectedShape)

const decodeExportResponse = Schema.decodeUnknownEither(ExportResponse)

/**
 * An export answer as ExportResponse decodes it, checked by hand when it is the usual one (an
 * object whose `files` is an array of strings or null and whose `cursor` is a string, null or
 * absent): the same value Schema's decoder gives, without its Either per element and issue tree,
 * a step of every page (some 20 µs of CPU a page of 2 files). Anything else goes to the Schema,
 * which judges it and words what is wrong.
 */
export const exportResponse = (json: unknown): Either.Either<typeof ExportResponse.Type, string> => {
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    // Own keys only, and every index of `files`, as the Schema reads them (JSON.parse makes
    // neither an inherited key nor a hole, but the check does not lean on that).
    const hasCursor = Object.hasOwn(json, "cursor")
    const files: unknown = Object.hasOwn(json, "files") ? (json as { readonly files: unknown }).files : undefined
    const cursor: unknown = hasCursor ? (json as { readonly cursor: unknown }).cursor : undefined
    const filesUsual = files === null || (Array.isArray(files) && allStrings(files))
    const cursorUsual = cursor === undefined || cursor === null || typeof cursor === "string"
    if (filesUsual && cursorUsual) {
      return Either.right({
        files: files as ReadonlyArray<string> | null,
        ...(hasCursor ? { cursor: cursor as string | null | undefined } : {})
      })
    }
  }
  return Either.mapLeft(decodeExportResponse(json), unexpectedShape)
}

const allStrings = (values: ReadonlyArray<unknown>): boolean => {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "string") return false
  return true
}

/** One export page as EnterpretApi gives it: its files' URLs as they may be fetched (`fileUrl`). */
export const decodeExportPage = (json: unknown): Either.Either<ExportPage, string> =>
  Either.flatMap(exportResponse(json), (page) => {
    const files = page.files ?? []
    const checked: Array<string> = []
    for (const url of files) {
      const file = fileUrl(url)
      if (typeof file !== "string") return Either.left(file.problem)
      checked.push(file)
    }
    return Either.right({ files: checked, cursor: page.cursor || undefined })
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
      Effect.catchTag("RequestError", "ResponseError", (error) =>
        Effect.fail(new TransientError({ what, message: transportMessage(error.cause, error.message) }))
      )
    )
    // The client's timeout starts once the limiter lets the request go: waiting for room is not silence.
    return Effect.flatMap(pace.pace(exchange), ({ status, headers, text }): Effect.Effect<A, ApiError> => {
      switch (statusVerdict(status, "api", { aboutObject: objectId !== undefined })) {
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
        return Effect.fail(new InvalidResponse({ what, message: `the API answered with invalid JSON: ${apiMessage(text)}` }))
      }
      const decoded = decode(json)
      return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.fail(new InvalidResponse({ what, message: decoded.left }))
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
