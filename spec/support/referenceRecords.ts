import { columnNames } from "../../src/csv/header.js"
import type { RecordEnvelope } from "../../src/output/recordEnvelope.js"
import type { Cell } from "./csvParseRows.js"

/** A CSV reader that hands out rows as cells (null for an unquoted empty one), chunk by chunk. */
export interface RowSource {
  push(chunk: Uint8Array): ReadonlyArray<ReadonlyArray<Cell>>
  end(): ReadonlyArray<ReadonlyArray<Cell>>
  readonly lines: number
}

export interface ReferenceResult {
  /** The record lines, as the connector wrote them before the byte-level path. */
  readonly out: string
  readonly header: ReadonlyArray<string> | undefined
  readonly rowsSeen: number
  /** The line a malformed file failed at, as the reader counted it. */
  readonly errorLine?: number
}

/**
 * The records of a file the way the connector made them before it worked on bytes: rows as JS
 * strings from a reader, each cell through JSON.stringify, keys built once, in the envelope.
 * What RecordEncoder's bytes must equal, for valid UTF-8 and for invalid (TextDecoder's U+FFFD).
 */
export const referenceRecords = (
  reader: RowSource,
  chunks: ReadonlyArray<Uint8Array>,
  envelope: RecordEnvelope,
  skipRows = 0
): ReferenceResult => {
  let out = ""
  let keys: ReadonlyArray<string> | undefined
  let header: ReadonlyArray<string> | undefined
  let rowsSeen = 0
  const encode = (rows: ReadonlyArray<ReadonlyArray<Cell>>) => {
    for (const row of rows) {
      if (keys === undefined) {
        header = columnNames(row)
        keys = header.map((name, i) => `${(i === 0 ? "" : ",") + JSON.stringify(name)}:`)
        continue
      }
      rowsSeen++
      if (rowsSeen <= skipRows) continue
      let line = envelope.head
      for (let c = 0; c < keys.length; c++) line += keys[c]! + (row[c] === null ? "null" : JSON.stringify(row[c]))
      out += line + envelope.tail
    }
  }
  try {
    for (const chunk of chunks) encode(reader.push(chunk))
    encode(reader.end())
  } catch (error) {
    const line = (error as { lines?: unknown }).lines
    return { out, header, rowsSeen, errorLine: typeof line === "number" ? line : reader.lines }
  }
  return { out, header, rowsSeen }
}
