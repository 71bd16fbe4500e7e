import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { columnNames } from "../src/csv/header.js"
import { CsvFileError, type FileContext, RecordEncoder } from "../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../src/output/recordEnvelope.js"

const utf8 = new TextEncoder()
const bytesOf = (text: string) => utf8.encode(text)

/** Deterministic pseudo-random numbers (mulberry32), so a failing chunking can be reproduced. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Splits bytes at the given offsets. */
const splitAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [0, ...cuts, bytes.length]
  return points.slice(1).map((end, i) => bytes.subarray(points[i]!, end))
}
const byteByByte = (bytes: Uint8Array) =>
  splitAt(
    bytes,
    Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1)
  )
const randomChunks = (bytes: Uint8Array, next: () => number, maxSize: number): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(next() * maxSize)
    chunks.push(bytes.subarray(at, at + size))
    at += size
  }
  return chunks
}

type Row = ReadonlyArray<string | null>

/**
 * The header and the cells of each record the encoder writes for a file, in column order: the
 * rows, read back from the output (the fields the connector adds left out).
 */
const parseRows = (chunks: ReadonlyArray<Uint8Array>): Array<Row> => {
  const { out, encoder } = encodeChunks(chunks)
  if (encoder.header === undefined) return []
  const records =
    out === ""
      ? []
      : out
          .trimEnd()
          .split("\n")
          .map((line) => (JSON.parse(line) as RecordLine).record.data)
  return [encoder.header, ...records.map((data) => encoder.header!.map((name) => data[name]!))]
}
const rowsOf = (text: string) => parseRows([bytesOf(text)])

const FILE = {
  stream: "feedback_record",
  windowEnd: "2025-12-13T00:00:00Z",
  fileUrl: "https://files.example.com/exports/feedback_record/part-0001.csv",
  skipRows: 0
}
/** A file's context framed as Airbyte's `read` frames it, emitted_at taken now. */
const context = (overrides: Partial<typeof FILE> = {}): FileContext => {
  const file = { ...FILE, ...overrides }
  return { envelope: airbyteRecordEnvelope(file.stream, file.windowEnd, file.fileUrl, Date.now()), skipRows: file.skipRows }
}

interface RecordLine {
  readonly type: string
  readonly record: { readonly stream: string; readonly emitted_at: number; readonly data: Record<string, string | null> }
}

const decoder = new TextDecoder()
const encodeChunks = (chunks: ReadonlyArray<Uint8Array>, ctx: FileContext = context()) => {
  const encoder = new RecordEncoder(ctx)
  let out = ""
  for (const chunk of chunks) out += decoder.decode(encoder.push(chunk))
  out += decoder.decode(encoder.end())
  return { out, encoder }
}
/** The RECORD lines of a file, parsed; checks every line is one complete JSON object ending in \n. */
const recordsOf = (chunks: ReadonlyArray<Uint8Array>, ctx: FileContext = context()): Array<RecordLine> => {
  const { out } = encodeChunks(chunks, ctx)
  if (out === "") return []
  expect(out.endsWith("\n")).toBe(true)
  return out
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line) as RecordLine)
}
const dataOf = (text: string, ctx: FileContext = context()) => recordsOf([bytesOf(text)], ctx).map((r) => r.record.data)

const csvError = (run: () => unknown): CsvFileError => {
  try {
    run()
  } catch (error) {
    if (error instanceof CsvFileError) return error
    throw error
  }
  throw new Error("expected a CsvFileError")
}
const encodeError = (chunks: ReadonlyArray<Uint8Array>) => csvError(() => encodeChunks(chunks))

