// The signed-URL listener, as S3 would be: checks the signature and expiry, answers S3 XML errors,
// sends Content-Length, optionally gzip, supports HEAD and single byte ranges, and logs every
// request with whatever Authorization header it carried.
import { createReadStream } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { gzipSync } from "node:zlib"
import type { Ctx } from "./context.js"
import { cutSocket, resetSocket, sendS3Error, sleep } from "./http.js"
import type { StorageAction } from "./faults.js"
import { renderReplicaFile } from "./replicaTenant.js"
import { parseFilePath } from "./tokens.js"
import type { RequestLogEntry } from "./types.js"

type Body = { kind: "buffer"; data: Buffer } | { kind: "file"; path: string; size: number }

function resolve(ctx: Ctx, path: string): Body | undefined {
  const ref = parseFilePath(path)
  if (ref === undefined) return undefined
  if (ref.k === "b") {
    const f = ctx.bench.files.filter((b) => b.objectId === ref.o)[ref.i]
    return f === undefined ? undefined : { kind: "file", path: f.path, size: f.bytes }
  }
  if (ref.k === "r") {
    return ctx.replica === undefined ? undefined : { kind: "buffer", data: renderReplicaFile(ref.o, ref.h, ctx.replica.rowsPerFile) }
  }
  if (!ctx.ds.has(ref.snap.objectId)) return undefined
  const data = ctx.files.render(ref.snap, ref.i)
  return data === undefined ? undefined : { kind: "buffer", data }
}

const gzipCache = new WeakMap<Buffer, Buffer>()

function gzipped(data: Buffer): Buffer {
  let z = gzipCache.get(data)
  if (z === undefined) {
    z = gzipSync(data)
    gzipCache.set(data, z)
  }
  return z
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? "")
  if (m === null || (m[1] === "" && m[2] === "")) return undefined
  if (m[1] === "") return { start: Math.max(0, size - Number(m[2])), end: size - 1 }
  const start = Number(m[1])
  const end = m[2] === "" ? size - 1 : Math.min(size - 1, Number(m[2]))
  return { start, end }
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const entry = ctx.log.start("storage", req, res)
  const head = req.method === "HEAD"
  if (req.method !== "GET" && !head)
    return sendS3Error(res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
  let action: StorageAction | undefined
  if (!head && ctx.hostile.answerStorage(req, res)) return
  if (!head) {
    const fault = ctx.faults.decideStorage(entry.path)
    if (fault.delayMs > 0) {
      entry.fault = "slow"
      await sleep(fault.delayMs)
    }
    action = fault.action
    if (action !== undefined) entry.fault = action.kind === "cut" && action.again === true ? "recut" : action.kind
    if (action?.kind === "reset") return resetSocket(req)
    if (action?.kind === "429") {
      res.setHeader("Retry-After", String(action.retryAfterSeconds))
      return sendS3Error(res, 429, "SlowDown", "Please reduce your request rate.")
    }
    if (action?.kind === "5xx") {
      const slowDown = action.status === 503
      return sendS3Error(
        res,
        action.status,
        slowDown ? "SlowDown" : "InternalError",
        slowDown ? "Please reduce your request rate." : "We encountered an internal error. Please try again."
      )
    }
    if (action?.kind === "expire")
      return sendS3Error(res, 403, "AccessDenied", "Request has expired", {
        "X-Amz-Expires": new URLSearchParams(entry.query).get("X-Amz-Expires") ?? "900"
      })
  }
  const verdict = ctx.signer.verify(entry.path, new URLSearchParams(entry.query))
  if (!verdict.ok) return sendS3Error(res, 403, verdict.code, verdict.message, verdict.details, head)
  const body = resolve(ctx, entry.path)
  if (body === undefined) return sendS3Error(res, 404, "NoSuchKey", "The specified key does not exist.", { Key: entry.path }, head)
  const accept = req.headers["accept-encoding"] ?? ""
  const useGzip = ctx.gzip && body.kind === "buffer" && /\bgzip\b/i.test(accept)
  const data = body.kind === "buffer" ? (useGzip ? gzipped(body.data) : body.data) : undefined
  const size = data?.length ?? (body.kind === "file" ? body.size : 0)
  const range = useGzip ? undefined : parseRange(req.headers.range, size)
  if (range !== undefined && (range.start >= size || range.start > range.end)) {
    res.writeHead(416, { "Content-Range": `bytes */${size}`, "Content-Length": "0" })
    return void res.end()
  }
  const start = range?.start ?? 0
  const end = range?.end ?? size - 1
  const length = Math.max(0, end - start + 1)
  const headers: Record<string, string> = {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Length": String(length),
    "Accept-Ranges": "bytes",
    ETag: `"${ctx.signer.mac(entry.path).slice(0, 32)}"`,
    ...(useGzip ? { "Content-Encoding": "gzip" } : {}),
    ...(range !== undefined ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {})
  }
  // Time to first byte: the status line waits as a distant object store's would.
  if (!head && ctx.fileHost.latencyMs > 0) await sleep(ctx.fileHost.latencyMs)
  res.writeHead(range !== undefined ? 206 : 200, headers)
  if (head) return void res.end()
  const cutAt = action?.kind === "cut" ? Math.min(length, action.afterBytes ?? Math.floor((action.fraction ?? 0.5) * length)) : undefined
  const count = cutAt === undefined ? length : cutAt
  if (ctx.fileHost.bytesPerSecond !== undefined) {
    return sendPaced(req, res, entry, data, body, start, count, cutAt !== undefined, ctx.fileHost.bytesPerSecond)
  }
  await send(req, res, entry, data, body, start, count, cutAt !== undefined)
}

