import { Schema } from "effect"
import { HOUR_PATTERN, parseHour } from "./hours.js"
import { shownValue } from "./shownValue.js"

/**
 * The one source of truth for the connector's configuration: `settings.ts` decodes with it and
 * `spec.ts` derives the `connectionSpecification` from it, so the UI form and the validation
 * cannot drift apart. Field order here is the order of the form.
 */

// Digits and date punctuation only: a mistyped date, which no token looks like, so it may be shown.
const DATE_LIKE = /^[\d:.+\- TZ]{1,40}$/

const wholeHour = (title: string, description: string) =>
  Schema.String.pipe(
    Schema.filter((text) => parseHour(text) !== undefined, {
      message: (issue) =>
        `must be a whole UTC hour such as 2025-12-12T00:00Z, 2025-12-12T00:00:00Z or 2025-12-12, got ${shownValue(issue.actual, DATE_LIKE)}`,
      jsonSchema: { pattern: HOUR_PATTERN }
    })
  ).annotations({ title, description, examples: ["2025-12-12T00:00Z", "2025-12-12"] })

const boundedInt = (min: number, max: number, fallback: number, title: string, description: string) => {
  const message = (issue: { actual: unknown }) => `must be a whole number from ${min} to ${max}, got ${shownValue(issue.actual)}`
  return Schema.optionalWith(
    Schema.Number.pipe(
      Schema.int({ message }),
      Schema.greaterThanOrEqualTo(min, { message }),
      Schema.lessThanOrEqualTo(max, { message })
    ).annotations({ title, description, default: fallback }),
    { default: () => fallback }
  )
}

const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host)

export const DEFAULT_BASE_URL = "https://api.enterpret.com/export"

const BaseUrl = Schema.String.pipe(
  Schema.filter(
    (text) => {
      let url: URL
      try {
        url = new URL(text)
      } catch {
        return `must be an absolute URL such as ${DEFAULT_BASE_URL}, got ${shownValue(text)}`
      }
      // Only the origin is shown: a path or query may hold anything, a token pasted in the wrong field included.
      if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
        return `must use https (plain http is allowed only for localhost), got ${shownValue(text, undefined, url.origin)}`
      }
      // Paths are appended to base_url, so a query or fragment would swallow them and every
      // request would go to the base itself.
      if (url.search !== "" || url.hash !== "" || /[?#]/.test(text)) {
        return "must not have a query string or fragment (? or #): the API paths are appended to it"
      }
      // Node would turn them into Basic auth beside the Bearer token, and they would show in errors.
      if (url.username !== "" || url.password !== "") return "must not hold a user name or password (user:pass@)"
      return true
    },
    // The same rule for the form: https, or plain http to a loopback host only; no user, query or fragment.
    {
      jsonSchema: {
        pattern:
          "^(?:https://[^/?#@\\s]+|http://(?:localhost|127\\.\\d+\\.\\d+\\.\\d+|\\[::1\\])(?::\\d*)?)(?:/[^?#\\s]*)?$"
      }
    }
  )
).annotations({
  title: "API base URL",
  description: "Base of the Export API. Change it only for a proxy or a local emulator.",
  default: DEFAULT_BASE_URL,
  examples: [DEFAULT_BASE_URL]
})

const ObjectId = Schema.String.pipe(
  Schema.filter((text) => text.trim().length > 0 || "must be a non-empty object ID", { jsonSchema: { minLength: 1, pattern: "\\S" } })
)

/**
 * The token goes into an HTTP header, which takes visible ASCII only: a pasted token with an
 * accent, a typographic quote or an inner space cannot be sent, and Node would throw at the first
 * request. Said here, by position, never by value.
 */
const headerSafe = (text: string): true | string => {
  const token = text.trim()
  if (token.length === 0) return "must not be empty"
  const bad = token.search(/[^\x21-\x7e]/)
  return bad === -1
    ? true
    : `must hold only visible ASCII characters, as it is sent in an HTTP header; character ${bad + 1} of ${token.length} is not (value not shown: it is a secret)`
}

export const ConfigSchema = Schema.Struct({
  api_token: Schema.String.pipe(
    Schema.filter(headerSafe, { jsonSchema: { minLength: 1, pattern: "^\\s*[\\x21-\\x7e]+\\s*$" } })
  ).annotations({
    title: "API token",
    description: "Enterpret Export API token, sent as `Authorization: Bearer <token>`."
  }),
  start_date: wholeHour(
    "Start date",
    "First UTC hour to export. Records created or updated in Enterpret from this hour on are synced."
  ),
  end_date: Schema.optional(
    wholeHour("End date", "Exclusive upper bound (UTC hour). Leave empty to sync up to the last complete hour.")
  ),
  base_url: Schema.optionalWith(BaseUrl, { default: () => DEFAULT_BASE_URL }),
  objects: Schema.optional(
    Schema.Array(ObjectId).annotations({
      title: "Objects",
      description: "Object IDs to offer as streams (e.g. feedback_record). Leave empty for every exportable object."
    })
  ),
  window_hours: boundedInt(1, 8760, 24, "Window size (hours)", "Hours exported per request window; state is checkpointed after each window."),
  lookback_hours: boundedInt(0, 168, 0, "Lookback (hours)", "An incremental read starts this many hours before its saved state, to re-read recent windows."),
  export_requests_per_minute: boundedInt(1, 600, 10, "Export requests per minute", "Client-side pace for the export endpoint, across all streams (Enterpret allows 10)."),
  objects_requests_per_minute: boundedInt(1, 600, 60, "Objects requests per minute", "Client-side pace for the objects endpoint (Enterpret allows 60)."),
  max_concurrent_downloads: boundedInt(1, 32, 4, "Concurrent downloads", "CSV files fetched at once, across all streams."),
  max_retries: boundedInt(0, 50, 8, "Retries per request", "How often a request that met a 429, a 5xx or a network fault is tried again before its stream fails."),
  request_timeout_seconds: boundedInt(5, 3600, 120, "Request timeout (seconds)", "How long a request may wait for an answer, or a download for its next bytes, before it is retried.")
}).annotations({ title: "Enterpret Export Spec" })

export type ConfigInput = typeof ConfigSchema.Type