describe("RecordEncoder: cells", () => {
  it("reads an unquoted empty cell as null and a quoted empty cell as the empty string", () => {
    expect(rowsOf('a,b,c,d\n,"",x,\n')).toEqual([
      ["a", "b", "c", "d"],
      [null, "", "x", null]
    ])
  })

  it("keeps whitespace and text that looks like numbers, dates or JSON as text", () => {
    expect(rowsOf('a,b,c,d\n 1 ,007,2025-12-12,"{""k"": 1}"\n')).toEqual([
      ["a", "b", "c", "d"],
      [" 1 ", "007", "2025-12-12", '{"k": 1}']
    ])
  })

  it("keeps commas, doubled quotes, LF, CRLF and CR inside quoted cells", () => {
    expect(rowsOf('a,b\r\n"x, y","say ""hi"""\r\n"line1\nline2","l1\r\nl2\rl3"\r\n')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["line1\nline2", "l1\r\nl2\rl3"]
    ])
  })

  it("drops a UTF-8 byte-order mark, and only at the start of the file", () => {
    expect(rowsOf("\uFEFFid,name\n1,\uFEFFx\n")).toEqual([
      ["id", "name"],
      ["1", "\uFEFFx"]
    ])
  })

  it("drops a quoted first header's byte-order mark too", () => {
    expect(rowsOf('\uFEFF"id",name\n1,2\n')[0]).toEqual(["id", "name"])
  })
})

describe("RecordEncoder: line endings", () => {
  const expected = [
    ["a", "b"],
    ["1", "2"],
    ["3", "4"]
  ]
  it.each([
    ["LF", "a,b\n1,2\n3,4\n"],
    ["CRLF", "a,b\r\n1,2\r\n3,4\r\n"],
    ["CR", "a,b\r1,2\r3,4\r"],
    ["LF without a final newline", "a,b\n1,2\n3,4"],
    ["CRLF without a final newline", "a,b\r\n1,2\r\n3,4"],
    ["LF first, then CRLF", "a,b\n1,2\r\n3,4\r\n"],
    ["CRLF first, then LF", "a,b\r\n1,2\n3,4\n"],
    ["blank lines between rows", "a,b\n\n1,2\r\n\r\n3,4\n\n"]
  ])("ends rows at %s", (_what, text) => {
    expect(rowsOf(text)).toEqual(expected)
    expect(parseRows(byteByByte(bytesOf(text)))).toEqual(expected)
  })

  it("never merges two rows of a one-column file whose line endings are mixed", () => {
    expect(rowsOf("a\r\n1\n2\r\n")).toEqual([["a"], ["1"], ["2"]])
  })
})

