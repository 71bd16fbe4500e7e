import { Option, Schema } from "effect"
import { CertificateRejected, TransientError } from "./errors.js"

/**
 * What an HTTP status means to the connector, for the API and the file host alike: the one table
 * both `client.ts` and `download.ts` read, as the Airbyte CDK keeps its error mapping in one
 * place. Each caller turns the verdict into its own tagged error (the API names the object, the
 * file host the file), but which statuses are retried, waited out or final is decided here.
 */
export type StatusVerdict =
  /** 2xx: read the body. */
  | "ok"
  /** 401 from the API, or 403 to a request about no one object (the objects list): the token. */
  | "auth"
  /** 403 from the file host, or 400 whose body says so (S3's ExpiredToken): the signed URL expired. */
  | "expired"
  /**
   * 403 or 404 from the export endpoint: this object is not exportable with this token (rights
   * may be per object), or not at all. Its stream fails; the others go on.
   */
  | "object-refused"
  /** 429: wait as `Retry-After` says, then retry. */
  | "rate-limited"
  /** 5xx, 408: retry after the backoff. */
  | "transient"
  /** Anything else: retrying will not change it. */
  | "rejected"

export type Endpoint = "api" | "file-host"

export const statusVerdict = (
  status: number,
  endpoint: Endpoint,
  options?: {
    /** The request is about one object (the export endpoint). */
    readonly aboutObject?: boolean
    /** The file host's error body says the URL expired (`isExpiry`), whatever the status. */
    readonly expiredByBody?: boolean
  }
): StatusVerdict => {
  if (status >= 200 && status < 300) return "ok"
  if (status === 429) return "rate-limited"
  if (status >= 500 || status === 408) return "transient"
  if (endpoint === "api") {
    if (status === 401) return "auth"
    if (status === 403 || status === 404) return options?.aboutObject === true ? "object-refused" : status === 403 ? "auth" : "rejected"
  } else if (status === 403 || (status === 400 && options?.expiredByBody === true)) {
    // S3 answers 400 ExpiredToken when the temporary credentials a URL was signed with ran out,
    // before its X-Amz-Expires: an expiry like a 403, mended by fresh URLs.
    return "expired"
  }
  return "rejected"
}

const ErrorBody = Schema.Struct({ error: Schema.Struct({ code: Schema.String, message: Schema.String }) })

/** At most this much of an error body reaches a message: a hostile API's 10 MB message must not make a 10 MB TRACE. */
const MESSAGE_CHARACTERS = 200

const cut = (text: string): string => (text.length > MESSAGE_CHARACTERS ? `${text.slice(0, MESSAGE_CHARACTERS)}…` : text)

/** The API's own `{"error": {code, message}}`, each cut to 200 characters, when the body is that. */
export const apiError = (text: string): { readonly code: string; readonly message: string } | undefined =>
  Option.match(Option.flatMap(Option.liftThrowable(JSON.parse)(text), Schema.decodeUnknownOption(ErrorBody)), {
    onNone: () => undefined,
    onSome: ({ error }) => ({ code: cut(error.code), message: cut(error.message) })
  })

/** The API's `{"error": {code, message}}` as `code: message`, other bodies as they are; either cut to 200 characters. */
export const apiMessage = (text: string): string => {
  const parsed = Option.flatMap(Option.liftThrowable(JSON.parse)(text), Schema.decodeUnknownOption(ErrorBody))
  return Option.match(parsed, {
    onNone: () => cut(text) || "(empty body)",
    onSome: ({ error }) => cut(`${error.code}: ${error.message}`)
  })
}

/**
 * Node's codes (OpenSSL's verify results, and its own host-name check) for a certificate that
 * could not be verified: the answer will be the same however often it is asked.
 */
const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REJECTED",
  "INVALID_CA",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/** The code of a transport error that is a certificate Node could not verify, else undefined. */
export const certificateCode = (cause: unknown): string | undefined => {
  for (let error = cause, depth = 0; error instanceof Error && depth < 3; error = error.cause, depth++) {
    const code = (error as { code?: unknown }).code
    if (typeof code === "string" && CERTIFICATE_CODES.has(code)) return code
  }
  return undefined
}

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
/**
 * A request that failed before its answer, for the API and the file host alike: a fault worth
 * retrying, unless the host's certificate could not be verified (certificateCode).
 */
export const transportFailure = (what: string, cause: unknown, fallback: string): TransientError | CertificateRejected => {
  const message = transportMessage(cause, fallback)
  const code = certificateCode(cause)
  return code === undefined ? new TransientError({ what, message }) : new CertificateRejected({ what, code, message })
}

/**
 * The `<Code>` and `<Message>` of an S3-style XML error body (`<Error><Code>ExpiredToken</Code>
 * <Message>The provided token has expired.</Message>…`), each cut to 200 characters, when the
 * body holds them. GCS and Azure answer in the same shape.
 */
export const hostError = (text: string): { readonly code: string | undefined; readonly message: string | undefined } => {
  const field = (name: string) => {
    const match = new RegExp(`<${name}>([^<]{1,1000})</${name}>`).exec(text)
    return match === null ? undefined : cut(match[1]!.trim())
  }
  return { code: field("Code"), message: field("Message") }
}

/**
 * S3's codes for a signed URL whose credentials or signature time ran out. A URL presigned with
 * temporary credentials dies when they do, before `X-Amz-Expires`, and S3 answers 400
 * ExpiredToken (or TokenRefreshRequired), not 403; one past `X-Amz-Expires` is 403 AccessDenied
 * "Request has expired".
 */
const EXPIRED_CODES = new Set(["ExpiredToken", "TokenRefreshRequired", "RequestExpired"])
export const isExpiry = (error: { readonly code: string | undefined; readonly message: string | undefined }): boolean =>
  (error.code !== undefined && EXPIRED_CODES.has(error.code)) || /request has expired/i.test(error.message ?? "")
