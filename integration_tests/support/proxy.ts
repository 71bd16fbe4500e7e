// A fault-injecting HTTP proxy between the connector and the emulator, for faults the emulator
// cannot aim: at one object only, a Retry-After given as an HTTP date, a JSON reply of the wrong
// shape, a download that stalls in the middle of its body. Everything else passes through, and
// the signed URLs in export replies are rewritten to go through the proxy too.
import { once } from "node:events"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { Emulator } from "../emulator/index.js"

export interface ApiCall {
  readonly path: string
  /** The request's JSON body ({} when there was none). */
  readonly body: Record<string, unknown>
  /** 1 for the first API call through the proxy, 2 for the next, ... */
  readonly n: number
}

export interface Reply {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body: string
}

export interface ProxyRules {
  /** A reply of the test's own instead of the emulator's, or undefined to pass the call on. */
  readonly api?: (call: ApiCall) => Reply | undefined
  /** For a file download (`n` counts downloads): send only this many bytes of the body, then stall. */
  readonly stallFile?: (call: { readonly path: string; readonly n: number }) => number | undefined
}

export interface FaultProxy {
  /** Use as the config's `base_url`. */
  readonly baseUrl: string
  readonly apiCalls: ReadonlyArray<ApiCall>
  close(): Promise<void>
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/** JSON replies in the API's error shape, for rules. */
export const apiError = (status: number, code: string, message: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ error: { code, message } })
})

export const startFaultProxy = async (emulator: Emulator, rules: ProxyRules): Promise<FaultProxy> => {
  const apiOrigin = new URL(emulator.baseUrl).origin
  const apiCalls: Array<ApiCall> = []
  let downloads = 0
  let origin = ""

  const api = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req)
    const body = text.trim() === "" ? {} : (JSON.parse(text) as Record<string, unknown>)
    const call: ApiCall = { path: req.url ?? "/", body, n: apiCalls.length + 1 }
    apiCalls.push(call)
    const own = rules.api?.(call)
    if (own !== undefined) {
      res.writeHead(own.status, own.headers ?? {})
      return void res.end(own.body)
    }
    const answer = await fetch(`${apiOrigin}${call.path}`, {
      method: req.method ?? "POST",
      headers: { "content-type": "application/json", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
      ...(text === "" ? {} : { body: text })
    })
    const relayed = (await answer.text()).split(emulator.storageUrl).join(origin)
    const retryAfter = answer.headers.get("retry-after")
    res.writeHead(answer.status, { "content-type": "application/json", ...(retryAfter ? { "retry-after": retryAfter } : {}) })
    res.end(relayed)
  }

  const file = async (req: IncomingMessage, res: ServerResponse) => {
    const n = ++downloads
    const answer = await fetch(`${emulator.storageUrl}${req.url ?? "/"}`)
    const data = Buffer.from(await answer.arrayBuffer())
    res.writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "text/csv",
      "content-length": String(data.length)
    })
    const stallAfter = answer.status === 200 ? rules.stallFile?.({ path: req.url ?? "/", n }) : undefined
    // A stalled body: the headers promise the whole file, a part is sent, then nothing ever comes.
    if (stallAfter !== undefined) return void res.write(data.subarray(0, stallAfter))
    res.end(data)
  }

  const server = createServer((req, res) => {
    const handler = (req.url ?? "").startsWith("/export/") ? api : file
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" })
      res.end(`proxy: ${String(error)}`)
    })
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    baseUrl: `${origin}/export`,
    apiCalls,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    }
  }
}
