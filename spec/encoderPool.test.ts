import { buildSync } from "esbuild"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { EncoderCrashed, makeEncoderPool } from "../src/csv/encoderPool.js"
import { inlineFileEncoder } from "../src/csv/fileEncoder.js"
import { Effect } from "effect"
import { CsvFileError, type FileContext } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../src/protocol/recordEnvelope.js"

// The real worker, bundled from the sources as `npm run bundle` does, and one that dies.
const dir = mkdtempSync(join(tmpdir(), "encoder-pool-"))
buildSync({
  entryPoints: [fileURLToPath(new URL("../src/csv/encodeWorker.ts", import.meta.url))],
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: join(dir, "encodeWorker.mjs"),
  logLevel: "silent"
})
const realWorker = pathToFileURL(join(dir, "encodeWorker.mjs"))
writeFileSync(join(dir, "dies.mjs"), `import { parentPort } from "node:worker_threads"\nparentPort.on("message", (m) => { if (m.type !== "open") process.exit(3) })\n`)
const dyingWorker = pathToFileURL(join(dir, "dies.mjs"))

const context = (skipRows = 0): FileContext => ({ envelope: airbyteRecordEnvelope("s", "2025-12-13T00:00:00Z", "https://host/f.csv", 0), skipRows })
const bytes = (text: string) => new TextEncoder().encode(text)
const decode = (output: Uint8Array) => new TextDecoder().decode(output)

const pools: Array<ReturnType<typeof makeEncoderPool>> = []
const pool = (size: number, url: URL) => {
  const made = makeEncoderPool(size, url)
  pools.push(made)
  return made
}
afterAll(() => Promise.all(pools.map((p) => Effect.runPromise(p.shutdown))))

describe("EncoderPool", () => {
  it("gives the same UTF-8 lines and counts as encoding on the calling thread, over several files", async () => {
    const files = ['record_id,text\n1,"a, b"\n2,\n', 'record_id,text\r\n3,"é ""q"""\r\n4,""\r\n5,x\r\n', "record_id\n"]
    const workers = pool(2, realWorker)
    for (const text of files) {
      const chunks = [bytes(text).subarray(0, 7), bytes(text).subarray(7)]
      const viaWorker = workers.open(context(1))
      const inline = inlineFileEncoder(context(1))
      // The envelope (emitted_at included) is fixed when the file is opened: the bytes are equal.
      const comparable = (chunk: { output: Uint8Array; rowsSeen: number; rowsEmitted: number }) => ({ ...chunk, output: decode(chunk.output) })
      let records = 0
      for (const step of [...chunks.map((chunk) => (e: typeof inline) => e.push(chunk)), (e: typeof inline) => e.end()]) {
        const [a, b] = await Promise.all([step(viaWorker), step(inline)])
        expect(comparable(a)).toEqual(comparable(b))
        records += a.rowsEmitted
      }
      // Data rows less the one skipped (skipRows: 1), as a resumed download would.
      expect(records).toBe(Math.max(0, text.split(/\r?\n/).filter(Boolean).length - 2))
      viaWorker.close()
    }
  })

  it("moves a chunk that owns its buffer to the worker, copies a slice, and reuses output buffers handed back", async () => {
    const encoder = pool(1, realWorker).open(context())
    const whole = bytes("record_id,text\n1,é\n")
    const first = await encoder.push(whole)
    // Moved, not copied: the main thread no longer holds the bytes.
    expect(whole.byteLength).toBe(0)
    const backing = bytes("2,x\n3,y\n")
    const slice = backing.subarray(0, 4)
    const second = await encoder.push(slice)
    expect(backing.byteLength).toBe(8)
    expect(decode(first.output)).toContain('"text":"é"')
    expect(decode(second.output)).toContain('"record_id":"2"')
    const outputs = [first.output, second.output]
    const capacities = outputs.map((output) => output.buffer.byteLength)
    const lengths = outputs.map((output) => output.byteLength)
    // Handed back, each output buffer moves to the worker and the next chunks are encoded into them.
    for (const output of outputs) encoder.recycle(output)
    expect(outputs.map((output) => output.buffer.byteLength)).toEqual([0, 0])
    // A shorter record than the last: it fits the last buffer handed back, which is what it gets
    // (a new buffer would be sized to this record).
    const third = await encoder.push(bytes('4,""\n'))
    expect(decode(third.output)).toMatch(/^\{"type":"RECORD".*"record_id":"4","text":""/)
    expect(third.output.byteLength).toBeLessThan(lengths[1]!)
    expect(third.output.buffer.byteLength).toBe(capacities[1])
    expect(third.rowsSeen).toBe(3)
    encoder.close()
  })

  it("rejects with the CSV error and the line, and answers chunks sent after it", async () => {
    const encoder = pool(1, realWorker).open(context())
    const first = encoder.push(bytes("a,b\n1,2\n3,4,5\n"))
    const after = encoder.push(bytes("6,7\n"))
    await expect(first).rejects.toBeInstanceOf(CsvFileError)
    await expect(first).rejects.toMatchObject({ line: 3 })
    await expect(after).rejects.toBeInstanceOf(CsvFileError)
  })

  it("fails a dead worker's chunks as EncoderCrashed and starts a fresh worker for the next file", async () => {
    const dying = pool(1, dyingWorker)
    const encoder = dying.open(context())
    await expect(encoder.push(bytes("a\n1\n"))).rejects.toBeInstanceOf(EncoderCrashed)
    await expect(encoder.push(bytes("2\n"))).rejects.toBeInstanceOf(EncoderCrashed)
    // The next file lands on a new worker (which dies too, but it answered: nothing hangs).
    await expect(dying.open(context()).push(bytes("a\n"))).rejects.toBeInstanceOf(EncoderCrashed)
  })
})
