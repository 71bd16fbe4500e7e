// The word path's pure parts (src/csv/wordScan.ts), against a byte-at-a-time reading of the same rules.
import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { beforeStop, quotedStop, unquotedStop, validUtf8End } from "../src/csv/wordScan.js"

/** The bytes a quoted cell stops at, and the ones an unquoted cell stops at besides. */
const stopsQuoted = (b: number) => b < 0x20 || b === 0x22 || b === 0x5c
const stopsUnquoted = (b: number) => stopsQuoted(b) || b === 0x2c

/** The first stop byte's index in the word's four bytes, or 4 (read as little-endian). */
const firstStop = (bytes: ReadonlyArray<number>, stops: (b: number) => boolean) => {
  const at = bytes.findIndex(stops)
  return at === -1 ? 4 : at
}

describe("quotedStop, unquotedStop and beforeStop", () => {
  // Every word made of these bytes: each stop byte, its neighbours, the edges of the control
  // range, and bytes with the high bit set (which must never stop a word, nor hide a stop).
  const bytes = [
    0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x2b, 0x2c, 0x2d, 0x41, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0x9f, 0xa0, 0xc3,
    0xe2, 0xf0, 0xff
  ]

  it("find the first byte a cell stops at in every word of 25 interesting bytes (390,625 words)", () => {
    let mismatches = 0
    const view = new DataView(new ArrayBuffer(4))
    for (const b0 of bytes)
      for (const b1 of bytes)
        for (const b2 of bytes)
          for (const b3 of bytes) {
            const word = [b0, b1, b2, b3]
            for (const [k, b] of word.entries()) view.setUint8(k, b)
            const w = view.getInt32(0, true)
            for (const [stop, stops] of [
              [quotedStop, stopsQuoted],
              [unquotedStop, stopsUnquoted]
            ] as const) {
              const expected = firstStop(word, stops)
              const found = stop(w)
              const got = found === 0 ? 4 : beforeStop(found)
              if (got !== expected) mismatches++
            }
          }
    expect(mismatches).toBe(0)
  })

  it("a stop in the top byte alone (bit 31, a negative int32) is found at 3", () => {
    expect(beforeStop(quotedStop(0x22414141))).toBe(3)
    expect(beforeStop(unquotedStop(0x0a414141))).toBe(3)
    expect(quotedStop(0x41414141)).toBe(0)
  })
})

describe("validUtf8End", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true })
  const valid = (bytes: Uint8Array) => {
    try {
      fatal.decode(bytes)
      return true
    } catch {
      return false
    }
  }
  const piece = fc.oneof(
    fc.constantFrom([0x41], [0x0a], [0xc3, 0xa9], [0xe6, 0x97, 0xa5], [0xf0, 0x9f, 0x9a, 0x80]),
    fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xff])
  )

  it("ends at the chunk's end when it is valid, before a sequence its end cuts, and never inside invalid bytes", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(), (pieces, fromSeed) => {
        const chunk = Uint8Array.from(pieces.flat())
        const from = chunk.length === 0 ? 0 : fromSeed % (chunk.length + 1)
        const end = validUtf8End(chunk, from)
        expect(end).toBeGreaterThanOrEqual(from)
        expect(end).toBeLessThanOrEqual(chunk.length)
        // What it vouches for is valid, and only a cut sequence's first bytes are left after it.
        expect(valid(chunk.subarray(from, end))).toBe(true)
        if (end > from) expect(chunk.length - end).toBeLessThanOrEqual(3)
        if (valid(chunk.subarray(from))) expect(end).toBe(chunk.length)
      }),
      { numRuns: 2_000, seed: 11 }
    )
  })

  it("stops before a sequence the chunk's end cuts, at each of its bytes", () => {
    const text = new TextEncoder().encode("ab日😀")
    expect(validUtf8End(text, 0)).toBe(text.length)
    for (let cut = 3; cut < 5; cut++) expect(validUtf8End(text.subarray(0, cut), 0)).toBe(2)
    for (let cut = 6; cut < 9; cut++) expect(validUtf8End(text.subarray(0, cut), 0)).toBe(5)
    expect(validUtf8End(Uint8Array.of(0x41, 0xff, 0x41), 0)).toBe(0)
  })
})
