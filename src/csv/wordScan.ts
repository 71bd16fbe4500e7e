// RecordEncoder's word path (recordEncoder.ts, cells): cells copied four bytes at a time.
// Which bytes of a 32-bit word a cell must stop at, and how far into a chunk words may be read.
//
// Where a little-endian 32-bit word holds a byte that a cell cannot copy as it is, the high bit
// of the first such byte is the lowest bit set in the answer (SWAR tests: "has a byte below n"
// and "has a zero byte" of the word XOR a repeated byte; their borrows only run upwards, so
// nothing below the first real match is ever set).
import { isUtf8 } from "node:buffer"

const HIGH_BITS = 0x80808080
const ONES = 0x01010101
const BELOW_SPACE = 0x20202020
const QUOTES = 0x22222222
const BACKSLASHES = 0x5c5c5c5c
const COMMAS = 0x2c2c2c2c

/** In a quoted cell: a control character (the newline among them), `"` or `\`. */
export const quotedStop = (w: number): number => {
  const q = w ^ QUOTES
  const s = w ^ BACKSLASHES
  return (((w - BELOW_SPACE) & ~w) | ((q - ONES) & ~q) | ((s - ONES) & ~s)) & HIGH_BITS
}

/** In an unquoted cell: as in a quoted one, and the comma; CR and LF are control characters. */
export const unquotedStop = (w: number): number => {
  const q = w ^ QUOTES
  const s = w ^ BACKSLASHES
  const c = w ^ COMMAS
  return (((w - BELOW_SPACE) & ~w) | ((q - ONES) & ~q) | ((s - ONES) & ~s) | ((c - ONES) & ~c)) & HIGH_BITS
}

/** Bytes of the word before its first stop byte (`stop` is not 0). */
export const beforeStop = (stop: number): number => (31 - Math.clz32(stop & -stop)) >> 3

/**
 * Where the part of `chunk` from `from` that is valid UTF-8 in whole sequences ends: the chunk's
 * end, or the start of a sequence the next chunk completes; `from` when the part holds an invalid
 * sequence. Its bytes of 0x80 and up need no check one by one (Node's isUtf8 is simdutf, at
 * several GB/s).
 */
export const validUtf8End = (chunk: Uint8Array, from: number): number => {
  const n = chunk.length
  let end = n
  for (let k = n - 1; k >= from && k >= n - 3; k--) {
    const b = chunk[k]!
    if ((b & 0xc0) === 0x80) continue
    if (b >= 0xc0 && k + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > n) end = k
    break
  }
  return end > from && isUtf8(chunk.subarray(from, end)) ? end : from
}
