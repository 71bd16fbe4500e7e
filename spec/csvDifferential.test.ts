// RecordEncoder (bytes in, record bytes out) held to the records the connector wrote before it
// worked on bytes: rows from a string reader, each cell through JSON.stringify. Two readers
// stand for "before": csv-parse, the reference library, and CsvScanner, the reader it replaced.
import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join } from "node:path"
import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { CsvFileError, RecordEncoder } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../src/output/recordEnvelope.js"
import { renderCsv, styleFor } from "../integration_tests/emulator/csvWrite.js"
import { MESSAGE_HAZARDS, longText } from "../integration_tests/emulator/values.js"
import { CsvRows } from "./support/csvParseRows.js"
import { CsvScanner } from "./support/csvScannerBefore.js"
import { referenceRecords, type RowSource } from "./support/referenceRecords.js"

const envelope = airbyteRecordEnvelope('stre"am', "2025-12-13T00:00:00Z", "https://files.example.com/a b/part-1.csv", 1765584000000)
const utf8 = new TextEncoder()
const decoder = new TextDecoder()

interface CsvFile {
  readonly rows: ReadonlyArray<ReadonlyArray<{ readonly value: string | null; readonly quoted: boolean }>>
  readonly eol: string
  readonly bom: boolean
  readonly finalNewline: boolean
  readonly blankLines: boolean
}

/**
 * Each reference, and whether its error lines are the connector's: csv-parse counts the lines of
 * a quoted cell left open at the end of the file, the connector names the line the cell opened on.
 */
const READERS: ReadonlyArray<readonly [string, () => RowSource, boolean]> = [
  ["csv-parse", () => new CsvRows(), false],
  ["CsvScanner (before)", () => new CsvScanner(), true]
]

/** RecordEncoder's output over the chunks, as text, or the line it failed at. */
const encoded = (chunks: ReadonlyArray<Uint8Array>, skipRows = 0) => {
  const encoder = new RecordEncoder({ envelope, skipRows })
  const parts: Array<Uint8Array> = []
  try {
    for (const chunk of chunks) parts.push(encoder.push(chunk))
    parts.push(encoder.end())
  } catch (error) {
    if (!(error instanceof CsvFileError)) throw error
    return { out: undefined, errorLine: error.line, encoder }
  }
  // Every piece handed out is whole lines; decoded together they are the file's records.
  for (const part of parts) if (part.length > 0) expect(part[part.length - 1]).toBe(10)
  return { out: decoder.decode(Buffer.concat(parts)), errorLine: undefined, encoder }
}

const splitAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [0, ...cuts, bytes.length]
  return points.slice(1).map((end, i) => bytes.subarray(points[i]!, end))
}
const byteByByte = (bytes: Uint8Array) =>
  splitAt(
    bytes,
    Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1)
  )

/**
 * The same bytes, records and header as the reference in one chunk, byte by byte and split at
 * every single point; for a malformed file, a failure at the reference's line.
 */
const expectSameAs = (reader: () => RowSource, bytes: Uint8Array, { everyCut = true, skipRows = 0, errorLines = true } = {}) => {
  const reference = referenceRecords(reader(), [bytes], envelope, skipRows)
  const splits = [
    [bytes],
    byteByByte(bytes),
    ...(everyCut ? Array.from({ length: Math.max(0, bytes.length - 1) }, (_, cut) => splitAt(bytes, [cut + 1])) : [])
  ]
  for (const chunks of splits) {
    const got = encoded(chunks, skipRows)
    if (reference.errorLine !== undefined) {
      if (errorLines) expect(got.errorLine, `${chunks.length} chunks`).toBe(reference.errorLine)
      else expect(got.errorLine, `${chunks.length} chunks`).toBeGreaterThan(0)
    } else {
      expect(got.errorLine, `${chunks.length} chunks`).toBeUndefined()
      expect(got.out, `${chunks.length} chunks`).toBe(reference.out)
      expect(got.encoder.header).toEqual(reference.header)
      expect(got.encoder.rowsSeen).toBe(reference.rowsSeen)
    }
  }
  return reference
}

