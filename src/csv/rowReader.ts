import { CsvScanner } from "./csvScanner.js"

/** A cell: the text, or null for an unquoted empty cell (`""` is the empty string). */
export type Cell = string | null
export type Row = ReadonlyArray<Cell>

/**
 * Rows of one CSV file from its bytes, a chunk at a time: `push` returns the rows completed by a
 * chunk, `end` the rest. The header is the first row. A malformed file throws an error whose
 * `lines` says how far the reader got.
 */
export interface RowReader {
  push(chunk: Uint8Array): ReadonlyArray<Row>
  end(): ReadonlyArray<Row>
  readonly lines: number
}

export interface RowReaderOptions {
  /** Stop after the header, so that rows after it cannot fail the read. */
  readonly firstRowOnly?: boolean
}

/**
 * The reader the connector uses: CsvScanner. csv-parse (`CsvRows`) stays beside it as the
 * reference that the tests hold both to, and as the benchmark's other candidate.
 */
export const newRowReader = (options: RowReaderOptions = {}): RowReader => new CsvScanner(options)
