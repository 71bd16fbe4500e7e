import { RateLimited, WaitTooLong } from "./errors.js"

/**
 * The three HTTP-date forms of RFC 9110 (IMF-fixdate, RFC 850, asctime). Date.parse alone would
 * also read garbage such as `-5` or `abc 1` as a date in 2001, i.e. "retry now".
 */
const HTTP_DATE = [
  /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/
]

/**
 * `Retry-After` as epoch ms: either delay-seconds or an HTTP date (RFC 9110). Undefined when
 * absent or unreadable, so that the caller falls back to its own backoff; Infinity for a delay
 * too large for a number (`1` and 400 zeros).
 */
export const retryAtFrom = (header: string | undefined, nowMs: number): number | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return nowMs + Math.ceil(Number(text) * 1000)
  if (!HTTP_DATE.some((form) => form.test(text))) return undefined
  // asctime carries no zone; HTTP dates are always UTC.
  const date = Date.parse(text.endsWith("GMT") ? text : `${text} GMT`)
  return Number.isNaN(date) ? undefined : Math.max(nowMs, date)
}

/**
 * The longest single wait a `Retry-After` may ask for: 10 minutes. The API's quota is per minute
 * (10 export requests), so an honest 429 asks for at most about 60 s; 10 minutes leaves room for
 * a real outage's answer, equals the Airbyte CDK's default retry budget (max_time 600 s), and
 * stays under a signed URL's lifetime (S3's default 15 min), past which the waiting page's URLs
 * would be dead anyway. A longer ask (ten years, or a number too large to hold) fails the stream
 * with a message; the next sync resumes from its last checkpoint.
 */
export const MAX_WAIT_MS = 10 * 60_000

/** The header as a message may show it: a 400-digit number is cut. */
const shownHeader = (header: string): string => {
  const text = header.trim()
  return text.length <= 40 ? text : `${text.slice(0, 20)}… (${text.length} characters)`
}

/** A 429 answer as the error that decides what follows: a wait and a retry, or a stop. */
export const rateLimitFrom = (header: string | undefined, nowMs: number, what: string): RateLimited | WaitTooLong => {
  const retryAtMs = retryAtFrom(header, nowMs)
  if (retryAtMs !== undefined && !(retryAtMs - nowMs <= MAX_WAIT_MS)) {
    return new WaitTooLong({ what, retryAfter: shownHeader(header!), waitMs: retryAtMs - nowMs })
  }
  return new RateLimited({ what, retryAtMs })
}