describe.each(READERS)("RecordEncoder against %s", (_name, reader, errorLines) => {
  describe("csv-spectrum", () => {
    const root = dirname(createRequire(import.meta.url).resolve("csv-spectrum/package.json"))
    const names = readdirSync(join(root, "csvs"))
      .filter((file) => file.endsWith(".csv"))
      .map((file) => basename(file, ".csv"))
    it.each(names)("%s: the same bytes, however it is chunked", (name) => {
      const reference = expectSameAs(reader, new Uint8Array(readFileSync(join(root, "csvs", `${name}.csv`))))
      // location_coordinates has bare quotes: both fail it; every other case has records.
      expect(reference.errorLine !== undefined).toBe(name === "location_coordinates")
    })
  })

  describe("the emulator's hazards", () => {
    const header = ["record_id", "message_text", "language_code", "Customer Segment", ""]
    const rows = MESSAGE_HAZARDS.map((text, i) => [
      `fbk_${i}`,
      text,
      i % 3 === 0 ? null : "fr",
      i % 4 === 0 ? "" : 'Enterprise, "Key"',
      longText(i * 13)
    ])
    it.each(Array.from({ length: 12 }, (_, i) => i))("in file style %i (CRLF or LF, BOM, final newline, quoted anyway)", (style) => {
      const bytes = utf8.encode(renderCsv(header, rows, styleFor("differential", style)))
      const reference = expectSameAs(reader, bytes, { everyCut: false })
      expect(reference.out.split("\n")).toHaveLength(MESSAGE_HAZARDS.length + 1)
      // Cut at every point of a smaller file of the same hazards.
      expectSameAs(reader, utf8.encode(renderCsv(header, rows.slice(0, 6), styleFor("differential", style))))
    })

    it("resumes with skipRows exactly as before", () => {
      const bytes = utf8.encode(renderCsv(header, rows, styleFor("differential", 1)))
      for (const skipRows of [0, 1, 5, MESSAGE_HAZARDS.length, 99]) expectSameAs(reader, bytes, { everyCut: false, skipRows })
    })
  })

  describe("random CSV, split at every boundary", () => {
    // Cells from pieces that matter to a CSV reader and a JSON writer: separators, quotes, line
    // ends, backslashes and control characters, and characters of 2, 3 and 4 UTF-8 bytes.
    const piece = fc.constantFrom(
      "a",
      "Z",
      " ",
      "0",
      ",",
      '"',
      "\n",
      "\r",
      "\r\n",
      "\\",
      "\t",
      "\u0001",
      "\u007f",
      "é",
      "€",
      "漢",
      "😀",
      "\u2028",
      "\uFEFF",
      "/"
    )
    const text = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""))
    const cell = fc.oneof(
      fc.constant({ value: null as string | null, quoted: false }),
      text.map((value) => ({ value, quoted: true })),
      text.filter((value) => value !== "" && !/[",\r\n]/.test(value)).map((value) => ({ value: value as string | null, quoted: false }))
    )
    const csv = fc.integer({ min: 1, max: 4 }).chain((columns) =>
      fc.record({
        rows: fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 5 }),
        eol: fc.constantFrom("\n", "\r\n", "\r"),
        bom: fc.boolean(),
        finalNewline: fc.boolean(),
        blankLines: fc.boolean()
      })
    )
    const render = (file: CsvFile) =>
      (file.bom ? "\uFEFF" : "") +
      file.rows
        .map((row) => row.map((c) => (c.value === null ? "" : c.quoted ? `"${c.value.replaceAll('"', '""')}"` : c.value)).join(","))
        .join(file.blankLines ? file.eol + file.eol : file.eol) +
      (file.finalNewline ? file.eol : "")

    it("gives the same records as the reference", () => {
      fc.assert(
        fc.property(csv, (file) => {
          expectSameAs(reader, utf8.encode(render(file)))
        }),
        { numRuns: 150, seed: 20251213 }
      )
    })

    it("fails at the same line when a stray quote or a missing cell breaks it", () => {
      const broken = fc.tuple(csv, fc.nat(), fc.constantFrom('"', ",", 'x"y')).map(([file, at, insert]) => {
        const rendered = render(file)
        const where = at % (rendered.length + 1)
        return rendered.slice(0, where) + insert + rendered.slice(where)
      })
      fc.assert(
        fc.property(broken, (text) => {
          expectSameAs(reader, utf8.encode(text), { errorLines })
        }),
        { numRuns: 150, seed: 7 }
      )
    })
  })
})

