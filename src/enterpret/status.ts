import { Option, Schema } from "effect"

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
  /** 403 from the file host: the signed URL expired. */
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

export const statusVerdict = (status: number, endpoint: Endpoint, options?: { readonly aboutObject?: boolean }): StatusVerdict => {
  if (status >= 200 && status < 300) return "ok"
  if (status === 429) return "rate-limited"
  if (status >= 500 || status === 408) return "transient"
  if (endpoint === "api") {
    if (status === 401) return "auth"
    if (status === 403 || status === 404) return options?.aboutObject === true ? "object-refused" : status === 403 ? "auth" : "rejected"
  } else if (status === 403) {
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
