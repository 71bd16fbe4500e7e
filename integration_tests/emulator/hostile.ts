// Hostile and careless behaviour on demand (issue 15): a malicious or broken API and file host,
// for the connector's tests of what it must survive. Each mode stays on until `reset()`, unless
// it takes a count. The modes answer in place of the normal handlers, so they never disturb the
// data, the rate limiter or the armed faults of `faults.ts`.
import type { IncomingMessage, ServerResponse } from "node:http"
import { sendError, sendS3Error } from "./http.js"
import type { Reply } from "./handlers.js"
import type { ApiEndpoint, FaultEndpoint, HostileModes } from "./types.js"

/** Where the header-only files of `headerOnlyFiles` live on the file host. */
const HEADER_ONLY = "/hostile/header-only/"

interface RetryAfter {
  endpoint: FaultEndpoint
  value: string
  remaining: number
}

export class HostileSet implements HostileModes {
  private retryAfters: RetryAfter[] = []
  private echoes = new Map<ApiEndpoint, number>()
  private huge = new Map<ApiEndpoint, number>()
  private extraUrls = new Map<string, string[]>()
  private manyFiles = new Map<string, number>()
  private userinfo: string | undefined
  private repeated: string | undefined
  private refused = new Map<string, number>()
  private pages = new Set<string>()

  rateLimitWithRetryAfter(endpoint: FaultEndpoint, retryAfter: string, count = 1): void {
    this.retryAfters.push({ endpoint, value: retryAfter, remaining: count })
  }
  errorEchoingAuthorization(endpoint: ApiEndpoint, count = 1): void {
    this.echoes.set(endpoint, (this.echoes.get(endpoint) ?? 0) + count)
  }
  hugeAnswer(endpoint: ApiEndpoint, bytes: number): void {
    this.huge.set(endpoint, bytes)
  }
  extraFileUrls(objectId: string, urls: string[]): void {
    this.extraUrls.set(objectId, urls)
  }
  headerOnlyFiles(objectId: string, count: number): void {
    this.manyFiles.set(objectId, count)
  }
  userinfoInUrls(userinfo: string): void {
    this.userinfo = userinfo
  }
  repeatObjectInListing(objectId: string): void {
    this.repeated = objectId
  }
  refuseObject(objectId: string, status: 403 | 404 = 403): void {
    this.refused.set(objectId, status)
  }
  pageInsteadOfFiles(objectId: string): void {
    this.pages.add(objectId)
  }
  reset(): void {
    this.refused.clear()
    this.pages.clear()
    this.retryAfters = []
    this.echoes.clear()
    this.huge.clear()
    this.extraUrls.clear()
    this.manyFiles.clear()
    this.userinfo = undefined
    this.repeated = undefined
  }

  private takeRetryAfter(endpoint: FaultEndpoint): string | undefined {
    const due = this.retryAfters.find((r) => r.endpoint === endpoint && r.remaining > 0)
    if (due === undefined) return undefined
    due.remaining--
    return due.value
  }

  /** Answers an authorised API request in place of the handlers; false when no mode applies. */
  answerApi(endpoint: ApiEndpoint, req: IncomingMessage, res: ServerResponse): boolean {
    const retryAfter = this.takeRetryAfter(endpoint)
    if (retryAfter !== undefined) {
      sendError(res, 429, "RATE_LIMITED", "too many requests", { "Retry-After": retryAfter })
      return true
    }
    const echoes = this.echoes.get(endpoint) ?? 0
    if (echoes > 0) {
      this.echoes.set(endpoint, echoes - 1)
      // As a careless gateway does: the request's headers quoted back in the error.
      sendError(res, 400, "INVALID_REQUEST_ARGUMENT", `request rejected; headers were: Authorization: ${req.headers.authorization ?? ""}`)
      return true
    }
    const bytes = this.huge.get(endpoint)
    if (bytes !== undefined) {
      sendHuge(res, endpoint, bytes)
      return true
    }
    return false
  }

