// The API listener: POST {base}/external/v2/objects and POST {base}/external/v2/export, base
// ending in /export. Order of checks: route, method, bearer token, faults, rate limit, body.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Ctx } from "./context.js"
import { exportObject, listObjects, type Reply } from "./handlers.js"
import { readBody, resetSocket, sendError, sendJson, sleep } from "./http.js"
import type { ApiEndpoint } from "./types.js"

export const BASE_PATH = "/export"

const ROUTES: Record<string, ApiEndpoint> = {
  [`${BASE_PATH}/external/v2/objects`]: "objects",
  [`${BASE_PATH}/external/v2/export`]: "export"
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "")
  return m?.[1]?.trim()
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.trim() === "") return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(raw) as unknown }
  } catch {
    return { ok: false }
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const entry = ctx.log.start("api", req, res)
  const raw = await readBody(req)
  const parsed = parseJson(raw)
  entry.body = parsed.ok ? parsed.value : raw
  const endpoint = ROUTES[entry.path]
  if (endpoint === undefined) {
    return sendError(res, 404, "NOT_FOUND", `no such endpoint: ${req.method ?? ""} ${entry.path}`)
  }
  if (req.method !== "POST") {
    return sendError(res, 405, "METHOD_NOT_ALLOWED", `${entry.path} accepts POST only`, { Allow: "POST" })
  }
  const token = bearer(entry.authorization)
  if (token === undefined) return sendError(res, 401, "UNAUTHORIZED", "missing bearer token in the Authorization header")
  if (token !== ctx.tokens.full && token !== ctx.tokens.readOnly) {
    return sendError(res, 401, "UNAUTHORIZED", "invalid or expired authentication token")
  }
  if (token === ctx.tokens.readOnly) {
    return sendError(res, 403, "FORBIDDEN", "token does not have the export permission")
  }
  if (ctx.hostile.answerApi(endpoint, req, res)) return
  const fault = ctx.faults.decideApi(endpoint)
  if (fault.delayMs > 0) {
    entry.fault = "slow"
    await sleep(fault.delayMs)
  }
  const action = fault.action
  if (action !== undefined) entry.fault = action.kind
  if (action?.kind === "reset") return resetSocket(req)
  if (action?.kind === "429") return rateLimited(res, action.retryAfterSeconds)
  if (action?.kind === "5xx") return sendError(res, action.status, "INTERNAL_ERROR", "internal server error (injected)")
  if (action?.kind === "invalidJson") {
    res.writeHead(200, { "Content-Type": "application/json" })
    return void res.end('<html><body>502 Bad Gateway</body></html>{"files": [')
  }
  const admission = ctx.limiter.take(ctx.org, endpoint)
  if (!admission.ok) return rateLimited(res, admission.retryAfterSeconds)
  if (!parsed.ok) return sendError(res, 400, "INVALID_REQUEST_ARGUMENT", "request body is not valid JSON")
  let reply: Reply
  try {
    reply = endpoint === "objects" ? listObjects(parsed.value, ctx) : exportObject(parsed.value, ctx)
    reply = ctx.hostile.alterReply(endpoint, parsed.value, reply, ctx.storageUrl())
  } catch (e) {
    return sendError(res, 500, "INTERNAL_ERROR", e instanceof Error ? e.message : String(e))
  }
  sendJson(res, reply.status, reply.body)
}

function rateLimited(res: ServerResponse, seconds: number): void {
  sendError(res, 429, "RATE_LIMITED", `too many requests, retry in ${seconds} s`, { "Retry-After": String(seconds) })
}

export function createApiServer(ctx: Ctx): Server {
  return createServer((req, res) => {
    handle(req, res, ctx).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, "INTERNAL_ERROR", e instanceof Error ? e.message : String(e))
      else res.destroy()
    })
  })
}
