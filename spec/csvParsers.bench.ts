// `npm run bench:csv`: the two RowReaders behind RecordEncoder on the same bytes, one thread.
// Why the connector reads CSV with CsvScanner rather than csv-parse (see README, "Benchmark").
import { bench, describe } from "vitest"
import { CsvRows } from "../src/csv/csvParser.js"
import { CsvScanner } from "../src/csv/csvScanner.js"
import { RecordEncoder } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../src/protocol/recordEnvelope.js"
import type { RowReader } from "../src/csv/rowReader.js"

const WORDS = ["login", "fails", "after", "2FA", "setup,", "crash", '"quoted"', "naïve", "café", "über", "日本語", "app"]
const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)

/** About `megabytes` of CSV: long texts with quotes, commas, newlines and non-ASCII, or 60 short columns. */
const generate = (kind: "feedback" | "wide", megabytes: number): Uint8Array => {
  const lines: Array<string> = []
  let size = 0
  lines.push(kind === "wide" ? ["record_id", ...Array.from({ length: 59 }, (_, k) => `c${k}`)].join(",") : "record_id,event_time,channel,message_text,language_code")
  for (let i = 0; size < megabytes * 1e6; i++) {
    const line =
      kind === "wide"
        ? [`r${i}`, ...Array.from({ length: 59 }, (_, k) => (k % 7 === 0 ? "" : String((i * 31 + k) % 1000)))].join(",")
        : [`fbk_${i}`, "2025-12-12T10:30:00Z", "Support", quote(Array.from({ length: 20 + (i % 60) }, (_, k) => WORDS[(i + k * 7) % WORDS.length]).join(" ") + (i % 5 === 0 ? "\nsecond line" : "")), "en"].join(",")
    lines.push(line)
    size += line.length + 1
  }
  return new TextEncoder().encode(lines.join("\n") + "\n")
}

const encodeAll = (bytes: Uint8Array, reader: RowReader) => {
  const encoder = new RecordEncoder({ envelope: airbyteRecordEnvelope("s", "2025-12-13T00:00:00Z", "https://host/file.csv", 0), skipRows: 0 }, reader)
  let length = 0
  for (let at = 0; at < bytes.length; at += 1 << 16) length += encoder.push(bytes.subarray(at, at + (1 << 16))).length
  return length + encoder.end().length
}

for (const kind of ["feedback", "wide"] as const) {
  const bytes = generate(kind, 5)
  describe(`${kind}: 5 MB of CSV to RECORD lines`, () => {
    bench("CsvScanner", () => {
      encodeAll(bytes, new CsvScanner())
    })
    bench("csv-parse (cast tells \"\" from an unquoted empty cell)", () => {
      encodeAll(bytes, new CsvRows())
    })
  })
}

// One quoted cell of 8 MB that spans 128 chunks: the time must grow with the cell, not with its
// square (CsvScanner carries the part of an open quoted field already scanned instead of
// rescanning it with each chunk).
const hugeCell = new TextEncoder().encode(`id,text\n1,"${'a ""quoted"" word,\nand é😀 '.repeat(400_000)}"\n2,x\n`)
describe("one 8 MB quoted cell to RECORD lines", () => {
  bench("CsvScanner", () => {
    encodeAll(hugeCell, new CsvScanner())
  })
  bench('csv-parse (cast tells "" from an unquoted empty cell)', () => {
    encodeAll(hugeCell, new CsvRows())
  })
})
