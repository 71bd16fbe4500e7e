import { describe, expect, it } from "vitest"
import { floorHour, HOUR_MS, HOUR_PATTERN, parseHour, toApiTime, toCursor } from "../src/config/hours.js"

describe("parseHour", () => {
  it.each([
    ["2025-12-12", "2025-12-12T00:00:00.000Z"],
    ["2025-12-12T00:00Z", "2025-12-12T00:00:00.000Z"],
    ["2025-12-12T13:00Z", "2025-12-12T13:00:00.000Z"],
    ["2025-12-12T13:00:00Z", "2025-12-12T13:00:00.000Z"],
    ["2025-12-12T23:00:00.000Z", "2025-12-12T23:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ["2000-02-29T05:00Z", "2000-02-29T05:00:00.000Z"],
    // What Meltano passes for a date_iso8601 setting written as an unquoted YAML timestamp.
    ["2025-12-01T00:00:00+00:00", "2025-12-01T00:00:00.000Z"],
    ["2025-12-12T13:00+00:00", "2025-12-12T13:00:00.000Z"],
    ["2025-12-12T13:00:00-00:00", "2025-12-12T13:00:00.000Z"]
  ])("accepts %s", (text, expected) => {
    const ms = parseHour(text)
    expect(ms).toBeDefined()
    expect(new Date(ms!).toISOString()).toBe(expected)
  })

  it("reads the three forms of the same hour as the same instant", () => {
    expect(parseHour("2025-12-12")).toBe(Date.UTC(2025, 11, 12))
    expect(parseHour("2025-12-12T00:00Z")).toBe(Date.UTC(2025, 11, 12))
    expect(parseHour("2025-12-12T00:00:00Z")).toBe(Date.UTC(2025, 11, 12))
  })

  it.each([
    ["minutes other than 00", "2025-12-12T13:30Z"],
    ["minutes other than 00 (seconds form)", "2025-12-12T13:01:00Z"],
    ["seconds other than 00", "2025-12-12T13:00:30Z"],
    ["fractional seconds other than 0", "2025-12-12T13:00:00.5Z"],
    ["February 30th", "2025-02-30"],
    ["February 29th of a common year", "2025-02-29"],
    ["February 30th with a time", "2025-02-30T00:00Z"],
    ["April 31st", "2025-04-31T10:00:00Z"],
    ["month 13", "2025-13-01"],
    ["month 00", "2025-00-10"],
    ["day 00", "2025-01-00"],
    ["hour 24", "2025-12-12T24:00Z"],
    ["hour 25", "2025-12-12T25:00Z"],
    ["no time zone", "2025-12-12T13:00"],
    ["a time zone offset", "2025-12-12T13:00+01:00"],
    ["an offset of minutes", "2025-12-12T13:00:00+00:30"],
    ["an offset without its colon", "2025-12-12T13:00:00+0000"],
    ["a space instead of T", "2025-12-12 13:00Z"],
    ["lower-case t and z", "2025-12-12t13:00z"],
    ["hours without minutes", "2025-12-12T13Z"],
    ["a date without dashes", "20251212"],
    ["trailing text", "2025-12-12T00:00Zjunk"],
    ["leading whitespace", " 2025-12-12"],
    ["an empty string", ""],
    ["words", "yesterday"]
  ])("rejects %s (%s)", (_why, text) => {
    expect(parseHour(text)).toBeUndefined()
  })

  it("HOUR_PATTERN alone (the JSON schema's pattern) knows the calendar: month lengths, leap years, hours", () => {
    const pattern = new RegExp(HOUR_PATTERN, "u") // ajv compiles patterns with the u flag
    const pad = (n: number, width = 2) => String(n).padStart(width, "0")
    let checked = 0
    for (const year of [1900, 1999, 2000, 2023, 2024, 2025, 2100, 2400]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const date = new Date(Date.UTC(year, month - 1, day))
          const real = month >= 1 && month <= 12 && day >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
          const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}`
          expect(pattern.test(text), text).toBe(real)
          expect(parseHour(text) !== undefined, text).toBe(real)
          checked++
        }
      }
    }
    for (let hour = 0; hour <= 25; hour++) {
      for (const text of [`2024-02-29T${pad(hour)}:00Z`, `2024-02-29T${pad(hour)}:00:00Z`]) {
        expect(pattern.test(text), text).toBe(hour < 24)
        expect(parseHour(text) !== undefined, text).toBe(hour < 24)
      }
    }
    expect(checked).toBe(8 * 14 * 33)
  })

  it("HOUR_PATTERN agrees with parseHour on well-formed dates and is anchored", () => {
    const pattern = new RegExp(HOUR_PATTERN)
    expect(pattern.test("2025-12-12")).toBe(true)
    expect(pattern.test("2025-12-12T13:00Z")).toBe(true)
    expect(pattern.test("2025-12-12T13:00:00Z")).toBe(true)
    expect(pattern.test("2025-12-12T13:30Z")).toBe(false)
    expect(pattern.test("x2025-12-12")).toBe(false)
    expect(pattern.test("2025-12-12x")).toBe(false)
  })
})

describe("floorHour", () => {
  it("rounds down to the whole hour and keeps whole hours", () => {
    expect(floorHour(Date.parse("2025-12-12T13:59:59.999Z"))).toBe(Date.parse("2025-12-12T13:00:00Z"))
    expect(floorHour(Date.parse("2025-12-12T13:00:00Z"))).toBe(Date.parse("2025-12-12T13:00:00Z"))
    expect(HOUR_MS).toBe(60 * 60 * 1000)
  })
})

describe("toApiTime", () => {
  it("formats as YYYY-MM-DDTHH:MMZ", () => {
    expect(toApiTime(Date.parse("2025-12-12T13:00:00Z"))).toBe("2025-12-12T13:00Z")
    expect(toApiTime(Date.parse("2025-01-02T03:00:00Z"))).toBe("2025-01-02T03:00Z")
    expect(toApiTime(Date.parse("2025-12-12T00:00:00Z"))).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/)
  })

  it("round-trips through parseHour", () => {
    const ms = Date.parse("2025-07-04T22:00:00Z")
    expect(parseHour(toApiTime(ms))).toBe(ms)
  })
})

describe("toCursor", () => {
  it("formats as RFC 3339 YYYY-MM-DDTHH:00:00Z without milliseconds", () => {
    expect(toCursor(Date.parse("2025-12-13T00:00:00Z"))).toBe("2025-12-13T00:00:00Z")
    expect(toCursor(Date.parse("2025-01-02T03:00:00Z"))).toBe("2025-01-02T03:00:00Z")
  })

  it("round-trips through parseHour", () => {
    const ms = Date.parse("2025-07-04T22:00:00Z")
    expect(parseHour(toCursor(ms))).toBe(ms)
  })
})

describe("toApiTime and toCursor remember the last two hours", () => {
  it("an hour that cannot be formatted throws every time, not once and then another hour's text", () => {
    const far = 9e15
    expect(() => toApiTime(far)).toThrow(RangeError)
    expect(() => toApiTime(far)).toThrow(RangeError)
    expect(() => toCursor(far)).toThrow(RangeError)
    expect(() => toCursor(far)).toThrow(RangeError)
  })

  it("give each hour its own text whatever the order it is asked in (start, end, start, a third, the first again)", () => {
    const hours = ["2025-12-12T10:00:00Z", "2025-12-12T11:00:00Z", "2025-12-12T10:00:00Z", "2026-01-31T23:00:00Z", "2025-12-12T10:00:00Z"]
    for (const hour of [...hours, ...hours.slice().reverse()]) {
      const ms = Date.parse(hour)
      expect(toCursor(ms)).toBe(hour)
      expect(toApiTime(ms)).toBe(`${hour.slice(0, 16)}Z`)
      expect(toApiTime(ms + HOUR_MS)).toBe(`${new Date(ms + HOUR_MS).toISOString().slice(0, 16)}Z`)
    }
  })
})
