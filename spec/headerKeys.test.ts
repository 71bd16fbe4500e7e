// A header row's record keys (csv/header.ts): made once and kept for the next file with the same
// header and the same columns left out, made anew otherwise.
import { describe, expect, it } from "vitest"
import { headerKeys } from "../src/csv/header.js"

const row = (text: string) => new TextEncoder().encode(text)
const keysText = (keys: ReturnType<typeof headerKeys>) =>
  new TextDecoder().decode(keys.keyBytes.subarray(0, keys.keyEnds[keys.names.length]))

describe("headerKeys", () => {
  it("writes each column's key with the value's opening quote, the first without a separator", () => {
    const keys = headerKeys(row('"id","text",null'), undefined)
    expect(keys.names).toEqual(["id", "text", "column_3"])
    expect(keysText(keys)).toBe('"id":","text":","column_3":"')
    expect(keys.kept).toBe(3)
    expect(keys.dropped).toBeUndefined()
  })

  it("keeps the last header's keys for the same bytes and columns left out, and makes new ones otherwise", () => {
    const excluded = new Set(["text"])
    const first = headerKeys(row('"id","text"'), excluded)
    expect(headerKeys(row('"id","text"'), excluded)).toBe(first)
    // Another set of columns left out, even with the same names, is another key table.
    const other = headerKeys(row('"id","text"'), new Set(["text"]))
    expect(other).not.toBe(first)
    expect(keysText(other)).toBe('"id":""')
    expect(Array.from(other.dropped!)).toEqual([0, 1])
    const renamed = headerKeys(row('"id","body"'), undefined)
    expect(renamed.names).toEqual(["id", "body"])
    expect(headerKeys(row('"id","text"'), undefined).names).toEqual(["id", "text"])
  })
})
