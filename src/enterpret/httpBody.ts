import type { IncomingMessage } from "node:http"
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib"

// An HTTP answer's body as both clients read it (download.ts for the file host, apiTransport.ts
// for the Export API): its content coding, and a read bounded in bytes.

/**
 * The answer's content codings (`identity` left out) and the decoder for them: `unreadable` when
 * there are several or one this connector does not know.
 */
export const contentCoding = (source: IncomingMessage) => {
  const header = source.headers["content-encoding"]
  if (header === undefined || header === "" || header === "identity") return { codings: [], decoder: undefined, unreadable: false }
  const codings = header
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity")
  const decoder = codings.length === 1 ? decoderFor(codings[0]!) : undefined
  return { codings, decoder, unreadable: codings.length > 0 && decoder === undefined }
}

/** The decoder of one content coding, compared case-insensitively; undefined for one it does not know. */
const decoderFor = (coding: string) => {
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return createGunzip()
    case "deflate":
      return createInflate()
    case "br":
      return createBrotliDecompress()
    default:
      return undefined
  }
}

/**
 * Reads a body until it ends, fails or closes, or until more than `limit` bytes have come, and
 * then stops listening; `done` is told once what came (up to one chunk past the limit), and
 * whether the body ended as it should (its end, or the limit) rather than failing or closing
 * early. Returns a function that stops it without telling.
 */
export const readUpTo = (
  source: IncomingMessage,
  limit: number,
  done: (body: Buffer, complete: boolean, error: unknown) => void
): (() => void) => {
  const parts: Array<Buffer> = []
  let size = 0
  let finished = false
  const stop = () => {
    finished = true
    source.off("data", onData)
    source.off("end", onEnd)
    source.off("error", onError)
    source.off("close", onClose)
  }
  const finish = (complete: boolean, error: unknown) => {
    if (finished) return
    stop()
    done(Buffer.concat(parts, size), complete, error)
  }
  const onData = (chunk: Buffer) => {
    parts.push(chunk)
    size += chunk.length
    if (size > limit) finish(true, undefined)
  }
  const onEnd = () => finish(true, undefined)
  const onError = (error: unknown) => finish(false, error)
  const onClose = () => finish(false, undefined)
  source.on("data", onData)
  source.on("end", onEnd)
  source.on("error", onError)
  source.on("close", onClose)
  return stop
}
