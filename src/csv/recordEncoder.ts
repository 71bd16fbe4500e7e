import type { RecordEnvelope } from "../output/recordEnvelope.js"
import { headerKeys } from "./header.js"
import * as wordScan from "./wordScan.js"

// Taken once from the module: under vitest (vite-node) an imported binding is a getter of the
// module's exports, so `npm run bench:csv` timed a getter call per four bytes: 39 ms a run of
// feedback-like CSV against 14 (the bundle esbuild makes calls them directly either way).
const { beforeStop, quotedStop, unquotedStop, validUtf8End } = wordScan

/** What every record of one file shares. */
export interface FileContext {
  /** The text around each record's cells, from the protocol's SyncOutput (Airbyte or Singer). */
  readonly envelope: RecordEnvelope
  /** Data rows already emitted from this file by an earlier, broken-off download. */
  readonly skipRows: number
  /**
   * Columns the records leave out (deselected in a Singer catalog): their keys are never encoded
   * and their cells' bytes are cut back once each cell ends, so a file costs the same pass.
   */
  readonly excludedColumns?: ReadonlySet<string> | undefined
}

/** A row whose cell count differs from the header's, or a file that is not valid CSV. */
export class CsvFileError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string
  ) {
    super(`line ${line}: ${detail}`)
  }
}

const COMMA = 44
const QUOTE = 34
const LF = 10
const CR = 13
const BACKSLASH = 92

// What a byte means inside a cell: copied as it is, ends the cell or the row, is escaped for
// JSON, or starts a multi-byte UTF-8 sequence that must be checked.
const PLAIN = 0
const ENDS_CELL = 1
const ENDS_ROW = 2
const IS_QUOTE = 3
const ESCAPED = 4
const NEWLINE = 5
const MULTIBYTE = 6

const byteClasses = (quoted: boolean): Uint8Array => {
  const classes = new Uint8Array(256)
  for (let b = 0; b < 0x20; b++) classes[b] = ESCAPED
  for (let b = 0x80; b < 0x100; b++) classes[b] = MULTIBYTE
  classes[BACKSLASH] = ESCAPED
  classes[QUOTE] = IS_QUOTE
  if (quoted) classes[LF] = NEWLINE
  else {
    classes[COMMA] = ENDS_CELL
    classes[LF] = ENDS_ROW
    classes[CR] = ENDS_ROW
  }
  return classes
}
const UNQUOTED_CLASSES = byteClasses(false)
const QUOTED_CLASSES = byteClasses(true)

const utf8 = new TextEncoder()
/** The JSON escape of each byte that needs one, exactly as JSON.stringify writes it. */
const ESCAPES: ReadonlyArray<Uint8Array> = Array.from({ length: 0x80 }, (_, b) =>
  utf8.encode(JSON.stringify(String.fromCharCode(b)).slice(1, -1))
)
const ESCAPED_QUOTE = ESCAPES[QUOTE]!
/** U+FFFD, what TextDecoder puts in place of each invalid UTF-8 sequence. */
const REPLACEMENT = utf8.encode("\uFFFD")
const NULL = utf8.encode("null")
/** `null` as a little-endian 32-bit word. */
const NULL_WORD = new DataView(NULL.buffer).getInt32(0, true)
const EMPTY = new Uint8Array(0)
const BOM = [0xef, 0xbb, 0xbf]

// Where the scanner is within a row.
const FIELD_START = 0
const UNQUOTED = 1
const QUOTED = 2
/** A quote inside a quoted cell: the end of the cell, or the first half of `""`. */
const QUOTE_IN_QUOTED = 3
const AFTER_CLOSING_QUOTE = 4

/** Output buffer kept between chunks; one grown past this for a huge row is let go after it. */
const KEEP_BYTES = 1 << 20

/**
 * Output buffers of encoders whose file has ended and been written out, for the next files'
 * encoders. An encoder lives as long as its file, long enough for V8 to move it to the old
 * generation, and its buffer (grown to about 800 KiB for 64 KiB chunks) then waited there for a
 * mark-compact: on the benchmark's 20-file feedback object, 16 MB of spent output buffers by the
 * last file. One is kept for each file read at once, up to 8 (`max_concurrent_downloads`' default is 4).
 */
const spareOutputs: Array<Uint8Array> = []
const MAX_SPARE_OUTPUTS = 8

