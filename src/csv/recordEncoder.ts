import { newRowReader, type Row, type RowReader } from "./rowReader.js"
import type { RecordEnvelope } from "../protocol/recordEnvelope.js"
import { columnNames } from "./header.js"

/**
 * Bytes parsed at a time. The rows of a piece are encoded before the next piece is parsed, so
 * they die young: with 64 KiB at once, a wide file's thousands of cells outlived the workers'
 * small young generation and were copied into the old one (measured: 8 KiB pieces let an 8 MB
 * young generation run as fast as a 16 MB one did with whole chunks).
 */
const PIECE_BYTES = 8192

/** What every record of one file shares. */
export interface FileContext {
  /** The text around each record's cells, from the protocol's SyncOutput (Airbyte or Singer). */
  readonly envelope: RecordEnvelope
  /** Data rows already emitted from this file by an earlier, broken-off download. */
  readonly skipRows: number
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

/**
 * Turns the bytes of one CSV file into newline-terminated record lines framed by the file's
 * envelope, a chunk at a time. This is the hot path: no per-row Effect or schema work, the JSON
 * of each key is built once per file, and each cell costs one JSON.stringify.
 */
export class RecordEncoder {
  private names: ReadonlyArray<string> | undefined
  /** Per column, its JSON key with the separator before it, e.g. `,"text":`. */
  private keys: ReadonlyArray<string> | undefined
  private columns = 0
  /** Data rows seen, including skipped ones: the resume point if the download breaks off. */
  rowsSeen = 0
  rowsEmitted = 0

  constructor(
    private readonly context: FileContext,
    private readonly rows: RowReader = newRowReader()
  ) {}

  /** The header's column names once the first line has been read. */
  get header(): ReadonlyArray<string> | undefined {
    return this.names
  }

  push(chunk: Uint8Array): string {
    let out = ""
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
      const piece = chunk.subarray(at, at + PIECE_BYTES)
      out += this.encode(this.guard(() => this.rows.push(piece)))
    }
    return out
  }

  end(): string {
    return this.encode(this.guard(() => this.rows.end()))
  }

  private guard(parse: () => ReadonlyArray<Row>): ReadonlyArray<Row> {
    try {
      return parse()
    } catch (error) {
      const lines = (error as { lines?: unknown }).lines
      throw new CsvFileError(typeof lines === "number" ? lines : this.rows.lines, error instanceof Error ? error.message : String(error))
    }
  }

  private encode(rows: ReadonlyArray<Row>): string {
    let out = ""
    let start = 0
    if (this.keys === undefined && rows.length > 0) {
      const names = columnNames(rows[0]!)
      this.names = names
      this.columns = names.length
      this.keys = names.map((name, i) => (i === 0 ? "" : ",") + JSON.stringify(name) + ":")
      start = 1
    }
    const keys = this.keys
    if (keys === undefined) return out
    const { head: prefix, tail: suffix } = this.context.envelope
    for (let r = start; r < rows.length; r++) {
      this.rowsSeen++
      if (this.rowsSeen <= this.context.skipRows) continue
      const row = rows[r]!
      let line = prefix
      for (let c = 0; c < this.columns; c++) {
        const value = row[c]
        line += keys[c] + (value === null || value === undefined ? "null" : JSON.stringify(value))
      }
      out += line + suffix
      this.rowsEmitted++
    }
    return out
  }
}
