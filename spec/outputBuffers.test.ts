import { describe, expect, it } from "vitest"
import { OutputBuffers } from "../src/csv/outputBuffers.js"

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe("OutputBuffers", () => {
  it("encodes text as UTF-8, multi-byte characters included", () => {
    const buffers = new OutputBuffers()
    for (const text of ['{"a":"x"}\n', "é€😀漢\n".repeat(1000), ""]) {
      const bytes = buffers.encode(text)
      expect(decode(bytes)).toBe(text)
      expect(bytes.byteLength).toBe(Buffer.byteLength(text))
      // The view starts its buffer, so the whole buffer can move between threads and come back.
      expect(bytes.byteOffset).toBe(0)
    }
  })

  it("writes into a buffer given back when it is large enough, and into a new one when not", () => {
    const buffers = new OutputBuffers()
    const first = buffers.encode("x".repeat(1000))
    const reused = first.buffer as ArrayBuffer
    buffers.give(reused)
    const second = buffers.encode("é".repeat(300))
    expect(second.buffer).toBe(reused)
    expect(decode(second)).toBe("é".repeat(300))
    buffers.give(second.buffer as ArrayBuffer)
    // 3,000 bytes do not fit in the 1,125 of the spare: a new, larger buffer.
    const third = buffers.encode("€".repeat(1000))
    expect(third.buffer).not.toBe(reused)
    expect(decode(third)).toBe("€".repeat(1000))
    expect(third.buffer.byteLength).toBeGreaterThanOrEqual(3000)
  })

  it("keeps a bounded number of spares", () => {
    const buffers = new OutputBuffers()
    const given = Array.from({ length: 40 }, () => new ArrayBuffer(64))
    for (const buffer of given) buffers.give(buffer)
    const used = new Set(Array.from({ length: 40 }, () => buffers.encode("y").buffer))
    const reused = given.filter((buffer) => used.has(buffer)).length
    expect(reused).toBeGreaterThan(0)
    expect(reused).toBeLessThan(40)
  })
})