/** The most bytes written at once when paced: 64 KiB at 4 MiB/s is a write every 16 ms. */
const PACED_PIECE = 64 * 1024

/**
 * `send` at `bytesPerSecond`: each piece is written once its own bytes have had their time at that
 * rate, so that the last byte of a body of N bytes leaves N / bytesPerSecond after the first piece
 * could have begun (a connection's share of a distant host). Written at the start of its time
 * instead, the last piece went out early: a client framed by Content-Length had the whole body a
 * piece's time sooner, and the benchmark's replica read at 4 connections came in under the floor
 * its bandwidth allows (66.6 s against 73.3 s, 184 kB files in 64 KiB pieces).
 */
async function sendPaced(
  req: IncomingMessage,
  res: ServerResponse,
  entry: RequestLogEntry,
  data: Buffer | undefined,
  body: Body,
  start: number,
  count: number,
  cut: boolean,
  bytesPerSecond: number
): Promise<void> {
  entry.bytesSent = 0
  // The status line and headers go at once (after the first-byte wait), the body at the cap.
  res.flushHeaders()
  const chunks: AsyncIterable<Buffer> | Iterable<Buffer> =
    data !== undefined
      ? [data.subarray(start, start + count)]
      : count === 0 || body.kind !== "file"
        ? []
        : createReadStream(body.path, { start, end: start + count - 1 })
  const began = performance.now()
  let sent = 0
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += PACED_PIECE) {
      const piece = chunk.subarray(at, at + PACED_PIECE)
      const wait = began + ((sent + piece.length) / bytesPerSecond) * 1000 - performance.now()
      if (wait > 1) await sleep(wait)
      if (res.destroyed) return
      sent += piece.length
      entry.bytesSent += piece.length
      if (!res.write(piece))
        await new Promise<void>((done) => {
          res.once("drain", done)
          res.once("close", done)
        })
    }
  }
  const rest = began + (sent / bytesPerSecond) * 1000 - performance.now()
  if (rest > 1) await sleep(rest)
  if (res.destroyed) return
  if (cut) res.write("", () => cutSocket(req))
  else res.end()
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  entry: RequestLogEntry,
  data: Buffer | undefined,
  body: Body,
  start: number,
  count: number,
  cut: boolean
): Promise<void> {
  entry.bytesSent = 0
  if (data !== undefined) {
    const slice = data.subarray(start, start + count)
    entry.bytesSent = slice.length
    if (!cut) return void res.end(slice)
    return new Promise((done) =>
      res.write(slice, () => {
        cutSocket(req)
        done()
      })
    )
  }
  if (count === 0) {
    if (cut) cutSocket(req)
    else res.end()
    return
  }
  const path = body.kind === "file" ? body.path : ""
  const stream = createReadStream(path, { start, end: start + count - 1 })
  stream.on("data", (chunk) => {
    entry.bytesSent = (entry.bytesSent ?? 0) + chunk.length
  })
  stream.pipe(res, { end: !cut })
  await new Promise<void>((done) => stream.on("close", done))
  if (cut) res.write("", () => cutSocket(req))
}

export function createStorageServer(ctx: Ctx): Server {
  return createServer((req, res) => {
    handle(req, res, ctx).catch((e: unknown) => {
      if (!res.headersSent) sendS3Error(res, 500, "InternalError", e instanceof Error ? e.message : String(e))
      else res.destroy()
    })
  })
}