describe("RecordEncoder: chunk boundaries", () => {
  // Multi-byte characters of every UTF-8 length (é: 2, €: 3, 𝄞 and 😀: 4), a BOM, quoted
  // separators, quoted and unquoted empties, both line endings and a cell that spans lines.
  const text =
    "\uFEFFrecord_id,text,lang,score\r\n" +
    'r1,"Très bien, merci — 10€ ""cheap""",fr,\r\n' +
    'r2,"multi\r\nline 😀 text",,""\r\n' +
    "r3,𝄞 music,en,5\n" +
    'r4,"ʤ, ü, 漢字",zh,"1,5"\r\n' +
    'r5,"ends with quote""",,\n'
  const bytes = bytesOf(text)
  const whole = parseRows([bytes])

  it("parses the sample as expected when given in one chunk", () => {
    expect(whole).toEqual([
      ["record_id", "text", "lang", "score"],
      ["r1", 'Très bien, merci — 10€ "cheap"', "fr", null],
      ["r2", "multi\r\nline 😀 text", null, ""],
      ["r3", "𝄞 music", "en", "5"],
      ["r4", "ʤ, ü, 漢字", "zh", "1,5"],
      ["r5", 'ends with quote"', null, null]
    ])
  })

  it("gives the same rows fed byte by byte", () => {
    expect(parseRows(byteByByte(bytes))).toEqual(whole)
  })

  it("gives the same rows whichever single point the bytes are split at (inside characters too)", () => {
    let insideCharacter = 0
    for (let cut = 1; cut < bytes.length; cut++) {
      // A UTF-8 continuation byte (10xxxxxx) after the cut means the cut split a character.
      if ((bytes[cut]! & 0xc0) === 0x80) insideCharacter++
      expect(parseRows(splitAt(bytes, [cut])), `cut at ${cut}`).toEqual(whole)
    }
    expect(insideCharacter).toBeGreaterThan(10)
  })

  it("gives the same rows for random chunk sizes", () => {
    const next = random(20251213)
    for (let round = 0; round < 200; round++) {
      expect(parseRows(randomChunks(bytes, next, 1 + (round % 17))), `round ${round}`).toEqual(whole)
    }
  })

  it("gives the same records for random chunk sizes", () => {
    const strip = (records: ReadonlyArray<RecordLine>) => records.map((r) => r.record.data)
    const expected = strip(recordsOf([bytes]))
    expect(expected).toHaveLength(5)
    expect(strip(recordsOf(byteByByte(bytes)))).toEqual(expected)
    const next = random(42)
    for (let round = 0; round < 100; round++) {
      expect(strip(recordsOf(randomChunks(bytes, next, 1 + (round % 23)))), `round ${round}`).toEqual(expected)
    }
  })

  it("gives the same records and error lines for one large chunk as for many small ones", () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `r${i},"row ${i}: ${'é😀, ""'.repeat(i % 7)}\nnext",x${i % 13},${i}\r\n`)
    const big = bytesOf(`record_id,text,lang,score\r\n${rows.join("")}`)
    expect(big.length).toBeGreaterThan(100_000)
    const strip = (records: ReadonlyArray<RecordLine>) => records.map((r) => r.record.data)
    const expected = strip(recordsOf([big]))
    expect(expected).toHaveLength(3000)
    expect(expected[2999]).toMatchObject({
      record_id: "r2999",
      text: `row 2999: ${'é😀, "'.repeat(2999 % 7)}\nnext`,
      lang: "x9",
      score: "2999"
    })
    expect(strip(recordsOf(randomChunks(big, random(7), 5000)))).toEqual(expected)
    // A short row deep in the chunk: each row spans two lines, so row 2500 starts on line 5002.
    const broken = bytesOf(`record_id,text,lang,score\r\n${rows.slice(0, 2500).join("")}r2500,only two\r\n`)
    expect(csvError(() => encodeChunks([broken])).line).toBe(5002)
    expect(csvError(() => encodeChunks(randomChunks(broken, random(8), 3000))).line).toBe(5002)
  })

  it("reads a cell that spans hundreds of chunks, with escaped quotes and newlines cut anywhere", () => {
    const cell = 'say ""hi"",\nthen é😀 '.repeat(2000)
    const good = bytesOf(`id,text\n1,"${cell}"\n2,x\n`)
    const bad = bytesOf(`id,text\n1,"${cell}"\n2,x\n3\n`)
    const inChunksOf = (bytes: Uint8Array, size: number) =>
      splitAt(
        bytes,
        Array.from({ length: Math.floor((bytes.length - 1) / size) }, (_, k) => (k + 1) * size)
      )
    for (const size of [7, 64, 1000]) {
      expect(parseRows(inChunksOf(good, size)), `chunks of ${size}`).toEqual([
        ["id", "text"],
        ["1", cell.replaceAll('""', '"')],
        ["2", "x"]
      ])
      // Row 3 is short; it starts after the cell's 2,000 newlines.
      expect(csvError(() => encodeChunks(inChunksOf(bad, size))).line, `chunks of ${size}`).toBe(2004)
    }
  })

  it.each([
    ["unquoted", (cell: string) => cell],
    ["quoted", (cell: string) => `"${cell}"`]
  ])("works linearly through one 20 MB %s cell in 64 KiB chunks (bytes moved, not time)", (_what, write) => {
    // Each byte is scanned once (the scanner never goes back in a chunk, nor over an earlier
    // one); what else it does is move output: growing the buffer and keeping a partial row at
    // its start. Both must stay within a small multiple of the cell, however many chunks it
    // spans: a rescan or a copy of the partial row per chunk would be 300 times the cell here.
    for (const megabytes of [1, 20]) {
      const unit = "plain words é😀 and more "
      const cell = unit.repeat(Math.round((megabytes * 1e6) / Buffer.byteLength(unit)))
      const bytes = bytesOf(`id,text\n1,${write(cell)}\n2,x\n`)
      const encoder = new RecordEncoder(context())
      let out = 0
      const lines: Array<Uint8Array> = []
      for (let at = 0; at < bytes.length; at += 1 << 16) {
        const piece = encoder.push(bytes.subarray(at, at + (1 << 16)))
        out += piece.length
        if (piece.length > 0) lines.push(piece)
      }
      lines.push(encoder.end())
      expect(encoder.rowsEmitted).toBe(2)
      expect(encoder.bytesMoved / bytes.length, `${megabytes} MB`).toBeLessThan(4)
      const first = JSON.parse(decoder.decode(Buffer.concat(lines)).split("\n")[0]!) as RecordLine
      expect(first.record.data.text).toBe(cell)
      expect(out).toBeGreaterThan(bytes.length)
    }
  })

  it("hands out each record as soon as the chunk that ends its row arrives", () => {
    const encoder = new RecordEncoder(context())
    const cells = (out: Uint8Array) =>
      decoder
        .decode(out)
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as RecordLine).record.data.a)
    expect(cells(encoder.push(bytesOf("a,b\n1,")))).toEqual([])
    expect(cells(encoder.push(bytesOf("2\n3,4\n5,")))).toEqual(["1", "3"])
    expect(cells(encoder.push(bytesOf("6\n")))).toEqual(["5"])
    expect(cells(encoder.end())).toEqual([])
  })
})

