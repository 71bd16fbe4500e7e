/**
 * Whole UTC hours, the only granularity the Export API knows. Kept as epoch milliseconds so that
 * window arithmetic is plain integer arithmetic.
 */
export const HOUR_MS = 3_600_000

/**
 * `YYYY-MM-DD`, `YYYY-MM-DDTHH:00Z` or `YYYY-MM-DDTHH:00:00Z` (optionally `.000`), with `+00:00`
 * (or `-00:00`) in place of `Z`: Meltano hands a `date_iso8601` setting written as a YAML
 * timestamp (`start_date: 2025-12-01T00:00:00Z`, unquoted) to the tap as Python's isoformat,
 * `2025-12-01T00:00:00+00:00`. It is also the JSON schema's `pattern`, so it checks the calendar
 * itself (month lengths, leap years, hours 00-23): a form must not accept a date that the
 * connector then rejects.
 */
const MONTH_DAY = "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))"
const LEAP_YEAR = "(?:\\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
export const HOUR_PATTERN = `^(?:\\d{4}-${MONTH_DAY}|${LEAP_YEAR}-02-29)(?:T(?:[01]\\d|2[0-3]):00(?::00(?:\\.0+)?)?(?:Z|[+-]00:00))?$`
const hourRegExp = new RegExp(HOUR_PATTERN)
/** HOUR_PATTERN for a year from 2000 on (`start_date`: earlier years are typos, see config/schema.ts). */
export const START_HOUR_PATTERN = `^(?=[2-9])${HOUR_PATTERN.slice(1)}`

/** Parses one of the accepted forms into epoch ms, or undefined when it is not a real whole hour. */
export const parseHour = (text: string): number | undefined => {
  if (!hourRegExp.test(text)) return undefined
  // The pattern admits real calendar hours only, so Date.parse cannot roll a date over.
  return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)
}

export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS

/**
 * `format` remembering the last two hours it formatted: a window's pages ask for its start and
 * end again and again (a read of 1000 files listed 2 a page formats some 2,000 times, each a Date
 * and two strings), and its files for its end.
 */
const lastTwo = (format: (ms: number) => string) => {
  let lastMs = Number.NaN
  let last = ""
  let previousMs = Number.NaN
  let previous = ""
  return (ms: number): string => {
    if (ms === lastMs) return last
    if (ms === previousMs) return previous
    // Formatted before anything is remembered: an hour that throws (a RangeError past year
    // 275760) throws again next time rather than finding the text of another.
    const text = format(ms)
    previousMs = lastMs
    previous = last
    lastMs = ms
    last = text
    return text
  }
}

/** The API's request format: `YYYY-MM-DDTHH:MMZ`. */
export const toApiTime = lastTwo((ms) => `${new Date(ms).toISOString().slice(0, 16)}Z`)

/** The cursor and injected-field format: RFC 3339 `YYYY-MM-DDTHH:00:00Z`. */
export const toCursor = lastTwo((ms) => `${new Date(ms).toISOString().slice(0, 19)}Z`)