/**
 * Turns the bytes of one CSV file into newline-terminated record lines framed by the file's
 * envelope, a chunk at a time. This is the hot path, and it never makes a JS string of a cell:
 * one forward pass over the bytes writes the JSON bytes straight into one output buffer. UTF-8
 * passes through untouched once checked; only `"`, `\` and control characters are escaped; the
 * keys and the envelope are encoded once per file. The output is byte for byte what
 * `JSON.stringify` of each decoded cell gave (an invalid UTF-8 sequence becomes U+FFFD as
 * TextDecoder makes it). Where a chunk is valid UTF-8 (isUtf8, checked once a chunk), cells are
 * copied four bytes at a time, stopping only at the bytes that end a cell or need an escape:
 * 620-700 MB/s of feedback-like CSV on one core and 210 of the wide one's 60 short columns
 * (450 and 170 a byte at a time, one 10 and one 20 MB file of the benchmark's, in 64 KiB
 * chunks): 7x rows as strings through JSON.stringify, 40x csv-parse's (`npm run bench:csv`,
 * docs/benchmark.md, "Why not csv-parse").
 *
 * Wide rows spend their time per cell, not per byte, so a cell's key and separators cost next to
 * nothing: each key carries the value's opening quote (`,"c12":"`) and is written as 32-bit words,
 * and a cell that ends before another of the header's is followed into the next one in the same
 * copy loop (`cells`), without the scanner's states, Uint8Array.set or per-cell calls. On
 * `npm run bench:csv` (one 2-core machine, Node 20) that took the 60 short unquoted columns from
 * 59 to 175 MB/s, the emulator's wide file (half its cells quoted) from 94 to 260, and
 * feedback-like CSV from 400 to 520.
 *
 * The rules: RFC 4180 with CRLF, LF and a lone CR all ending rows; a leading BOM dropped; empty
 * lines skipped; an unquoted empty cell is `null`, a quoted `""` the empty string; the first row
 * is the header, its names made unique by `columnNames`. Strict like csv-parse's defaults: a
 * quote inside an unquoted cell, text after a closing quote, an unclosed quote or a row whose cell
 * count differs from the header's is a CsvFileError naming the line (newlines passed, plus one).
 * Every byte is scanned once, whatever the chunking, so a cell spanning many chunks costs time
 * linear in its length: the partial row stays in the output buffer, which is only compacted
 * after a chunk that completed a row.
 */