describe("RecordEncoder: output buffers passed on from file to file", () => {
  const fileOf = (n: number, rows: number) =>
    bytesOf(`a,b\n${Array.from({ length: rows }, (_, i) => `${n}-${i},"x ""${i}"" é😀\n"`).join("\n")}\n`)

  it("the next file's encoder writes into an ended file's buffer only once its last lines are released", () => {
    const first = new RecordEncoder(context())
    // Without its final newline: `end` hands out the last row.
    const file = fileOf(1, 3)
    first.push(file.subarray(0, file.length - 1))
    first.release()
    const rest = first.end()
    const kept = decoder.decode(rest)
    expect(kept).toContain('"a":"1-2"')
    // Not released yet: a new encoder must not touch it.
    const second = new RecordEncoder(context())
    const secondOut = second.push(fileOf(2, 50))
    expect(secondOut.buffer).not.toBe(rest.buffer)
    expect(decoder.decode(rest)).toBe(kept)
    second.release()
    first.release()
    const third = new RecordEncoder(context())
    const thirdOut = third.push(fileOf(3, 2))
    expect(thirdOut.buffer).toBe(rest.buffer)
    expect(decoder.decode(thirdOut)).toContain('"a":"3-1"')
    third.release()
    expect(third.end()).toHaveLength(0)
  })

  it("files read at once, ended and released in any order, give each the records it gives alone", () => {
    const next = random(11)
    const ctx = context()
    for (let round = 0; round < 20; round++) {
      // Half without a final newline: their last row comes out of `end`, still lent.
      const files = Array.from({ length: 4 }, (_, n) => {
        const file = fileOf(round * 10 + n, 1 + Math.floor(next() * 40))
        return next() < 0.5 ? file.subarray(0, file.length - 1) : file
      })
      const alone = files.map((file) => encodeChunks([file], ctx).out)
      const chunks = files.map((file) => randomChunks(file, next, 300))
      const encoders = files.map(() => new RecordEncoder(ctx))
      const outs = files.map(() => "")
      // What each encoder handed out and has not been told to release, as handed out: until it is
      // released, no encoder (this one or a new file's) may write into it.
      const lent = new Map<number, { readonly view: Uint8Array; readonly text: string }>()
      const done = new Set<number>()
      while (done.size < files.length) {
        const n = Math.floor(next() * files.length)
        if (done.has(n)) continue
        // Release what was handed out, in a random order, before some of the pushes.
        if (next() < 0.7) {
          for (const k of [...lent.keys()].sort(() => next() - 0.5)) {
            expect(decoder.decode(lent.get(k)!.view)).toBe(lent.get(k)!.text)
            encoders[k]!.release()
            lent.delete(k)
          }
        }
        const chunk = chunks[n]!.shift()
        if (lent.has(n) && chunk !== undefined) {
          // A push while the last output is still held writes elsewhere; the held view stays.
          expect(decoder.decode(lent.get(n)!.view)).toBe(lent.get(n)!.text)
        }
        const out = chunk === undefined ? encoders[n]!.end() : encoders[n]!.push(chunk)
        const text = decoder.decode(out)
        outs[n] += text
        if (out.length > 0) lent.set(n, { view: out, text })
        if (chunk === undefined) done.add(n)
        // A new file's encoder starts now and then, taking a spare buffer if there is one.
        if (next() < 0.2) {
          const extra = new RecordEncoder(ctx)
          extra.push(fileOf(999, 3))
          extra.release()
          extra.end()
        }
        for (const held of lent.values()) expect(decoder.decode(held.view)).toBe(held.text)
      }
      expect(outs).toEqual(alone)
    }
  })
})

