import { Schema } from "effect"

/** 401 from the API (or 403 to the objects list): the token is wrong or lacks rights. Stops the whole sync. */
export class ApiAuthError extends Schema.TaggedError<ApiAuthError>()("ApiAuthError", {
  status: Schema.Number,
  message: Schema.String
}) {}

/** 400 from the API: the connector sent something the API rejects; a bug, not worth retrying. */
export class ApiRequestError extends Schema.TaggedError<ApiRequestError>()("ApiRequestError", {
  status: Schema.Number,
  message: Schema.String
}) {}

/**
 * 403 or 404 from the export endpoint: this object is not exportable with this token (Enterpret's
 * rights may be per object) or not at all. Fails its stream alone. `code` and `detail` are the
 * API's own `{"error": {code, message}}` when the body was that, else the body (cut short).
 */
export class ObjectRefused extends Schema.TaggedError<ObjectRefused>()("ObjectRefused", {
  objectId: Schema.String,
  status: Schema.Number,
  code: Schema.optional(Schema.String),
  detail: Schema.String,
  message: Schema.String
}) {}

/** 429: retried after `Retry-After` (epoch ms of the earliest retry) when the server said so. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  what: Schema.String,
  retryAtMs: Schema.optional(Schema.Number)
}) {}

/**
 * A 429 whose `Retry-After` asks for a longer wait than one wait may take (`MAX_WAIT_MS` in
 * retryAfter.ts): the stream stops with a message instead of waiting silently for years.
 * `retryAfter` is the header as it may be shown (cut short).
 */
export class WaitTooLong extends Schema.TaggedError<WaitTooLong>()("WaitTooLong", {
  what: Schema.String,
  retryAfter: Schema.String,
  waitMs: Schema.Number
}) {}

/** A 5xx, a timeout, a reset connection or a download that broke off: all worth retrying. */
export class TransientError extends Schema.TaggedError<TransientError>()("TransientError", {
  what: Schema.String,
  message: Schema.String
}) {}

/**
 * The host's TLS certificate could not be verified (self-signed, signed by a CA Node does not
 * know, expired, made for another name): asking again gets the same answer, so it is not retried
 * (8 retries took 3 minutes, then said the next sync would resume). Most often a proxy that
 * intercepts TLS, whose CA Node has to be given. `code` is Node's (OpenSSL's) name for it.
 */
export class CertificateRejected extends Schema.TaggedError<CertificateRejected>()("CertificateRejected", {
  what: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

/** The API answered 200 with something that is not the documented JSON. */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>()("InvalidResponse", {
  what: Schema.String,
  message: Schema.String
}) {}

/**
 * The file host refused a signed URL as expired (403, or S3's 400 ExpiredToken), so the page must
 * be asked for again. `code` is the host's error `<Code>`, when its body had one.
 */
export class UrlExpired extends Schema.TaggedError<UrlExpired>()("UrlExpired", {
  file: Schema.String,
  status: Schema.optional(Schema.Number),
  code: Schema.optional(Schema.String)
}) {}

/** The file host answered with a status that retrying will not change (e.g. 404), with its `<Code>` and `<Message>` when given. */
export class DownloadRejected extends Schema.TaggedError<DownloadRejected>()("DownloadRejected", {
  file: Schema.String,
  status: Schema.Number,
  code: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String)
}) {}

/** The file host answered 200 with a body that cannot be a CSV: an HTML or XML page, or a coding not decoded. */
export class UnreadableBody extends Schema.TaggedError<UnreadableBody>()("UnreadableBody", {
  file: Schema.String,
  detail: Schema.String
}) {}

export type ApiError =
  | ApiAuthError
  | ApiRequestError
  | ObjectRefused
  | RateLimited
  | WaitTooLong
  | TransientError
  | InvalidResponse
  | CertificateRejected

export type DownloadError =
  | UrlExpired
  | DownloadRejected
  | UnreadableBody
  | RateLimited
  | WaitTooLong
  | TransientError
  | CertificateRejected

export const isRetryable = (error: { readonly _tag: string }): error is RateLimited | TransientError =>
  error._tag === "RateLimited" || error._tag === "TransientError"

/** A signed URL without its query string, which holds the signature. */
export const withoutSignature = (url: string): string => {
  const cut = url.search(/[?#]/)
  return cut === -1 ? url : url.slice(0, cut)
}
