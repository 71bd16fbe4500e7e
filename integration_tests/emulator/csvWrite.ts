// RFC 4180 CSV encoding with the hazards a real export may show: CRLF or LF, a byte-order mark,
// no final newline, plain cells quoted for no reason, and "" (empty string) beside nothing (null).
import { hashOf } from "./hash.js"

export type Cell = string | null

export interface CsvStyle {
  crlf: boolean
  bom: boolean
  finalNewline: boolean
  /** salt for the deterministic choice of plain cells that are quoted anyway */
  quoteSalt: number
}

const NEEDS_QUOTES = /[",\r\n]/

export function encodeCell(value: Cell, forceQuote: boolean): string {
  if (value === null) return ""
  if (value === "") return '""'
  if (forceQuote || NEEDS_QUOTES.test(value)) return `"${value.replace(/"/g, '""')}"`
  return value
}

function quoteAnyway(style: CsvStyle, row: number, col: number): boolean {
  return hashOf(style.quoteSalt, row, col) % 7 === 0
}

export function encodeRow(cells: ReadonlyArray<Cell>, style: CsvStyle, row: number): string {
  return cells.map((c, col) => encodeCell(c, quoteAnyway(style, row, col))).join(",")
}

/** A whole file: header then rows. */
export function renderCsv(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Cell>>, style: CsvStyle): string {
  const eol = style.crlf ? "\r\n" : "\n"
  const lines = [encodeRow(header, style, 0)]
  for (const [i, cells] of rows.entries()) lines.push(encodeRow(cells, style, i + 1))
  return (style.bom ? "\uFEFF" : "") + lines.join(eol) + (style.finalNewline ? eol : "")
}

/** The style of one file, deterministic from its identity. */
export function styleFor(...identity: Array<string | number>): CsvStyle {
  const h = hashOf("csv-style", ...identity)
  return {
    crlf: h % 3 === 0,
    bom: (h >>> 4) % 4 === 0,
    finalNewline: (h >>> 8) % 6 !== 0,
    quoteSalt: h
  }
}
