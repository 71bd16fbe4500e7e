// Small helpers for node:http responses in the API's and S3's error shapes.
import type { IncomingMessage, ServerResponse } from "node:http"

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(text)),
    ...headers
  })
  res.end(text)
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers)
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
}

export function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  details: Record<string, string> = {},
  head = false
): void {
  const extra = Object.entries(details)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("")
  const requestId = Math.random().toString(16).slice(2, 18).toUpperCase()
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `${extra}<RequestId>${requestId}</RequestId><HostId>emulator</HostId></Error>`
  res.writeHead(status, { "Content-Type": "application/xml", "Content-Length": String(Buffer.byteLength(xml)) })
  res.end(head ? undefined : xml)
}

/** Destroys the connection without any response. */
export function resetSocket(req: IncomingMessage): void {
  req.socket.resetAndDestroy?.()
  if (!req.socket.destroyed) req.socket.destroy()
}

/** Closes the connection (FIN after the bytes already written) in the middle of a response. */
export function cutSocket(req: IncomingMessage): void {
  req.socket.end()
}
