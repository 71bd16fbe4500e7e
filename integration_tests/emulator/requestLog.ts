// The request log: every request on both listeners, in the order received.
import type { IncomingMessage, ServerResponse } from "node:http"
import type { RequestLogEntry } from "./types.js"

export class RequestLog {
  readonly entries: RequestLogEntry[] = []

  constructor(private readonly onRequest?: (e: RequestLogEntry) => void) {}

  /** Records a request as it arrives; its status is filled in when the response ends. */
  start(listener: RequestLogEntry["listener"], req: IncomingMessage, res: ServerResponse): RequestLogEntry {
    const raw = req.url ?? "/"
    const q = raw.indexOf("?")
    const auth = req.headers.authorization
    const entry: RequestLogEntry = {
      listener,
      method: req.method ?? "GET",
      path: q < 0 ? raw : raw.slice(0, q),
      query: q < 0 ? "" : raw.slice(q + 1),
      body: undefined,
      status: 0,
      authorization: typeof auth === "string" ? auth : undefined,
      at: Date.now()
    }
    this.entries.push(entry)
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      if (res.headersSent) entry.status = res.statusCode
      this.onRequest?.(entry)
    }
    res.on("finish", finish)
    res.on("close", finish)
    return entry
  }

  clear(): void {
    this.entries.length = 0
  }
}