describe("RecordEncoder: header only", () => {
  it("reads only the first row with headerOnly, even when later rows are broken", () => {
    const encoder = new RecordEncoder(context(), { headerOnly: true })
    expect(encoder.push(bytesOf('id,\n1,2,3\n"unclosed\n'))).toHaveLength(0)
    expect(encoder.end()).toHaveLength(0)
    expect(encoder.header).toEqual(["id", "column_2"])
  })

  it("knows the header once its row has ended, whatever the chunks", () => {
    const encoder = new RecordEncoder(context(), { headerOnly: true })
    encoder.push(bytesOf('\uFEFF"i'))
    expect(encoder.header).toBeUndefined()
    encoder.push(bytesOf('d",x\r'))
    expect(encoder.header).toEqual(["id", "x"])
  })
})

describe("RecordEncoder: records", () => {
  it("writes one RECORD line per data row, with the injected fields", () => {
    const before = Date.now()
    const records = recordsOf([bytesOf('record_id,text\n1,hello\n2,""\n3,\n')])
    const after = Date.now()
    expect(records).toHaveLength(3)
    for (const record of records) {
      expect(record.type).toBe("RECORD")
      expect(record.record.stream).toBe("feedback_record")
      expect(record.record.emitted_at).toBeGreaterThanOrEqual(before)
      expect(record.record.emitted_at).toBeLessThanOrEqual(after)
    }
    expect(records.map((r) => r.record.data)).toEqual([
      {
        record_id: "1",
        text: "hello",
        _ab_export_window_end: "2025-12-13T00:00:00Z",
        _ab_source_file_url: "https://files.example.com/exports/feedback_record/part-0001.csv"
      },
      {
        record_id: "2",
        text: "",
        _ab_export_window_end: "2025-12-13T00:00:00Z",
        _ab_source_file_url: "https://files.example.com/exports/feedback_record/part-0001.csv"
      },
      {
        record_id: "3",
        text: null,
        _ab_export_window_end: "2025-12-13T00:00:00Z",
        _ab_source_file_url: "https://files.example.com/exports/feedback_record/part-0001.csv"
      }
    ])
  })

  it("keeps the header's column order in data, the injected fields last", () => {
    const [record] = recordsOf([bytesOf("z,a,m\n1,2,3\n")])
    expect(Object.keys(record!.record.data)).toEqual(["z", "a", "m", "_ab_export_window_end", "_ab_source_file_url"])
  })

  it("escapes everything JSON needs escaped: stream, keys, values, URL", () => {
    const ctx = context({ stream: 'we"ird\\stream', fileUrl: 'https://h.example/a b/"q".csv' })
    const records = recordsOf([bytesOf('"key ""1""","back\\slash"\n"tab\there\u0001","line\nbreak"\n')], ctx)
    expect(records).toHaveLength(1)
    expect(records[0]!.record.stream).toBe('we"ird\\stream')
    expect(records[0]!.record.data).toEqual({
      'key "1"': "tab\there\u0001",
      "back\\slash": "line\nbreak",
      _ab_export_window_end: "2025-12-13T00:00:00Z",
      _ab_source_file_url: 'https://h.example/a b/"q".csv'
    })
  })

  it("keeps multi-byte text intact", () => {
    expect(dataOf('t\n"Grüße 😀 漢字 𝄞"\n')[0]!.t).toBe("Grüße 😀 漢字 𝄞")
  })

  it("counts rows seen and rows emitted", () => {
    const { encoder } = encodeChunks([bytesOf("a\n1\n2\n3\n")])
    expect(encoder.rowsSeen).toBe(3)
    expect(encoder.rowsEmitted).toBe(3)
    expect(encoder.header).toEqual(["a"])
  })
})

describe("RecordEncoder: files without data rows", () => {
  it.each([
    ["a header with a newline", "id,name\n"],
    ["a header without a newline", "id,name"],
    ["a header with CRLF and a BOM", "\uFEFFid,name\r\n"],
    ["a header and blank lines", "id,name\n\n\r\n"]
  ])("gives no record for %s, but knows the header", (_what, text) => {
    const { out, encoder } = encodeChunks([bytesOf(text)])
    expect(out).toBe("")
    expect(encoder.header).toEqual(["id", "name"])
    expect(encoder.rowsSeen).toBe(0)
  })

  it("gives no record and no header for an empty file", () => {
    const { out, encoder } = encodeChunks([bytesOf("")])
    expect(out).toBe("")
    expect(encoder.header).toBeUndefined()
  })
})

