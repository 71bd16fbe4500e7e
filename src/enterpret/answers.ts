import type { HttpClientResponse } from "@effect/platform"
import { Effect, Either, type ParseResult, Schema, Stream } from "effect"
import { InvalidResponse, withoutSignature } from "./errors.js"

// What the Export API's answers must be, and how one is read and decoded: the bound on its size,
// the shapes of the objects list and of an export page, and the file URLs a page may list.
// client.ts sends the requests and judges their status; this reads what a 200 brought.

export interface ExportPage {
  readonly files: ReadonlyArray<string>
  readonly cursor: string | undefined
}

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
export const readAnswer = (response: HttpClientResponse.HttpClientResponse, what: string) => {
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

/** A query parameter's name, lower-cased and percent-decoded (`X%2DAmz%2DSignature`). */
const parameterName = (parameter: string): string => {
  const eq = parameter.indexOf("=")
  const name = eq === -1 ? parameter : parameter.slice(0, eq)
  if (!name.includes("%")) return name.toLowerCase()
  try {
    return decodeURIComponent(name).toLowerCase()
  } catch {
    return name.toLowerCase()
  }
}

/**
 * The parameters that sign a URL rather than name a file: they change each time the API signs
 * the same file again (a later page, a fresh URL for an expired one). AWS SigV4 (`X-Amz-*`) and
 * GCS V4 (`X-Goog-*`) by their prefix, a signature by its name (`Signature`, Azure SAS's `sig`);
 * a scheme's other short names only beside its signature (SigV2, GCS V2 and CloudFront's
 * `Expires`, `Policy`, … beside `Signature`; SAS's start and expiry beside `sig`), so that a host
 * whose files are named by `st` or `policy` keeps them apart.
 */
const SIGNATURES = new Set(["signature", "sig"])
const BESIDE_SIGNATURE = new Set(["expires", "awsaccesskeyid", "googleaccessid", "key-pair-id", "policy"])
const BESIDE_SIG = new Set(["st", "se", "skt", "ske"])

/**
 * Which file a signed URL is, whatever its signature: the URL without its fragment and without
 * the query parameters that sign it, the others kept, in order of name (equal names in their
 * order). A window reads each file once however many pages list it, and an expired URL's file is
 * found again on a fresh page by it. S3's URLs (Enterpret's) name the file by their path alone; a
 * file host that names it in the query (`/download?key=a.csv&X-Amz-Signature=…`) keeps `key`,
 * where cutting the whole query made two files one and silently dropped the second. A host that
 * signs with a parameter not known here makes each listing of a file look new: a file listed on
 * two pages of a window is read twice (its records upserted downstream by their key), and an
 * expired URL's file is found by its path when no other file of the fresh answer shares it
 * (pageRefresher.ts).
 */
export const fileIdentity = (url: string): string => {
  const query = url.indexOf("?")
  const fragment = url.indexOf("#")
  if (query === -1 || (fragment !== -1 && fragment < query)) return fragment === -1 ? url : url.slice(0, fragment)
  const parameters = url
    .slice(query + 1, fragment === -1 ? undefined : fragment)
    .split("&")
    .filter((parameter) => parameter !== "")
    .map((parameter) => ({ parameter, name: parameterName(parameter) }))
  const names = new Set(parameters.map((p) => p.name))
  const signature = names.has("signature")
  const sig = names.has("sig")
  const kept = parameters.filter(
    ({ name }) =>
      !name.startsWith("x-amz-") &&
      !name.startsWith("x-goog-") &&
      !SIGNATURES.has(name) &&
      !(signature && BESIDE_SIGNATURE.has(name)) &&
      !(sig && BESIDE_SIG.has(name))
  )
  // Array.prototype.sort is stable: `key=a&key=b` and `key=b&key=a` stay two files.
  kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return kept.length === 0 ? url.slice(0, query) : `${url.slice(0, query)}?${kept.map((p) => p.parameter).join("&")}`
}

/** A URL in a message: no query (a signature), no user:pass@, at most 100 characters (a data: URL holds a file). */
const shownUrl = (url: string): string => {
  const bare = withoutSignature(url).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1")
  return bare.length > 100 ? `${bare.slice(0, 100)}…` : bare
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
export const decodeObjects = (json: unknown) => Either.mapLeft(decodeObjectsResponse(json), unexpectedShape)

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
