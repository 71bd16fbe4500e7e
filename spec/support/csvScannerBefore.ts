import type { Cell, Row } from "./csvParseRows.js"

const COMMA = 44
const QUOTE = 34
const LF = 10
const CR = 13

/** A malformed file: the message says what, `lines` the line the parser had reached. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly lines: number
  ) {
    super(`${message} on line ${lines}`)
  }
}

/**
 * The connector's CSV reader before the byte-level RecordEncoder, kept as the differential
 * tests' record of what "before" was (its rows, through JSON.stringify, are the bytes the
 * connector wrote; its error lines are the connector's). An RFC 4180 reader over decoded text,
 * resumable at any byte boundary. It exists because
 * csv-parse converts every field from a Buffer and, to tell `""` from an unquoted empty cell,
 * needs a `cast` callback that builds three objects per cell: 5 to 15 times slower than this on
 * the benchmark (see docs/benchmark.md). It scans with charCodeAt and slices substrings, so a cell costs one
 * slice; quoted cells are found with indexOf. Strict like csv-parse's defaults: a quote inside an
 * unquoted cell, text after a closing quote, an unclosed quote or a row whose cell count differs
 * from the header's is an error naming the line. Empty lines are skipped.
 */
export class CsvScanner {
  private readonly decoder = new TextDecoder("utf-8")
  private text = ""
  /** Where scanning resumes in `text`. */
  private pos = 0
  /** Start of the current field in `text`; -1 when an open quoted field began before `text`. */
  private fieldStart = 0
  /**
   * The content scanned so far of an open quoted field that spans chunks, and its newlines. A
   * chunk that ends inside quotes moves its part of the field here, so that a cell spanning many
   * chunks is copied once when it closes, not once per chunk.
   */
  private carried: Array<string> = []
  private carriedNewlines = 0
  private quoted = false
  private inQuotes = false
  private escapedQuotes = false
  /** Index of the closing quote of a quoted field, once seen. */
  private quoteEnd = -1
  private row: Array<Cell> = []
  private columns = -1
  private readonly firstRowOnly: boolean
  private done = false
  /** Newlines passed so far, plus one: the current line, as csv-parse counts. */
  lines = 1

  constructor(options: { readonly firstRowOnly?: boolean } = {}) {
    this.firstRowOnly = options.firstRowOnly === true
  }

  push(chunk: Uint8Array): ReadonlyArray<Row> {
    return this.scan(this.decoder.decode(chunk, { stream: true }), false)
  }

  end(): ReadonlyArray<Row> {
    return this.scan(this.decoder.decode(), true)
  }

  private scan(more: string, final: boolean): ReadonlyArray<Row> {
    const rows: Array<Row> = []
    if (this.done) return rows
    // Keep only the field in progress; the row's finished cells are already strings.
    const shift = Math.max(this.fieldStart, 0)
    const s = shift === 0 ? this.text + more : this.text.slice(shift) + more
    this.pos -= shift
    if (this.quoteEnd >= 0) this.quoteEnd -= shift
    this.fieldStart -= shift
    this.text = s
    const n = s.length
    let i = this.pos
    while (i < n) {
      if (this.inQuotes) {
        const q = s.indexOf('"', i)
        if (q === -1 || (q + 1 === n && !final)) {
          // Without the next character a quote may be the first half of "".
          i = q === -1 ? n : q
          break
        }
        if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
          this.escapedQuotes = true
          i = q + 2
          continue
        }
        this.inQuotes = false
        this.quoteEnd = q
        this.lines += this.carriedNewlines + countNewlines(s, this.fieldStart + 1, q)
        this.carriedNewlines = 0
        i = q + 1
        continue
      }
      const c = s.charCodeAt(i)
      if (c === COMMA) {
        this.endField(s, i)
        i++
        this.fieldStart = i
      } else if (c === LF || c === CR) {
        if (c === CR && i + 1 === n && !final) break
        this.endField(s, i)
        i += c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1
        this.fieldStart = i
        const row = this.endRow()
        this.lines++
        if (row !== undefined) {
          rows.push(row)
          if (this.firstRowOnly) return this.stop(rows)
        }
      } else if (c === QUOTE) {
        if (i !== this.fieldStart || this.quoted) {
          throw new CsvSyntaxError(
            this.quoted ? "Invalid Closing Quote: text follows a closing quote" : "Invalid Opening Quote: a quote inside an unquoted field",
            this.lines
          )
        }
        this.quoted = true
        this.inQuotes = true
        i++
      } else {
        if (this.quoted && this.quoteEnd >= 0) {
          throw new CsvSyntaxError("Invalid Closing Quote: text follows a closing quote", this.lines)
        }
        i++
      }
    }
    this.pos = i
    if (this.inQuotes && !final) {
      // Everything before `i` is content of the open field (`i` may hold a quote whose partner
      // has not arrived): carry it, keep only what is left to scan.
      const part = s.slice(this.fieldStart + 1, i)
      this.carried.push(part)
      this.carriedNewlines += countNewlines(part, 0, part.length)
      this.text = s.slice(i)
      this.pos = 0
      this.fieldStart = -1
      return rows
    }
    if (final) {
      if (this.inQuotes) throw new CsvSyntaxError("Quote Not Closed: the file ends inside a quoted field", this.lines)
      if (this.fieldStart < n || this.row.length > 0 || this.quoted) {
        this.endField(s, n)
        const row = this.endRow()
        if (row !== undefined) rows.push(row)
      }
      this.done = true
    }
    return rows
  }

  private endField(s: string, end: number): void {
    let cell: Cell
    if (this.quoted) {
      const tail = s.slice(this.fieldStart + 1, this.quoteEnd)
      const raw = this.carried.length === 0 ? tail : this.carried.join("") + tail
      this.carried = []
      cell = this.escapedQuotes ? raw.replaceAll('""', '"') : raw
    } else {
      cell = end === this.fieldStart ? null : s.slice(this.fieldStart, end)
    }
    this.row.push(cell)
    this.quoted = false
    this.escapedQuotes = false
    this.quoteEnd = -1
  }

  private endRow(): Row | undefined {
    const row = this.row
    this.row = []
    if (row.length === 1 && row[0] === null) return undefined
    if (this.columns === -1) this.columns = row.length
    else if (row.length !== this.columns) {
      throw new CsvSyntaxError(`Invalid Record Length: expect ${this.columns}, got ${row.length}`, this.lines)
    }
    return row
  }

  private stop(rows: Array<Row>) {
    this.done = true
    this.text = ""
    return rows
  }
}

const countNewlines = (s: string, from: number, to: number): number => {
  let count = 0
  for (let at = s.indexOf("\n", from); at !== -1 && at < to; at = s.indexOf("\n", at + 1)) count++
  return count
}