describe("RecordEncoder: malformed files", () => {
  it.each([
    ["too many cells", "a,b\n1,2\n3,4,5\n6,7\n", 3],
    ["too few cells", "a,b\n1,2\n3,4\n5\n", 4],
    ["too many cells in the first data row", "a,b\n1,2,3\n", 2],
    ["a bad last row without a newline", "a,b\n1,2\n3", 3],
    ["a bad row after a cell spanning three lines", 'a,b\n"x\ny\nz",2\n3,4,5\n', 5],
    ["a bad row in a CRLF file", "a,b\r\n1,2\r\n3,4\r\n5,6,7\r\n", 4],
    ["a bad row after a BOM", "\uFEFFa,b\n1,2,3\n", 2]
  ])("fails on %s, naming the line", (_what, text, line) => {
    for (const chunks of [[bytesOf(text)], byteByByte(bytesOf(text))]) {
      const error = encodeError(chunks)
      expect(error).toBeInstanceOf(CsvFileError)
      expect(error.line).toBe(line)
      expect(error.message).toContain(`line ${line}: `)
      expect(error.detail.length).toBeGreaterThan(0)
    }
  })

  it("fails on a quote that is never closed", () => {
    const error = encodeError([bytesOf('a,b\n1,2\n3,"open\n4,5\n')])
    expect(error.line).toBeGreaterThanOrEqual(3)
    expect(error.detail).toMatch(/quote/i)
  })

  it("fails on a bare quote inside an unquoted cell (RFC 4180 2.5)", () => {
    const error = encodeError([bytesOf("height,name\n1,x\n5'10\",y\n")])
    expect(error.line).toBe(3)
  })

  it("fails on text after a closing quote", () => {
    const error = encodeError([bytesOf('a,b\n"x"y,2\n')])
    expect(error.line).toBe(2)
  })
})

describe("RecordEncoder: skipRows (resuming a broken-off download)", () => {
  const text = "n,v\n1,a\n2,b\n3,c\n4,d\n5,e\n"

  it("skips exactly the first N data rows", () => {
    const { out, encoder } = encodeChunks([bytesOf(text)], context({ skipRows: 2 }))
    const records = out
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as RecordLine).record.data.n)
    expect(records).toEqual(["3", "4", "5"])
    expect(encoder.rowsSeen).toBe(5)
    expect(encoder.rowsEmitted).toBe(3)
  })

  it("emits nothing when N covers every row, and everything when N is 0", () => {
    expect(encodeChunks([bytesOf(text)], context({ skipRows: 5 })).out).toBe("")
    expect(encodeChunks([bytesOf(text)], context({ skipRows: 99 })).out).toBe("")
    expect(dataOf(text, context({ skipRows: 0 }))).toHaveLength(5)
  })

  it("does not count the header or blank lines as rows", () => {
    const data = dataOf("n\n\n1\n\n2\n3\n", context({ skipRows: 1 }))
    expect(data.map((d) => d.n)).toEqual(["2", "3"])
  })

  it("resumes after any break point with no record lost or repeated", () => {
    const full = `n,v\n${Array.from({ length: 40 }, (_, i) => `${i},"row ${i}\nsecond line"`).join("\r\n")}\r\n`
    const bytes = bytesOf(full)
    const expected = dataOf(full).map((d) => d.n)
    expect(expected).toHaveLength(40)
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const first = new RecordEncoder(context())
      const got: Array<string | null | undefined> = []
      const take = (lines: Uint8Array) => {
        for (const line of decoder.decode(lines).split("\n")) if (line !== "") got.push((JSON.parse(line) as RecordLine).record.data.n)
      }
      take(first.push(bytes.subarray(0, cut))) // the download breaks off here
      const second = new RecordEncoder(context({ skipRows: first.rowsSeen }))
      take(second.push(bytes))
      take(second.end())
      expect(got, `break at byte ${cut}`).toEqual(expected)
    }
  })
})