  /** Answers a download in place of the file host; false when no mode applies. */
  answerStorage(req: IncomingMessage, res: ServerResponse): boolean {
    const object = /^\/enterpret-exports\/[^/]+\/([^/]+)\//.exec(req.url ?? "")?.[1]
    if (object !== undefined && this.pages.has(decodeURIComponent(object))) {
      // As a proxy's "blocked" page does: 200, the page, no word of the file.
      const page = "<!DOCTYPE html>\n<html><head><title>Access blocked</title></head><body>Blocked by policy.</body></html>\n"
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": String(Buffer.byteLength(page)) })
      res.end(page)
      return true
    }
    if ((req.url ?? "").startsWith(HEADER_ONLY)) {
      // The files of `headerOnlyFiles`: a header and no rows, unsigned (the mode is about the page).
      res.writeHead(200, { "Content-Type": "text/csv; charset=utf-8", "Content-Length": "10" })
      res.end("record_id\n")
      return true
    }
    const retryAfter = this.takeRetryAfter("storage")
    if (retryAfter === undefined) return false
    res.setHeader("Retry-After", retryAfter)
    sendS3Error(res, 429, "SlowDown", "Please reduce your request rate.")
    return true
  }

  /** Alters a successful answer of the handlers: extra or many file URLs, user:pass@, a repeated object. */
  alterReply(endpoint: ApiEndpoint, body: unknown, reply: Reply, storageUrl: string): Reply {
    // The answer is built fresh for each request, so it is altered in copies only.
    if (reply.status !== 200) return reply
    if (endpoint === "objects") {
      const answer = reply.body as { objects: Array<{ id: string }>; paginationToken?: string }
      const again = this.repeated === undefined ? undefined : answer.objects.find((o) => o.id === this.repeated)
      return again === undefined ? reply : { ...reply, body: { ...answer, objects: [...answer.objects, again] } }
    }
    const request = body as { objectID: string; cursor?: string }
    const refused = this.refused.get(request.objectID)
    if (refused !== undefined) {
      return refused === 403
        ? { status: 403, body: { error: { code: "FORBIDDEN", message: `no access to object ${request.objectID}` } } }
        : { status: 404, body: { error: { code: "NOT_FOUND", message: `object ${request.objectID} not found` } } }
    }
    const answer = reply.body as { files: string[]; cursor?: string }
    let files = answer.files
    const first = request.cursor === undefined || request.cursor === null || request.cursor === ""
    const extra = this.extraUrls.get(request.objectID)
    if (extra !== undefined && first) files = [...extra, ...files]
    const many = this.manyFiles.get(request.objectID)
    if (many !== undefined && first) {
      files = [
        ...Array.from({ length: many }, (_, i) => `${storageUrl}${HEADER_ONLY}${request.objectID}/${i}.csv?X-Amz-Signature=none`),
        ...files
      ]
    }
    if (this.userinfo !== undefined) {
      const host = storageUrl.replace(/^http:\/\//, "")
      files = files.map((url) => url.replace(`http://${host}`, `http://${this.userinfo}@${host}`))
    }
    return files === answer.files ? reply : { ...reply, body: { ...answer, files } }
  }
}

/** A 200 answer of `bytes` bytes of valid JSON, written in chunks so the emulator holds little of it. */
function sendHuge(res: ServerResponse, endpoint: ApiEndpoint, bytes: number): void {
  const head = endpoint === "objects" ? '{"objects":[],"padding":"' : '{"files":[],"padding":"'
  const tail = '"}'
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(bytes) })
  const chunk = Buffer.alloc(1 << 16, "x")
  let left = Math.max(0, bytes - head.length - tail.length)
  res.write(head)
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.length)
      left -= n
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once("drain", pump)
    }
    res.end(tail)
  }
  res.on("error", () => {})
  pump()
}