export class RecordEncoder {
  private readonly head: Uint8Array
  private tail: Uint8Array
  private readonly skipRows: number
  private readonly headerOnly: boolean
  private readonly excluded: ReadonlySet<string> | undefined
  /** Per column, 1 when its cells are left out (see FileContext.excludedColumns); undefined when none is. */
  private dropped: Uint8Array | undefined
  /** Where the current cell's key begins: a left-out cell's output is cut back to it (kept while one is). */
  private cellStart = 0
  private names: ReadonlyArray<string> | undefined
  /**
   * Per column, its JSON key with the separator before it and the value's opening quote, e.g.
   * `,"text":"`, all in one buffer: column c's are the bytes from keyEnds[c] to keyEnds[c + 1].
   * Empty until the header is read (its row writes a quote and separators, see nextCell).
   */
  private keyBytes: Uint8Array = EMPTY
  private keyWords: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer)
  private keyEnds: Int32Array = new Int32Array(1)
  /** The header's column count; -1 while the header row is being read. */
  private columns = -1
  /** Most bytes of a row's output that do not come from its cells' bytes. */
  private rowOverhead = 64

  private out = spareOutputs.pop() ?? new Uint8Array(1 << 16)
  private outWords = new DataView(this.out.buffer)
  private len = 0
  /** The chunk being scanned, read four bytes at a time before `wordsEnd`. */
  private chunkWords: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer)
  /** End of the chunk's valid UTF-8 (see validUtf8End); a word may start only 4 bytes before it. */
  private validEnd = 0
  /** End of the output of the last complete row: what the current chunk gives back. */
  private complete = 0
  /** Bytes at the start of `out` handed out by `take`, to drop before writing again. */
  private handedOut = 0
  /** Whoever took them still needs them (until `release`): the next chunk goes into a new buffer. */
  private lent = false
  /** `end` was called: once its last lines are released, the output buffer goes to the spares. */
  private ended = false
  private rowStart = 0

  private state = FIELD_START
  private column = 0
  private rowOpen = false
  private lastCellEmpty = false
  /** A CR ended the last row: an LF right after it belongs to that row end. */
  private afterCR = false
  private quotedNewlines = 0
  /** An incomplete UTF-8 sequence at the end of a chunk: continuation bytes still expected. */
  private seqNeeded = 0
  private seqSeen = 0
  private seqLower = 0x80
  private seqUpper = 0xbf
  /** The first bytes of the file until there are three, to tell a BOM; undefined once told. */
  private start: Array<number> | undefined = []
  private stopped = false

  /** Newlines passed so far, plus one: the current line, as csv-parse counts. */
  lines = 1
  /** Data rows seen, skipped ones included: how far into the file the output reaches. */
  rowsSeen = 0
  rowsEmitted = 0
  /** Bytes moved by compaction and growth of the output buffer: the work besides the one pass. */
  bytesMoved = 0

  constructor(context: FileContext, options: { readonly headerOnly?: boolean } = {}) {
    this.head = utf8.encode(context.envelope.head)
    this.tail = utf8.encode(context.envelope.tail)
    this.skipRows = context.skipRows
    this.headerOnly = options.headerOnly === true
    this.excluded = context.excludedColumns !== undefined && context.excludedColumns.size > 0 ? context.excludedColumns : undefined
  }

  /** The header's column names once the first row has been read. */
  get header(): ReadonlyArray<string> | undefined {
    return this.names
  }

  /** The record lines that this chunk completed, as UTF-8. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.start !== undefined) {
      let taken = 0
      while (taken < chunk.length && this.start.length < 3) this.start.push(chunk[taken++]!)
      if (this.start.length < 3) return EMPTY
      this.startDone()
      this.scan(chunk.subarray(taken))
    } else {
      this.scan(chunk)
    }
    return this.take()
  }

  /** The rest, once the file has ended. */
  end(): Uint8Array {
    if (this.ended) return EMPTY
    if (this.start !== undefined) this.startDone()
    if (!this.stopped) this.finish()
    this.ended = true
    this.stopped = true
    const rest = this.take()
    if (rest.length === 0) this.recycle()
    return rest
  }

  private startDone() {
    const start = this.start!
    this.start = undefined
    const bom = start.length === 3 && start.every((b, i) => b === BOM[i])
    if (!bom) this.scan(Uint8Array.from(start))
  }

  private scan(chunk: Uint8Array): void {
    const n = chunk.length
    if (this.stopped || n === 0) return
    this.dropHandedOut()
    this.reserve(6 * n + this.rowOverhead)
    let i = this.seqNeeded === 0 ? 0 : this.continueSequence(chunk, 0)
    this.chunkWords = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.validEnd = validUtf8End(chunk, i)
    while (i < n) {
      if (!this.rowOpen) {
        if (this.afterCR) {
          this.afterCR = false
          if (chunk[i] === LF) {
            i++
            continue
          }
        }
        this.openRow(6 * (n - i))
      }
      switch (this.state) {
        case FIELD_START:
          // The key wrote the opening quote: taken back if an unquoted cell stays empty (`null`).
          if (chunk[i] === QUOTE) {
            this.state = QUOTED
            i++
          } else this.state = UNQUOTED
          break
        case UNQUOTED:
        case QUOTED: {
          i = this.cells(chunk, i)
          if (i === n) break
          if (this.state === QUOTED) {
            this.state = QUOTE_IN_QUOTED
            i++
            break
          }
          const b = chunk[i]!
          if (b === QUOTE) throw this.syntaxError("Invalid Opening Quote: a quote inside an unquoted field")
          this.endUnquoted()
          i++
          if (b === COMMA) this.nextCell()
          else if (this.endRow(b)) return
          break
        }
        case QUOTE_IN_QUOTED:
          if (chunk[i] === QUOTE) {
            this.writeBytes(ESCAPED_QUOTE)
            this.state = QUOTED
            i++
          } else this.closeQuote()
          break
        default: {
          const b = chunk[i]!
          i++
          this.lastCellEmpty = false
          if (b === COMMA) this.nextCell()
          else if (b === LF || b === CR) {
            if (this.endRow(b)) return
          } else throw this.syntaxError("Invalid Closing Quote: text follows a closing quote")
        }
      }
    }
  }

  /**
   * Copies the cell's bytes, quoted (state QUOTED) or not (UNQUOTED), up to the byte that ends it
   * (or the chunk's end). A cell's end before another of the header's cells (a comma after an
   * unquoted cell, a quote and a comma after a quoted one) is taken here (see nextKey), and the
   * next cell's copy goes on in this loop, with no round trip through the scanner per cell.
   */
  private cells(chunk: Uint8Array, i: number): number {
    const n = chunk.length
    const words = this.chunkWords
    const wordsEnd = this.validEnd - 3
    // -2 in the header row: its commas go back to the scanner.
    const lastColumn = this.columns - 1
    let out = this.out
    let outWords = this.outWords
    let len = this.len
    let state = this.state
    cells: while (i < n) {
      if (state === UNQUOTED) {
        while (i < n) {
          // Four bytes at a time through the chunk's valid UTF-8, up to the first byte a cell
          // stops at (see wordScan.ts); a whole word written past it is overwritten by the next bytes.
          while (i < wordsEnd) {
            const w = words.getInt32(i, true)
            const stop = unquotedStop(w)
            outWords.setInt32(len, w, true)
            if (stop !== 0) {
              const k = beforeStop(stop)
              i += k
              len += k
              break
            }
            i += 4
            len += 4
          }
          if (i === n) break cells
          const b = chunk[i]!
          // The word copy stops at most cells' ends: their comma is tested before the byte's class.
          if (b === COMMA) {
            if (this.column >= lastColumn) break cells
            // Empty (see endUnquoted): `null` in place of the opening quote.
            if (out[len - 1] === QUOTE) {
              len--
              outWords.setInt32(len, NULL_WORD, true)
              len += 4
            } else out[len++] = QUOTE
            len = this.nextKey(len)
            if (++i === n) {
              state = FIELD_START
              break cells
            }
            if (chunk[i] === QUOTE) {
              state = QUOTED
              i++
              continue cells
            }
            continue
          }
          const kind = UNQUOTED_CLASSES[b]!
          if (kind === PLAIN) {
            out[len++] = b
            i++
          } else if (kind === ESCAPED) {
            const escaped = ESCAPES[b]!
            for (let e = 0; e < escaped.length; e++) out[len++] = escaped[e]!
            i++
          } else if (kind === MULTIBYTE) {
            this.len = len
            i = this.sequence(chunk, i)
            len = this.len
            out = this.out
            outWords = this.outWords
          } else break cells
        }
      } else {
        while (i < n) {
          // The word copy above with quotedStop, written out again rather than shared: the step that
          // inlined it (and took a cell's end inside this loop) took the wide file from 80 to 138 MB/s.
          while (i < wordsEnd) {
            const w = words.getInt32(i, true)
            const stop = quotedStop(w)
            outWords.setInt32(len, w, true)
            if (stop !== 0) {
              const k = beforeStop(stop)
              i += k
              len += k
              break
            }
            i += 4
            len += 4
          }
          if (i === n) break cells
          const b = chunk[i]!
          const kind = QUOTED_CLASSES[b]!
          if (kind === PLAIN) {
            out[len++] = b
            i++
          } else if (kind === IS_QUOTE) {
            if (i + 1 === n) break cells
            const next = chunk[i + 1]!
            if (next === QUOTE) {
              // `""` whole in the chunk is written here rather than through the scanner's states:
              // two in every ~80 bytes of feedback text.
              out[len++] = BACKSLASH
              out[len++] = QUOTE
              i += 2
              continue
            }
            if (next !== COMMA || this.column >= lastColumn) break cells
            out[len++] = QUOTE
            this.lines += this.quotedNewlines
            this.quotedNewlines = 0
            len = this.nextKey(len)
            i += 2
            if (i === n) {
              state = FIELD_START
              break cells
            }
            if (chunk[i] !== QUOTE) {
              state = UNQUOTED
              continue cells
            }
            i++
          } else if (kind === ESCAPED || kind === NEWLINE) {
            if (kind === NEWLINE) this.quotedNewlines++
            const escaped = ESCAPES[b]!
            for (let e = 0; e < escaped.length; e++) out[len++] = escaped[e]!
            i++
          } else if (kind === MULTIBYTE) {
            this.len = len
            i = this.sequence(chunk, i)
            len = this.len
            out = this.out
            outWords = this.outWords
          } else break cells
        }
      }
    }
    this.len = len
    this.state = state
    return i
  }

  /**
   * A byte of 0x80 or more at `i` that the word copy did not take: inside the chunk's checked
   * valid UTF-8 it is copied; elsewhere (a chunk with an invalid sequence, or a sequence its end
   * cuts) its UTF-8 sequence is copied when valid, or U+FFFD written, with
   * TextDecoder's rule of one replacement per maximal invalid subpart (WHATWG Encoding, UTF-8
   * decoder). The bytes are written as they come and taken back if the sequence fails.
   */
  private sequence(chunk: Uint8Array, i: number): number {
    const b = chunk[i]!
    if (i < this.validEnd) {
      // The chunk was checked valid up to there (validUtf8End): a byte the word copy stopped
      // short of, copied as it is.
      this.out[this.len++] = b
      return i + 1
    }
    if (b < 0xc2 || b > 0xf4) {
      this.writeBytes(REPLACEMENT)
      return i + 1
    }
    this.seqNeeded = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3
    this.seqSeen = 0
    this.seqLower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
    this.seqUpper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
    this.out[this.len++] = b
    return this.continueSequence(chunk, i + 1)
  }

  private continueSequence(chunk: Uint8Array, i: number): number {
    while (this.seqSeen < this.seqNeeded) {
      // The chunk ends inside the sequence: the next one goes on with it.
      if (i === chunk.length) return i
      const b = chunk[i]!
      if (b < this.seqLower || b > this.seqUpper) {
        this.badSequence()
        return i
      }
      this.out[this.len++] = b
      this.seqSeen++
      this.seqLower = 0x80
      this.seqUpper = 0xbf
      i++
    }
    this.seqNeeded = 0
    return i
  }

  /** The sequence begun cannot be completed: its bytes give way to one U+FFFD. */
  private badSequence() {
    this.len -= 1 + this.seqSeen
    this.seqNeeded = 0
    this.writeBytes(REPLACEMENT)
  }

  private closeQuote() {
    this.out[this.len++] = QUOTE
    this.lines += this.quotedNewlines
    this.quotedNewlines = 0
    this.state = AFTER_CLOSING_QUOTE
  }

  /**
   * An unquoted cell's bytes never end in a quote (a quote in one is an error, and no JSON escape
   * or UTF-8 byte is one): the byte before `len` is the key's opening quote only when it is empty.
   */
  private endUnquoted() {
    if (this.out[this.len - 1] === QUOTE) {
      this.len--
      this.writeBytes(NULL)
      this.lastCellEmpty = true
    } else {
      this.out[this.len++] = QUOTE
      this.lastCellEmpty = false
    }
  }

  private openRow(cellBytes: number) {
    this.reserve(cellBytes + this.rowOverhead)
    this.rowOpen = true
    this.rowStart = this.len
    if (this.columns >= 0) this.writeBytes(this.head)
    this.column = 0
    this.cellStart = this.len
    if (this.columns < 0) this.out[this.len++] = QUOTE
    else this.len = this.writeKey(this.len, 0)
    this.state = FIELD_START
  }

  private nextCell() {
    if (this.column + 1 < this.columns) this.len = this.nextKey(this.len)
    else {
      // The header row's cells are JSON values separated by commas (see readHeader); a cell past
      // the header's count is written so too, and its row fails when it ends.
      this.column++
      this.cellStart = this.len
      this.out[this.len++] = COMMA
      this.out[this.len++] = QUOTE
    }
    this.state = FIELD_START
  }

  /**
   * After a cell that ended at `len` (a left-out one cut back), the next column's key; returns
   * where the next cell's bytes go.
   */
  private nextKey(len: number): number {
    const dropped = this.dropped
    if (dropped !== undefined) {
      if (dropped[this.column] === 1) len = this.cellStart
      this.cellStart = len
    }
    return this.writeKey(len, ++this.column)
  }

  /**
   * Column c's key at `len` (see keyBytes) as 32-bit words, the last one's bytes past the key
   * overwritten by what follows; returns its end.
   */
  private writeKey(len: number, c: number): number {
    const keys = this.keyWords
    const out = this.outWords
    const start = this.keyEnds[c]!
    const end = this.keyEnds[c + 1]!
    for (let k = start; k < end; k += 4) out.setInt32(len + k - start, keys.getInt32(k, true), true)
    return len + end - start
  }

  /** Ends the row at `b` (CR or LF); true when the reader stops here (only the header wanted). */
  private endRow(b: number): boolean {
    const cells = this.column + 1
    if (cells === 1 && this.lastCellEmpty) {
      this.len = this.rowStart // an empty line
    } else if (this.columns < 0) {
      this.readHeader()
    } else if (cells !== this.columns) {
      throw this.syntaxError(`Invalid Record Length: expect ${this.columns}, got ${cells}`)
    } else {
      if (this.dropped !== undefined && this.dropped[this.column] === 1) this.len = this.cellStart
      this.rowsSeen++
      if (this.rowsSeen <= this.skipRows) this.len = this.rowStart
      else {
        this.writeBytes(this.tail)
        this.rowsEmitted++
      }
    }
    this.complete = this.len
    this.lines++
    this.rowOpen = false
    this.state = FIELD_START
    this.afterCR = b === CR
    if (this.headerOnly && this.columns >= 0) this.stopped = true
    return this.stopped
  }

  /** The header row was written as JSON values separated by commas: parsed back, it is the names. */
  private readHeader() {
    const row = this.out.subarray(this.rowStart, this.len)
    const keys = headerKeys(row, this.excluded)
    this.names = keys.names
    this.columns = keys.names.length
    this.keyBytes = keys.keyBytes
    this.keyWords = keys.keyWords
    this.keyEnds = keys.keyEnds
    this.dropped = keys.dropped
    const kept = keys.kept
    // Every column left out: the added fields open the data object, without their separator.
    if (kept === 0 && this.tail[0] === COMMA) this.tail = this.tail.subarray(1)
    // Besides its cells' bytes a row writes the envelope, the keys, and per cell two quotes or a null.
    this.rowOverhead = this.head.length + this.tail.length + this.keyBytes.length + 6 * this.columns + 64
    this.len = this.rowStart
  }

  private finish() {
    this.dropHandedOut()
    if (this.seqNeeded !== 0) this.badSequence()
    if (this.state === QUOTE_IN_QUOTED) this.closeQuote()
    if (this.state === QUOTED) throw this.syntaxError("Quote Not Closed: the file ends inside a quoted field")
    if (!this.rowOpen) return
    this.reserve(this.rowOverhead)
    if (this.state === FIELD_START || this.state === UNQUOTED) this.endUnquoted()
    else this.lastCellEmpty = false
    this.endRow(LF)
  }

  private syntaxError(message: string) {
    return new CsvFileError(this.lines, `${message} on line ${this.lines}`)
  }

  private writeBytes(bytes: Uint8Array) {
    this.out.set(bytes, this.len)
    this.len += bytes.length
  }

  /** Room for `bytes` more in the output buffer. */
  private reserve(bytes: number) {
    if (this.len + bytes <= this.out.length) return
    const grown = new Uint8Array(Math.max(this.out.length * 2, this.len + bytes))
    grown.set(this.out.subarray(0, this.len))
    this.bytesMoved += this.len
    this.out = grown
    this.outWords = new DataView(grown.buffer)
  }

  /**
   * Hands out the complete rows' output: a view of the output buffer, valid until the next
   * `push` or `end`, or for longer if the taker does not `release` it.
   */
  private take(): Uint8Array {
    const done = this.complete
    if (done === 0) return EMPTY
    this.handedOut = done
    this.lent = true
    this.complete = 0
    return this.out.subarray(0, done)
  }

  /** What the last `push` or `end` handed out is no longer needed: its buffer is used again. */
  release(): void {
    this.lent = false
    if (this.ended) this.recycle()
  }

  /** Gives the output buffer to the next file's encoder; this one writes nothing more. */
  private recycle() {
    const out = this.out
    // Still lent (a caller holds a view of it): `release` recycles it later.
    if (out.length === 0 || this.lent) return
    this.out = EMPTY
    this.outWords = new DataView(EMPTY.buffer)
    this.len = 0
    this.handedOut = 0
    if (out.length <= KEEP_BYTES && spareOutputs.length < MAX_SPARE_OUTPUTS) spareOutputs.push(out)
  }

  /** Moves the partial row to the start of the buffer, or of a new one while the old is lent. */
  private dropHandedOut() {
    const done = this.handedOut
    if (done === 0) return
    const rest = this.len - done
    const shrink = this.out.length > KEEP_BYTES && rest < KEEP_BYTES >> 2
    if (this.lent || shrink) {
      const next = new Uint8Array(shrink ? KEEP_BYTES : this.out.length)
      next.set(this.out.subarray(done, this.len))
      this.out = next
      this.outWords = new DataView(next.buffer)
      this.lent = false
    } else {
      this.out.copyWithin(0, done, this.len)
    }
    this.bytesMoved += rest
    this.len = rest
    this.rowStart -= done
    this.cellStart -= done
    this.handedOut = 0
  }
}
