import { ADDED_FIELDS } from "../output/recordFields.js"

/**
 * Column names as they become record keys and schema properties. An empty name, a repeated one
 * or one of the fields the connector adds would make two values share a key and lose one, so
 * they get positional names instead.
 */
export const columnNames = (header: ReadonlyArray<string | null>): ReadonlyArray<string> => {
  const seen = new Set<string>(ADDED_FIELDS)
  return header.map((raw, index) => {
    let name = raw === null || raw.trim() === "" ? `column_${index + 1}` : raw
    // The positional name may itself be taken (a header `a_3,a,a`): extend it until it is free.
    while (seen.has(name)) name = `${name}_${index + 1}`
    seen.add(name)
    return name
  })
}

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder()

/** What a header row makes: the names, and each column's key as the encoder writes it. */
export interface HeaderKeys {
  /** The header row as the encoder wrote it (JSON values separated by commas). */
  readonly row: Buffer
  readonly excluded: ReadonlySet<string> | undefined
  readonly names: ReadonlyArray<string>
  readonly keyBytes: Uint8Array
  readonly keyWords: DataView<ArrayBufferLike>
  readonly keyEnds: Int32Array
  readonly dropped: Uint8Array | undefined
  /** Columns not left out. */
  readonly kept: number
}

const makeHeaderKeys = (row: Uint8Array, excluded: ReadonlySet<string> | undefined): HeaderKeys => {
  const cells = JSON.parse(`[${utf8Decoder.decode(row)}]`) as ReadonlyArray<string | null>
  const names = columnNames(cells)
  const kept = excluded === undefined ? names : names.filter((name) => !excluded.has(name))
  // A left-out column has no key, only the opening quote its cell's bytes go after until they
  // are cut back; the first kept one has no separator before it.
  const keys = names.map((name) =>
    utf8.encode(excluded?.has(name) === true ? '"' : `${(name === kept[0] ? "" : ",") + JSON.stringify(name)}:"`)
  )
  const keyBytes = new Uint8Array(keys.reduce((sum, key) => sum + key.length, 0) + 3)
  const keyEnds = new Int32Array(names.length + 1)
  for (const [c, key] of keys.entries()) {
    keyBytes.set(key, keyEnds[c]!)
    keyEnds[c + 1] = keyEnds[c]! + key.length
  }
  return {
    row: Buffer.from(row),
    excluded,
    names,
    keyBytes,
    keyWords: new DataView(keyBytes.buffer),
    keyEnds,
    dropped: kept.length < names.length ? Uint8Array.from(names, (name) => (excluded?.has(name) === true ? 1 : 0)) : undefined,
    kept: kept.length
  }
}

/**
 * The last header read and its keys, for the next file with the same header (byte for byte) and
 * the same columns left out: a stream's hourly files share one, and parsing it again a file cost
 * 12 µs (5,000 files of 6 kB). Read only once made: encoders share it.
 */
let lastKeys: HeaderKeys | undefined

/**
 * The keys of a header row as RecordEncoder wrote it (JSON values separated by commas), with
 * `excluded` columns left out: the last ones made when the row and the columns left out are the
 * same, else made anew.
 */
export const headerKeys = (row: Uint8Array, excluded: ReadonlySet<string> | undefined): HeaderKeys => {
  const last = lastKeys
  if (last !== undefined && last.excluded === excluded && Buffer.from(row.buffer, row.byteOffset, row.length).equals(last.row)) return last
  lastKeys = makeHeaderKeys(row, excluded)
  return lastKeys
}