describe("column names (header.ts)", () => {
  it("keeps distinct, non-empty names as they are", () => {
    expect(columnNames(["record_id", "text", "Created At", " padded "])).toEqual(["record_id", "text", "Created At", " padded "])
  })

  it("names empty and blank columns by position", () => {
    expect(columnNames(["a", null, "", "   ", "e"])).toEqual(["a", "column_2", "column_3", "column_4", "e"])
  })

  it("renames repeated names by position", () => {
    expect(columnNames(["a", "b", "a", "a"])).toEqual(["a", "b", "a_3", "a_4"])
  })

  it.each([
    [["a_3", "a", "a"]],
    [["a", "a", "a_2"]],
    [["column_2", ""]],
    [["", "column_1", "column_1_2", "column_1"]],
    [["x", "x", "x_2", "x_2", "x_2_3", "x_2_4"]],
    [["", "", "", "column_1", "column_2", "column_3"]]
  ])("always gives unique names, whatever the header (%j)", (header) => {
    const names = columnNames(header)
    expect(names).toHaveLength(header.length)
    expect(new Set(names).size).toBe(names.length)
    // The first column always keeps a non-empty name.
    if (header[0] !== "") expect(names[0]).toBe(header[0])
  })

  it("extends a positional name that is already taken", () => {
    expect(columnNames(["a_3", "a", "a"])).toEqual(["a_3", "a", "a_3_3"])
    expect(columnNames(["column_2", ""])).toEqual(["column_2", "column_2_2"])
  })

  it("renames a column named like a field the connector adds, so that neither value is lost", () => {
    expect(columnNames(["record_id", "_ab_export_window_end", "_ab_source_file_url"])).toEqual([
      "record_id",
      "_ab_export_window_end_2",
      "_ab_source_file_url_3"
    ])
    const { out } = encodeChunks([bytesOf("record_id,_ab_source_file_url\nr1,from the csv\n")])
    // Each key once in the line itself (JSON.parse would hide a duplicate by keeping the last).
    expect(out.match(/"_ab_source_file_url"/g)).toHaveLength(1)
    expect((JSON.parse(out) as RecordLine).record.data).toEqual({
      record_id: "r1",
      _ab_source_file_url_2: "from the csv",
      _ab_export_window_end: "2025-12-13T00:00:00Z",
      _ab_source_file_url: "https://files.example.com/exports/feedback_record/part-0001.csv"
    })
  })

  it("keeps every cell of a file with repeated and empty header names", () => {
    const [data] = dataOf('a,,a,""\n1,2,3,4\n')
    expect(data).toEqual({
      a: "1",
      column_2: "2",
      a_3: "3",
      column_4: "4",
      _ab_export_window_end: "2025-12-13T00:00:00Z",
      _ab_source_file_url: "https://files.example.com/exports/feedback_record/part-0001.csv"
    })
  })
})

