import { request } from "node:http"
import { gunzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS, exportAll } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
let emu: Emulator
let urls: string[]

beforeAll(async () => {
  emu = await startEmulator({ seed: "storage", now: NOW, rateLimits: NO_LIMITS })
  urls = await exportAll(emu, "feedback_record", "2025-12-12T00:00Z", "2025-12-15T10:00Z")
})
afterAll(() => emu.close())

/** A raw GET (fetch would add Accept-Encoding and decompress). */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
  method = "GET"
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end()
  })
}

function s3Code(body: Buffer): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body.toString("utf8"))?.[1]
}

describe("signed URLs", () => {
  it("live on a second listener, S3-style, and send an exact Content-Length", async () => {
    const url = new URL(urls[0] ?? "")
    expect(url.origin).toBe(emu.storageUrl)
    expect(url.origin).not.toBe(new URL(emu.baseUrl).origin)
    for (const p of ["X-Amz-Algorithm", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Signature"]) expect(url.searchParams.get(p)).toBeTruthy()
    expect(url.pathname).toMatch(/\/feedback_record\/.+\.csv$/)
    const res = await rawGet(url.href)
    expect(res.status).toBe(200)
    expect(res.headers["content-type"]).toContain("text/csv")
    expect(Number(res.headers["content-length"])).toBe(res.body.length)
    expect(res.body.length).toBeGreaterThan(0)
    const head = await rawGet(url.href, {}, "HEAD")
    expect(head.status).toBe(200)
    expect(head.headers["content-length"]).toBe(res.headers["content-length"])
  })

  it("403 SignatureDoesNotMatch XML for a wrong signature or a tampered path", async () => {
    const url = new URL(urls[0] ?? "")
    const wrong = new URL(url)
    wrong.searchParams.set("X-Amz-Signature", "0".repeat(64))
    const tampered = new URL(urls[1] ?? "")
    tampered.search = url.search
    for (const u of [wrong, tampered]) {
      const res = await rawGet(u.href)
      expect(res.status).toBe(403)
      expect(res.headers["content-type"]).toContain("xml")
      expect(res.body.toString()).toMatch(/^<\?xml/)
      expect(s3Code(res.body)).toBe("SignatureDoesNotMatch")
    }
    const unsigned = await rawGet(`${url.origin}${url.pathname}`)
    expect(unsigned.status).toBe(403)
    expect(s3Code(unsigned.body)).toBe("AccessDenied")
  })

  it("expires: 403 AccessDenied 'Request has expired' after the TTL (real time)", async () => {
    const short = await startEmulator({ seed: "storage", now: NOW, urlTtlSeconds: 1, rateLimits: NO_LIMITS })
    try {
      const [url] = await exportAll(short, "feedback_record", "2025-12-12T00:00Z", "2025-12-15T10:00Z")
      expect((await rawGet(url ?? "")).status).toBe(200)
      await new Promise((r) => setTimeout(r, 2100))
      const res = await rawGet(url ?? "")
      expect(res.status).toBe(403)
      expect(s3Code(res.body)).toBe("AccessDenied")
      expect(res.body.toString()).toContain("<Message>Request has expired</Message>")
      // asking the export endpoint again gives a fresh URL to the same bytes
      const [fresh] = await exportAll(short, "feedback_record", "2025-12-12T00:00Z", "2025-12-15T10:00Z")
      expect((await rawGet(fresh ?? "")).status).toBe(200)
    } finally {
      await short.close()
    }
  })

  it("never receives the API token; logs any Authorization header it gets", async () => {
    emu.clearLog()
    await rawGet(urls[0] ?? "")
    await fetch(urls[1] ?? "")
    await rawGet(urls[0] ?? "", { Authorization: "Bearer leaked" })
    const storage = emu.requestLog.filter((e) => e.listener === "storage")
    expect(storage).toHaveLength(3)
    expect(storage.slice(0, 2).every((e) => e.authorization === undefined)).toBe(true)
    expect(storage[2]?.authorization).toBe("Bearer leaked")
    expect(storage[0]?.path).not.toContain("?")
    expect(storage[0]?.query).toContain("X-Amz-Signature=")
    expect(storage[0]?.bytesSent).toBeGreaterThan(0)
    expect(storage[0]?.status).toBe(200)
  })

  it("supports a byte range", async () => {
    const full = await rawGet(urls[0] ?? "")
    const part = await rawGet(urls[0] ?? "", { Range: "bytes=10-" })
    expect(part.status).toBe(206)
    expect(part.body.equals(full.body.subarray(10))).toBe(true)
    expect(part.headers["content-range"]).toBe(`bytes 10-${full.body.length - 1}/${full.body.length}`)
  })
})

describe("gzip", () => {
  it("is sent only when enabled and accepted, with Content-Encoding and the compressed length", async () => {
    const plain = await rawGet(urls[0] ?? "", { "Accept-Encoding": "gzip" })
    expect(plain.headers["content-encoding"]).toBeUndefined()
    const z = await startEmulator({ seed: "storage", now: NOW, gzip: true, rateLimits: NO_LIMITS })
    try {
      const [url] = await exportAll(z, "feedback_record", "2025-12-12T00:00Z", "2025-12-15T10:00Z")
      const gz = await rawGet(url ?? "", { "Accept-Encoding": "gzip, deflate" })
      expect(gz.headers["content-encoding"]).toBe("gzip")
      expect(Number(gz.headers["content-length"])).toBe(gz.body.length)
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true)
      const identity = await rawGet(url ?? "")
      expect(identity.headers["content-encoding"]).toBeUndefined()
      expect(identity.body.equals(plain.body)).toBe(true)
      const viaFetch = Buffer.from(await (await fetch(url ?? "")).arrayBuffer())
      expect(viaFetch.equals(plain.body)).toBe(true)
    } finally {
      await z.close()
    }
  })
})