describe("RecordEncoder and invalid UTF-8", () => {
  // Bytes no decoder accepts as they stand: a lone continuation byte, a truncated sequence, an
  // overlong form, an encoded surrogate, a code point past U+10FFFF, bytes never used in UTF-8.
  const invalid = [
    [0x80],
    [0xc3],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xff],
    [0xfe, 0xfe],
    [0xef, 0xbb],
    // Four-byte leads whose sequence breaks whole inside a chunk (the byte-at-a-time path, `sequence`, must refuse them).
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x8f, 0xbf, 0x41],
    [0xf1, 0x80, 0x41, 0x80],
    [0xf5, 0x80, 0x80, 0x80]
  ]

  it("writes U+FFFD where TextDecoder does, in cells, keys and at chunk boundaries", () => {
    const parts: Array<number> = []
    const text = (s: string) => parts.push(...utf8.encode(s))
    text("id,")
    parts.push(0xc3, 0xa9, 0xe2) // a header name "é" and a truncated sequence
    text("\n")
    for (const bytes of invalid) {
      text('1,"a')
      parts.push(...bytes)
      text('b"\n')
      parts.push(...bytes)
      text(",")
      parts.push(...bytes)
      text("\n")
    }
    const bytes = Uint8Array.from(parts)
    const reference = expectSameAs(() => new CsvScanner(), bytes)
    expect(reference.out).toContain("\uFFFD")
    expect(reference.header).toEqual(["id", "é\uFFFD"])
    expect(reference.out.split("\n")).toHaveLength(2 * invalid.length + 1)
  })

  it("copies the four-byte sequences at the edges of their ranges, quoted and unquoted", () => {
    const edges = [
      [0xf0, 0x90, 0x80, 0x80],
      [0xf0, 0xbf, 0xbf, 0xbf],
      [0xf1, 0x80, 0x80, 0x80],
      [0xf3, 0xbf, 0xbf, 0xbf],
      [0xf4, 0x80, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf]
    ]
    const parts: Array<number> = [...utf8.encode("a,b\n")]
    for (const bytes of edges) parts.push(0x22, ...bytes, 0x22, 0x22, 0x22, 0x2c, 0x78, ...bytes, 0x0a)
    const reference = expectSameAs(() => new CsvScanner(), Uint8Array.from(parts))
    expect(reference.errorLine).toBeUndefined()
    expect(reference.out).not.toContain("\uFFFD")
    for (const bytes of edges) expect(reference.out).toContain(`"${new TextDecoder().decode(Uint8Array.from(bytes))}\\"","b":"x`)
  })

  it("gives the same across the four-bytes-at-a-time path: long cells, stops at every offset, valid and invalid UTF-8, split at every boundary", () => {
    // Runs of plain text long enough for whole words, broken by each byte a word must stop at,
    // by characters a word boundary can cut through, and in half the files now and then by an
    // invalid sequence that sends its chunk down the byte-by-byte path (in the other half every
    // chunk is valid, so whole files go through the word path).
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("abcd", "efghij", "k", "lm", "é", "日本", "😀", "€x") },
      { weight: 3, arbitrary: fc.constantFrom(",", '"', "\\", "\n", "\r\n", "\t", "\u0001", "\u007f") },
      { weight: 1, arbitrary: fc.constantFrom([0xff], [0xe2, 0x82], [0xc3], [0x80], [0xed, 0xa0, 0x80]) }
    )
    const cell = fc.record({ quoted: fc.boolean(), pieces: fc.array(piece, { minLength: 1, maxLength: 24 }) })
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 3 }), (withInvalid, rows) => {
        const parts: Array<number> = [...utf8.encode("a,b\n")]
        for (const row of rows) {
          row.forEach(({ quoted, pieces }, column) => {
            if (column > 0) parts.push(0x2c)
            if (quoted) parts.push(0x22)
            for (const p of pieces) {
              if (!withInvalid && typeof p !== "string") continue
              const bytes = typeof p === "string" ? [...utf8.encode(p)] : p
              // An unquoted cell cannot hold a separator, a quote or a line end.
              for (const b of bytes) {
                if (!quoted && (b === 0x2c || b === 0x22 || b === 0x0a || b === 0x0d)) continue
                parts.push(...(b === 0x22 ? [0x22, 0x22] : [b]))
              }
            }
            if (quoted) parts.push(0x22)
            else parts.push(0x78) // never empty: an empty unquoted cell is null, tested elsewhere
          })
          parts.push(0x0a)
        }
        expectSameAs(() => new CsvScanner(), Uint8Array.from(parts))
      }),
      { numRuns: 120, seed: 4 }
    )
  })

  it("gives the same as TextDecoder for random bytes in quoted cells, split at every boundary", () => {
    const cellBytes = fc.array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0x41, 0x22, 0xe2, 0x82, 0xac, 0xf0, 0x9f)), {
      maxLength: 8
    })
    fc.assert(
      fc.property(fc.array(cellBytes, { minLength: 1, maxLength: 4 }), (cells) => {
        const parts: Array<number> = [...utf8.encode("t\n")]
        for (const cell of cells) {
          parts.push(0x22)
          for (const b of cell) parts.push(...(b === 0x22 ? [0x22, 0x22] : [b]))
          parts.push(0x22, 0x0a)
        }
        expectSameAs(() => new CsvScanner(), Uint8Array.from(parts))
      }),
      { numRuns: 200, seed: 3 }
    )
  })
})
