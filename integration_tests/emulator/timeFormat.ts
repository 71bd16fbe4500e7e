// Time formats: the API's `YYYY-MM-DDTHH:MMZ` (and seconds), hour rounding, S3 dates.

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 24 * HOUR

const API_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?Z$/

/** Parses `YYYY-MM-DDTHH:MMZ` or `YYYY-MM-DDTHH:MM:SS[.fff]Z`; undefined when malformed. */
export function parseApiTime(s: string): number | undefined {
  const m = API_TIME.exec(s)
  if (m === null) return undefined
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "00"].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  const frac = m[7] === undefined ? 0 : Math.floor(Number(m[7]) * 1000)
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec, frac)
  if (new Date(ms).getUTCDate() !== d) return undefined // e.g. 2025-02-30
  return ms
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR) * HOUR
}

/** Accepts a Date, the API's formats, or anything `Date.parse` understands; throws otherwise. */
export function toMs(t: string | Date | number): number {
  if (typeof t === "number") return t
  if (t instanceof Date) return t.getTime()
  const api = parseApiTime(t)
  if (api !== undefined) return api
  const ms = Date.parse(t)
  if (Number.isNaN(ms)) throw new Error(`emulator: cannot parse time ${JSON.stringify(t)}`)
  return ms
}

/** `2025-12-12T10:30:00Z` */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/** `2025-12-12T10:30Z`, the document's format. */
export function isoMinutes(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`
}

/** `20251212T103000Z`, as in X-Amz-Date. */
export function amzDate(ms: number): string {
  return isoSeconds(ms).replace(/[-:]/g, "")
}

export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (m === null) return undefined
  return parseApiTime(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)
}
