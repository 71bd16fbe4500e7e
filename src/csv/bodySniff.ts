/**
 * Knowing a CSV before trusting it (issue 22): the first bytes of a file body, and the
 * Content-Type the file host gave, checked for what is plainly not a CSV: a proxy's or file
 * host's HTML page ("Access blocked", a login form), an XML error document, or a compressed or
 * binary body that arrived without a coding header. Read as CSV, such a body becomes records
 * (`{"<!DOCTYPE html>": "<html>"}`) and its window's real data is skipped for good.
 */

/** Bytes looked at: a BOM, some leading blank lines and the start of a tag fit with room to spare. */
export const SNIFF_BYTES = 64

const startsWith = (bytes: Uint8Array, at: number, prefix: ReadonlyArray<number>): boolean => prefix.every((b, i) => bytes[at + i] === b)

/** Magic numbers of the compressed formats a file host might send without saying so. */
const COMPRESSED: ReadonlyArray<readonly [string, ReadonlyArray<number>]> = [
  ["gzip", [0x1f, 0x8b]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["zip", [0x50, 0x4b, 0x03, 0x04]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]]
]

/** The start of a body, printable, for a message: at most 60 characters. */
export const shownStart = (bytes: Uint8Array): string => {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 60))
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  return JSON.stringify(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/g, "?"))
}

/**
 * What the first bytes of a body say it is when that is not CSV text, or undefined when it may
 * be CSV. `body` is the start of the body, already decoded by any Content-Encoding the host
 * declared; only its first SNIFF_BYTES are judged, whatever the caller holds. A file reader
 * holds whole chunks (up to 64 KiB): judged whole, a NUL inside a quoted cell 10 kB in failed a
 * valid file as "binary", and the same file was read when that row came in a later chunk.
 */
export const sniffBody = (body: Uint8Array): string | undefined => {
  const start = body.subarray(0, SNIFF_BYTES)
  for (const [name, magic] of COMPRESSED) {
    if (startsWith(start, 0, magic)) {
      return `a ${name}-compressed body that arrived without a Content-Encoding header saying so (it begins with the ${name} magic bytes)`
    }
  }
  // CSV text has no NUL byte; a binary body almost always has one in its first bytes.
  if (start.includes(0)) return `a binary body, not CSV text (a NUL byte in its first ${start.length} bytes): ${shownStart(start)}`
  let at = startsWith(start, 0, [0xef, 0xbb, 0xbf]) ? 3 : 0
  while (at < start.length && (start[at] === 0x20 || start[at] === 0x09 || start[at] === 0x0a || start[at] === 0x0d)) at++
  if (start[at] !== 0x3c /* < */) return undefined
  const next = start[at + 1]
  // `<` then a letter, `!` or `?` opens a tag; a CSV header cell does not start that way.
  const isTag = next !== undefined && (next === 0x21 || next === 0x3f || ((next | 0x20) >= 0x61 && (next | 0x20) <= 0x7a))
  if (!isTag) return undefined
  const tag = new TextDecoder().decode(start.subarray(at, at + 20)).toLowerCase()
  const kind = tag.startsWith("<?xml")
    ? "an XML document"
    : tag.startsWith("<!doctype html") || tag.startsWith("<html")
      ? "an HTML page"
      : "markup (HTML or XML)"
  return `${kind}, not CSV: ${shownStart(start.subarray(at))}`
}

/**
 * What a Content-Type says a body is when that is certainly not CSV: an HTML or XML page (a
 * proxy's login or block page, S3's XML error). Anything else, missing included, is left to the
 * bytes: S3 serves CSVs as `text/csv`, `binary/octet-stream` or `application/octet-stream`.
 */
export const nonCsvContentType = (contentType: string | undefined): string | undefined => {
  if (contentType === undefined) return undefined
  const type = contentType.split(";")[0]!.trim().toLowerCase()
  if (type === "text/html" || type === "application/xhtml+xml") return "an HTML page"
  if (type === "text/xml" || type === "application/xml" || type.endsWith("+xml")) return "an XML document"
  return undefined
}
