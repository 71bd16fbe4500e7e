// `npm run bench:csv`: CSV bytes to RECORD lines on one thread, three ways on the same bytes:
// RecordEncoder (bytes to bytes), and rows as JS strings through JSON.stringify from the reader
// the connector had before it (CsvScanner) and from csv-parse. Why the connector works on bytes
// and not with csv-parse (see docs/benchmark.md, "Why not csv-parse").
import { readFileSync } from "node:fs"
import { bench, describe } from "vitest"
import { prepareBench } from "../integration_tests/emulator/bench.js"
import { RecordEncoder } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../src/output/recordEnvelope.js"
import { CsvRows } from "./support/csvParseRows.js"
import { CsvScanner } from "./support/csvScannerBefore.js"
import { referenceRecords, type RowSource } from "./support/referenceRecords.js"

const WORDS = ["login", "fails", "after", "2FA", "setup,", "crash", '"quoted"', "naïve", "café", "über", "日本語", "app"]
const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)

/** About `megabytes` of CSV: long texts with quotes, commas, newlines and non-ASCII, or 60 short columns. */
const generate = (kind: "feedback" | "wide", megabytes: number): Uint8Array => {
  const lines: Array<string> = []
  let size = 0
  lines.push(
    kind === "wide"
      ? ["record_id", ...Array.from({ length: 59 }, (_, k) => `c${k}`)].join(",")
      : "record_id,event_time,channel,message_text,language_code"
  )
  for (let i = 0; size < megabytes * 1e6; i++) {
    const line =
      kind === "wide"
        ? [`r${i}`, ...Array.from({ length: 59 }, (_, k) => (k % 7 === 0 ? "" : String((i * 31 + k) % 1000)))].join(",")
        : [
            `fbk_${i}`,
            "2025-12-12T10:30:00Z",
            "Support",
            quote(
              Array.from({ length: 20 + (i % 60) }, (_, k) => WORDS[(i + k * 7) % WORDS.length]).join(" ") +
                (i % 5 === 0 ? "\nsecond line" : "")
            ),
            "en"
          ].join(",")
    lines.push(line)
    size += line.length + 1
  }
  return new TextEncoder().encode(`${lines.join("\n")}\n`)
}

/** The string paths take seconds a run on the wide file: a few runs say enough. */
const SLOW = { iterations: 3, time: 0, warmupIterations: 0, warmupTime: 0 }

const envelope = airbyteRecordEnvelope("s", "2025-12-13T00:00:00Z", "https://host/file.csv", 0)
const inChunks = (bytes: Uint8Array) =>
  Array.from({ length: Math.ceil(bytes.length / (1 << 16)) }, (_, k) => bytes.subarray(k << 16, (k + 1) << 16))

// Each chunk's lines released once counted, as the connector does once they are written
// (src/sync/fileReader.ts): held, every chunk's output went to a new buffer, and the allocation
// was half of what was measured (feedback-like 23 ms a run against 14 released).
const encodeAll = (chunks: ReadonlyArray<Uint8Array>) => {
  const encoder = new RecordEncoder({ envelope, skipRows: 0 })
  let length = 0
  for (const chunk of chunks) {
    length += encoder.push(chunk).length
    encoder.release()
  }
  length += encoder.end().length
  encoder.release()
  return length
}
const viaStrings = (chunks: ReadonlyArray<Uint8Array>, reader: RowSource) =>
  Buffer.byteLength(referenceRecords(reader, chunks, envelope).out)

/**
 * The emulator's wide object, as `npm run bench` reads it: 60 columns of ~5-9 byte cells, half of
 * them quoted, some non-ASCII, null and "" among them (integration_tests/emulator/bench.ts), one
 * 5 MB file generated once into the temporary directory.
 */
const emulatorWide = async (): Promise<Uint8Array> => {
  const [file] = await prepareBench(
    "csv-bench",
    [{ id: "big_wide", kind: "wide", bytes: 5_000_000, files: 1 }],
    undefined,
    "2025-12-12T10:00:00Z"
  )
  return new Uint8Array(readFileSync(file!.path))
}

const cases = [
  ["feedback", generate("feedback", 5)],
  ["wide", generate("wide", 5)],
  ["emulator wide", await emulatorWide()]
] as const
for (const [kind, bytes] of cases) {
  const chunks = inChunks(bytes)
  describe(`${kind}: 5 MB of CSV to RECORD lines`, () => {
    bench("RecordEncoder (bytes to bytes)", () => {
      encodeAll(chunks)
    })
    bench(
      "CsvScanner rows + JSON.stringify (before)",
      () => {
        viaStrings(chunks, new CsvScanner())
      },
      SLOW
    )
    bench(
      'csv-parse rows (cast tells "" from an unquoted empty cell) + JSON.stringify',
      () => {
        viaStrings(chunks, new CsvRows())
      },
      SLOW
    )
  })
}

// One cell of 8 MB that spans 128 chunks, quoted and unquoted: the time must grow with the
// cell, not with its square (each byte is scanned once; the partial row is never copied per chunk).
const hugeQuoted = inChunks(new TextEncoder().encode(`id,text\n1,"${'a ""quoted"" word,\nand é😀 '.repeat(400_000)}"\n2,x\n`))
const hugeUnquoted = inChunks(new TextEncoder().encode(`id,text\n1,${"plain words and é😀 ".repeat(400_000)}\n2,x\n`))
describe("one 8 MB cell to RECORD lines", () => {
  bench("RecordEncoder, quoted", () => {
    encodeAll(hugeQuoted)
  })
  bench("RecordEncoder, unquoted", () => {
    encodeAll(hugeUnquoted)
  })
  bench(
    "csv-parse, quoted",
    () => {
      viaStrings(hugeQuoted, new CsvRows())
    },
    SLOW
  )
})
