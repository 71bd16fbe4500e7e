import { Schema } from "effect"
import { HOUR_PATTERN, parseHour, START_HOUR_PATTERN } from "./hours.js"
import { expectedKind, shownValue } from "./shownValue.js"

/**
 * The one source of truth for the connector's configuration: `settings.ts` decodes with it and
 * `spec.ts` derives the `connectionSpecification` from it, so the UI form and the validation
 * cannot drift apart. Field order here is the order of the form.
 */

// Digits and date punctuation only: a mistyped date, which no token looks like, so it may be shown.
const DATE_LIKE = /^[\d:.+\- TZ]{1,40}$/

/**
 * The earliest `start_date`: Enterpret did not exist before, and a year like `0202` or `0000` is a
 * typo that asked for tens of millions of windows' worth of empty history (0.1.0 built them all
 * up front and ran out of memory).
 */
export const EARLIEST_START = "2000-01-01"

const wholeHour = (title: string, description: string, earliest?: string) =>
  Schema.String.pipe(
    Schema.filter(
      (text) => {
        if (parseHour(text) === undefined) {
          return `must be a whole UTC hour such as 2025-12-12T00:00Z, 2025-12-12T00:00:00Z or 2025-12-12, got ${shownValue(text, DATE_LIKE)}`
        }
        // Whole-hour forms all start with the year, so comparing text compares dates.
        if (earliest !== undefined && text < earliest)
          return `must be ${earliest} or later (${JSON.stringify(text)} looks like a typo of the year)`
        return true
      },
      // The same rule for the form: a year from 2000 on (a lookahead on the first digit) for start_date.
      { jsonSchema: { pattern: earliest === undefined ? HOUR_PATTERN : START_HOUR_PATTERN } }
    )
  ).annotations({ title, description, examples: ["2025-12-12T00:00Z", "2025-12-12"] })

const wholeNumber = (min: number, max: number, title: string, description: string) => {
  const message = (issue: { actual: unknown }) => `must be a whole number from ${min} to ${max}, got ${shownValue(issue.actual)}`
  return Schema.Number.pipe(
    Schema.int({ message }),
    Schema.greaterThanOrEqualTo(min, { message }),
    Schema.lessThanOrEqualTo(max, { message })
  ).annotations({ title, description })
}

const boundedInt = (min: number, max: number, fallback: number, title: string, description: string) =>
  Schema.optionalWith(wholeNumber(min, max, title, description).annotations({ default: fallback }), { default: () => fallback })

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
        pattern: "^(?:https://[^/?#@\\s]+|http://(?:localhost|127\\.\\d+\\.\\d+\\.\\d+|\\[::1\\])(?::\\d*)?)(?:/[^?#\\s]*)?$"
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
    "First UTC hour to export (2000 or later). Records created or updated in Enterpret from this hour on are synced.",
    EARLIEST_START
  ),
  end_date: Schema.optional(wholeHour("End date", "Exclusive upper bound (UTC hour). Leave empty to sync up to the last complete hour.")),
  base_url: Schema.optionalWith(BaseUrl, { default: () => DEFAULT_BASE_URL }),
  objects: Schema.optional(
    Schema.Array(ObjectId).annotations({
      title: "Objects",
      message: expectedKind('a list of object IDs such as ["feedback_record"]'),
      description: "Object IDs to offer as streams (e.g. feedback_record). Leave empty for every exportable object."
    })
  ),
  window_hours: Schema.optional(
    wholeNumber(
      1,
      8760,
      "Window size (hours)",
      "Leave empty (recommended) for adaptive windows: each stream sizes its windows from the API's answers, larger while they list few files, smaller when they run to several pages, so that a backfill spends about one export request per page of files and still checkpoints at least every 3 requests. Set it to export exactly this many hours per request window instead (the behaviour of 0.1.0, one request per window even when it is empty). State is checkpointed after each window."
    )
  ),
  lookback_hours: boundedInt(
    0,
    168,
    0,
    "Lookback (hours)",
    "An incremental read starts this many hours before its saved state, to re-read recent windows."
  ),
  settle_minutes: boundedInt(
    0,
    1440,
    15,
    "Settle time (minutes)",
    "An hour is exported only once this many minutes have passed since it ended, so that records Enterpret is still writing for it are not missed: a read's state never claims an hour younger than this. 0 exports an hour as soon as it ends."
  ),
  export_requests_per_minute: boundedInt(
    1,
    600,
    10,
    "Export requests per minute",
    "Client-side pace for the export endpoint, across all streams (Enterpret allows 10)."
  ),
  objects_requests_per_minute: boundedInt(
    1,
    600,
    60,
    "Objects requests per minute",
    "Client-side pace for the objects endpoint (Enterpret allows 60)."
  ),
  max_concurrent_downloads: boundedInt(1, 32, 4, "Concurrent downloads", "CSV files fetched at once, across all streams."),
  max_retries: boundedInt(
    0,
    50,
    8,
    "Retries per request",
    "How often a request that met a 429, a 5xx or a network fault is tried again before its stream fails."
  ),
  request_timeout_seconds: boundedInt(
    5,
    3600,
    120,
    "Request timeout (seconds)",
    "How long a request may wait for an answer, or a download for its next bytes, before it is retried."
  )
}).annotations({ title: "Enterpret Export Spec" })

export type ConfigInput = typeof ConfigSchema.Type
