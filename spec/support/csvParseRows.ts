import { type CastingContext, Parser } from "csv-parse"

/** A cell: the text, or null for an unquoted empty cell (`""` is the empty string). */
export type Cell = string | null
export type Row = ReadonlyArray<Cell>

const cell = (value: string, context: CastingContext): Cell => (value === "" && !context.quoting ? null : value)

/**
 * The reference reader the connector's RecordEncoder is held to (csv-parse, the library the
 * project started with; see docs/benchmark.md, "Why not csv-parse"). csv-parse driven synchronously: each `push` parses one chunk and returns the complete rows in
 * it, so the caller handles a whole chunk at a time and no per-row promise or event is needed.
 * The header is the first row, like any other. A malformed file throws csv-parse's CsvError,
 * which carries the line.
 */
export class CsvRows {
  private readonly parser: Parser
  private readonly rows: Array<Array<Cell>> = []
  private failure: Error | undefined

  constructor(options: { readonly firstRowOnly?: boolean } = {}) {
    this.parser = new Parser({
      ...(options.firstRowOnly ? { to: 1 } : {}),
      bom: true,
      cast: cell,
      skip_empty_lines: true,
      // CRLF and LF (and a lone CR) all end rows, even mixed in one file. Left to itself csv-parse
      // takes the first line ending it sees as the only one: an LF file with a CRLF row later kept
      // the CR in the last cell, a CRLF file with an LF row merged two rows.
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_column_count: false,
      // One write must be able to yield every row it holds without waiting for a read.
      highWaterMark: 1 << 30
    } as ConstructorParameters<typeof Parser>[0])
    this.parser.on("error", (error: Error) => {
      this.failure = error
    })
  }

  push(chunk: Uint8Array): ReadonlyArray<Row> {
    this.parser.write(chunk)
    return this.take()
  }

  end(): ReadonlyArray<Row> {
    this.parser.end()
    return this.take()
  }

  /** Lines read so far, for error messages. */
  get lines(): number {
    return this.parser.info.lines
  }

  private take(): ReadonlyArray<Row> {
    for (let row = this.parser.read() as Array<Cell> | null; row !== null; row = this.parser.read() as Array<Cell> | null)
      this.rows.push(row)
    // A parse error is emitted as an event on the next tick; `errored` already holds it now.
    const failure = this.failure ?? (this.parser.errored as Error | null)
    if (failure) throw failure
    return this.rows.splice(0, this.rows.length)
  }
}
