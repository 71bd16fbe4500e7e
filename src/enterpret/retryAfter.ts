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
 * absent or unreadable, so that the caller falls back to its own backoff.
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
