import { describe, expect, it } from "vitest"
import { RecordEncoder } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope, singerRecordEnvelope } from "../src/output/recordEnvelope.js"

// Columns left out of the records (deselected in a Singer catalog), set per file at encoder set-up.

const utf8 = new TextEncoder()
const decoder = new TextDecoder()

/** Deterministic pseudo-random numbers (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const envelope = airbyteRecordEnvelope("s", "2025-12-13T00:00:00Z", "https://files.test/s.csv", 1_700_000_000_000)

const encode = (
  chunks: ReadonlyArray<Uint8Array>,
  excluded: ReadonlyArray<string> | undefined,
  options: { skipRows?: number; envelope?: typeof envelope } = {}
) => {
  const encoder = new RecordEncoder({
    envelope: options.envelope ?? envelope,
    skipRows: options.skipRows ?? 0,
    ...(excluded === undefined ? {} : { excludedColumns: new Set(excluded) })
  })
  let out = ""
  for (const chunk of chunks) {
    out += decoder.decode(encoder.push(chunk))
    encoder.release()
  }
  out += decoder.decode(encoder.end())
  encoder.release()
  return { out, encoder }
}

/** What leaving `excluded` out must give: every record of the full encoding without those keys. */
const without = (full: string, excluded: ReadonlyArray<string>) =>
  full
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const message = JSON.parse(line) as { record: { data: Record<string, unknown> } }
      for (const column of excluded) delete message.record.data[column]
      return `${JSON.stringify(message)}\n`
    })
    .join("")

const chunkings = (bytes: Uint8Array): Array<Array<Uint8Array>> => {
  const next = random(bytes.length)
  const randomly = (maxSize: number) => {
    const chunks: Array<Uint8Array> = []
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(next() * maxSize)
      chunks.push(bytes.subarray(at, at + size))
      at += size
    }
    return chunks
  }
  return [[bytes], Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)), randomly(7), randomly(64)]
}

// Quoted commas, quotes and newlines, CRLF, an empty line, null and "" cells, non-ASCII, a BOM,
// no final newline: every way a cell can end, in every column.
const CSV =
  '\uFEFFrecord_id,text,score,note\r\nr1,"hello, ""world""",5,\r\n\r\nr2,"",,"x\ny"\nr3,plain é,"007",last\nr4,,"",' +
  '"a long cell that spans several chunks ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓"'
const COLUMNS = ["record_id", "text", "score", "note"]

describe("RecordEncoder: excluded columns", () => {
  const full = encode([utf8.encode(CSV)], undefined).out

  it.each([
    ["none", []],
    ["the first", ["record_id"]],
    ["a middle one", ["text"]],
    ["the last", ["note"]],
    ["two apart", ["record_id", "score"]],
    ["all but one", ["record_id", "text", "note"]],
    ["one the header does not have", ["absent"]]
  ])("leaves out %s, byte for byte the full records without those keys, however the file is chunked", (_what, excluded) => {
    expect(full.split("\n").filter((l) => l !== "")).toHaveLength(4)
    const expected = without(full, excluded)
    for (const chunks of chunkings(utf8.encode(CSV))) {
      const { out, encoder } = encode(chunks, excluded)
      expect(out).toBe(expected)
      // The header is still the file's: the engine compares it with the schema.
      expect(encoder.header).toEqual(COLUMNS)
      expect(encoder.rowsEmitted).toBe(4)
    }
  })

  it("leaves out every column: the data object holds only the added fields (Airbyte and Singer)", () => {
    const singer = singerRecordEnvelope("s", "2025-12-13T00:00:00Z", "https://files.test/s.csv", 1_700_000_000_000)
    for (const frame of [envelope, singer]) {
      const { out } = encode([utf8.encode(CSV)], COLUMNS, { envelope: frame })
      const lines = out.trimEnd().split("\n")
      expect(lines).toHaveLength(4)
      for (const line of lines) {
        const message = JSON.parse(line) as { record: { data?: Record<string, unknown> } & Record<string, unknown> }
        const data = message.record.data ?? message.record
        expect(data).toEqual({ _ab_export_window_end: "2025-12-13T00:00:00Z", _ab_source_file_url: "https://files.test/s.csv" })
      }
    }
  })

  it("resumes after skipped rows and still fails a row with a wrong cell count, naming its line", () => {
    const { out } = encode([utf8.encode(CSV)], ["text"], { skipRows: 2 })
    expect(out).toBe(without(full, ["text"]).split("\n").slice(2).join("\n"))
    expect(() => encode([utf8.encode("a,b,c\n1,2,3\n4,5\n")], ["b"])).toThrow(/line 3/)
  })
})
