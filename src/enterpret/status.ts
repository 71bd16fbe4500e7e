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
  /** 401, 403 from the API: the token. */
  | "auth"
  /** 403 from the file host: the signed URL expired. */
  | "expired"
  /** 404 from the export endpoint: the object is not exportable. */
  | "not-found"
  /** 429: wait as `Retry-After` says, then retry. */
  | "rate-limited"
  /** 5xx, 408: retry after the backoff. */
  | "transient"
  /** Anything else: retrying will not change it. */
  | "rejected"

export type Endpoint = "api" | "file-host"

export const statusVerdict = (status: number, endpoint: Endpoint, options?: { readonly notFoundIsObject?: boolean }): StatusVerdict => {
  if (status >= 200 && status < 300) return "ok"
  if (status === 429) return "rate-limited"
  if (status >= 500 || status === 408) return "transient"
  if (endpoint === "api") {
    if (status === 401 || status === 403) return "auth"
    if (status === 404 && options?.notFoundIsObject === true) return "not-found"
  } else if (status === 403) {
    return "expired"
  }
  return "rejected"
}

const ErrorBody = Schema.Struct({ error: Schema.Struct({ code: Schema.String, message: Schema.String }) })

/** At most this much of an error body reaches a message: a hostile API's 10 MB message must not make a 10 MB TRACE. */
const MESSAGE_CHARACTERS = 200

const cut = (text: string): string => (text.length > MESSAGE_CHARACTERS ? `${text.slice(0, MESSAGE_CHARACTERS)}…` : text)

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