describe("csv-spectrum (a peer's test suite)", () => {
  // csv-spectrum ships pairs csvs/NAME.csv and json/NAME.json; its index.js only wraps them in a
  // callback, so the files are read directly.
  const root = dirname(createRequire(import.meta.url).resolve("csv-spectrum/package.json"))
  const names = readdirSync(join(root, "csvs"))
    .filter((file) => file.endsWith(".csv"))
    .map((file) => basename(file, ".csv"))
    .sort()

  it("is present with its known cases", () => {
    expect(names).toEqual(
      expect.arrayContaining(["comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "location_coordinates"])
    )
    expect(names.length).toBeGreaterThanOrEqual(12)
  })

  /**
   * location_coordinates.csv has bare quotes inside unquoted cells (`37°36'37.8"N`), which
   * RFC 4180 (2.5) does not allow and which csv-parse, as configured, rejects: we fail that file
   * with a CsvFileError naming line 2 instead of guessing (see the last test). Whether to accept
   * such cells (csv-parse's relax_quotes) is the owners' decision, not this suite's.
   */
  const STRICTER_THAN_PEER = new Set(["location_coordinates"])

  /**
   * The peer's expected rows, with two known errors of csv-spectrum 2.0.0 corrected:
   * location_coordinates.json holds a bare object instead of an array of rows
   * (max-mapper/csv-spectrum#22), and a phone number that is not the CSV's (#20).
   */
  const expectedRows = (name: string): Array<Record<string, string>> => {
    const parsed = JSON.parse(readFileSync(join(root, "json", `${name}.json`), "utf8")) as
      | Array<Record<string, string>>
      | Record<string, string>
    const rows = Array.isArray(parsed) ? parsed : [parsed]
    if (name === "location_coordinates") return rows.map((row) => ({ ...row, "Contact Phone Number": "2095257564" }))
    return rows
  }

  it.each(names.filter((name) => !STRICTER_THAN_PEER.has(name)))("%s gives the expected records, in one chunk and byte by byte", (name) => {
    const csv = new Uint8Array(readFileSync(join(root, "csvs", `${name}.csv`)))
    const expected = expectedRows(name)
    for (const chunks of [[csv], byteByByte(csv)]) {
      const records = recordsOf(chunks)
      const data = records.map((record) => {
        const { _ab_export_window_end, _ab_source_file_url, ...cells } = record.record.data
        expect(_ab_export_window_end).toBe("2025-12-13T00:00:00Z")
        expect(_ab_source_file_url).toBe(FILE.fileUrl)
        // csv-spectrum writes "" for every empty cell; we give null for an unquoted empty cell
        // (and "" for a quoted one). Only for the comparison, null is mapped to "". No case of
        // the suite has an unquoted empty cell today, so this only matters if it gains one.
        return Object.fromEntries(Object.entries(cells).map(([key, value]) => [key, value ?? ""]))
      })
      expect(data).toEqual(expected)
    }
  })

  it("rejects location_coordinates (bare quotes in unquoted cells), naming line 2", () => {
    const csv = new Uint8Array(readFileSync(join(root, "csvs", "location_coordinates.csv")))
    for (const chunks of [[csv], byteByByte(csv)]) {
      const error = encodeError(chunks)
      expect(error.line).toBe(2)
      expect(error.detail).toMatch(/quote/i)
    }
    // What the peer expects, should the owners choose to accept such cells:
    expect(expectedRows("location_coordinates")[0]!["Location Coordinates"]).toBe("37\uFFFD36'37.8\"N 121\uFFFD2'17.9\"W")
  })

  it("keeps quoted empty cells as empty strings, not null (empty.csv)", () => {
    const csv = new Uint8Array(readFileSync(join(root, "csvs", "empty.csv")))
    expect(recordsOf([csv])[0]!.record.data.b).toBe("")
  })
})

describe("RecordEncoder: a header's keys are made once for the files that share it", () => {
  const envelope = airbyteRecordEnvelope("s", "2025-12-12T00:00:00Z", "https://files/f.csv", 1)
  const dataOf = (csv: string, excludedColumns?: ReadonlySet<string>) => {
    const encoder = new RecordEncoder({ envelope, skipRows: 0, excludedColumns })
    const out = Buffer.concat([encoder.push(bytesOf(csv)), encoder.end()]).toString("utf8")
    return out
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { record: { data: Record<string, unknown> } }).record.data)
  }

  it("files with the same header, another header, or the same header with other columns left out each get their own keys", () => {
    const a = "id,text\n1,x\n"
    const b = "id,other,text\n2,y,z\n"
    const added = { _ab_export_window_end: "2025-12-12T00:00:00Z", _ab_source_file_url: "https://files/f.csv" }
    // Interleaved as concurrent files of two streams read them.
    expect(dataOf(a)).toEqual([{ id: "1", text: "x", ...added }])
    expect(dataOf(b)).toEqual([{ id: "2", other: "y", text: "z", ...added }])
    expect(dataOf(a)).toEqual([{ id: "1", text: "x", ...added }])
    expect(dataOf(a, new Set(["text"]))).toEqual([{ id: "1", ...added }])
    expect(dataOf(a)).toEqual([{ id: "1", text: "x", ...added }])
    expect(dataOf(b, new Set(["id", "other", "text"]))).toEqual([added])
    expect(dataOf(b)).toEqual([{ id: "2", other: "y", text: "z", ...added }])
    // The same names with the bytes of the header row different (quoted) are parsed again, alike.
    expect(dataOf('"id","text"\n3,w\n')).toEqual([{ id: "3", text: "w", ...added }])
  })
})
