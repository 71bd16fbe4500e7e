/**
 * `Retry-After` as epoch ms: either delay-seconds or an HTTP date (RFC 9110). Undefined when
 * absent or unreadable, so that the caller falls back to its own backoff.
 */
export const retryAtFrom = (header: string | undefined, nowMs: number): number | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return nowMs + Math.ceil(Number(text) * 1000)
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(nowMs, date)
}
