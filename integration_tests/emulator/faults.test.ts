import { request } from "node:http"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS, callApi, download, exportAll, parseCsv } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
const W = ["2025-12-12T00:00Z", "2025-12-15T10:00Z"] as const
const body = { objectID: "feedback_record", startTime: W[0], endTime: W[1] }
let emu: Emulator
let url: string

beforeAll(async () => {
  emu = await startEmulator({ seed: "faults", now: NOW, rateLimits: NO_LIMITS })
  // a file with several rows, so that a cut lands inside it
  for (const u of await exportAll(emu, ...(["feedback_summary", ...W] as const))) {
    if ((await download(u)).length > 300) {
      url = u
      break
    }
  }
})
afterAll(() => emu.close())
beforeEach(() => emu.faults.reset())

/** Status of a raw GET, or "reset"/"cut" when the connection broke; bytes received. */
function get(u: string): Promise<{ status: number | "reset"; bytes: number; complete: boolean; length: number }> {
  return new Promise((resolve) => {
    const req = request(u, (res) => {
      let bytes = 0
      res.on("data", (c: Buffer) => {
        bytes += c.length
      })
      const done = (complete: boolean) =>
        resolve({ status: res.statusCode ?? 0, bytes, complete, length: Number(res.headers["content-length"]) })
      res.on("end", () => done(true))
      res.on("aborted", () => done(false))
      res.on("error", () => done(false))
    })
    req.on("error", () => resolve({ status: "reset", bytes: 0, complete: false, length: 0 }))
    req.end()
  })
}

describe("API faults", () => {
  it("rateLimitBurst: the next N requests get 429 RATE_LIMITED with Retry-After", async () => {
    emu.faults.rateLimitBurst("export", 2, 3)
    for (let i = 0; i < 2; i++) {
      const a = await callApi(emu, "export", body)
      expect(a.status).toBe(429)
      expect(a.headers.get("retry-after")).toBe("3")
      expect(a.json).toMatchObject({ error: { code: "RATE_LIMITED" } })
    }
    expect((await callApi(emu, "objects", {})).status).toBe(200)
    expect((await callApi(emu, "export", body)).status).toBe(200)
  })

  it("serverError: the nth request and count-1 more get the status with INTERNAL_ERROR", async () => {
    emu.faults.serverError("objects", { nth: 2, count: 2, status: 503 })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await callApi(emu, "objects", {})).status)
    expect(statuses).toEqual([200, 503, 503, 200])
    emu.faults.serverError("export", {})
    const a = await callApi(emu, "export", body)
    expect(a.status).toBe(500)
    expect(a.json).toMatchObject({ error: { code: "INTERNAL_ERROR" } })
  })

  it("slow: answers after the delay", async () => {
    emu.faults.slow("objects", 400)
    const t = Date.now()
    expect((await callApi(emu, "objects", {})).status).toBe(200)
    expect(Date.now() - t).toBeGreaterThanOrEqual(380)
    await callApi(emu, "objects", {})
    // Once only: the log, not a clock, says so (a loaded machine can take 300 ms for any request).
    expect(emu.requestLog.filter((e) => e.fault === "slow" && e.path.endsWith("/objects"))).toHaveLength(1)
  })

  it("resetConnection: the socket is destroyed without a response", async () => {
    emu.faults.resetConnection("export")
    await expect(callApi(emu, "export", body)).rejects.toThrow()
    expect((await callApi(emu, "export", body)).status).toBe(200)
    const log = emu.requestLog.filter((e) => e.listener === "api" && e.fault === "reset")
    expect(log.at(-1)?.status).toBe(0)
  })

  it("invalidJson: 200 with a body that is not JSON", async () => {
    emu.faults.invalidJson("export", 1)
    const a = await callApi(emu, "export", body)
    expect(a.status).toBe(200)
    expect(a.json).toBeUndefined()
    expect(() => JSON.parse(a.text) as unknown).toThrow()
  })
})

describe("storage faults", () => {
  it("expireUrls: 403 Request has expired even within the TTL", async () => {
    emu.faults.expireUrls(1)
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(await res.text()).toContain("Request has expired")
    expect((await fetch(url)).status).toBe(200)
  })

  it("cutDownload: a correct Content-Length, then the socket closes after N bytes", async () => {
    emu.faults.cutDownload(100)
    const cut = await get(url)
    expect(cut.status).toBe(200)
    expect(cut.complete).toBe(false)
    expect(cut.bytes).toBe(100)
    expect(cut.length).toBeGreaterThan(100)
    await expect(download(url)).resolves.toHaveLength(cut.length)
    emu.faults.cutDownload(10)
    await expect(download(url)).rejects.toThrow()
  })

  it("cutDownloadTwice: the file's next download is cut again, earlier; other files are not", async () => {
    emu.faults.cutDownloadTwice(0.9, 0.1)
    const first = await get(url)
    expect(first.complete).toBe(false)
    expect(first.bytes).toBe(Math.floor(0.9 * first.length))
    const second = await get(url)
    expect(second.complete).toBe(false)
    expect(second.bytes).toBe(Math.floor(0.1 * first.length))
    expect((await get(url)).complete).toBe(true)
    expect(
      emu.requestLog
        .filter((e) => e.listener === "storage")
        .map((e) => e.fault)
        .slice(-3)
    ).toEqual(["cut", "recut", undefined])
  })

  it("resetConnection, serverError and slow on storage", async () => {
    emu.faults.resetConnection("storage")
    expect((await get(url)).status).toBe("reset")
    emu.faults.serverError("storage", { status: 503 })
    const res = await fetch(url)
    expect(res.status).toBe(503)
    expect(await res.text()).toContain("<Code>SlowDown</Code>")
    emu.faults.slow("storage", 300)
    const t = Date.now()
    expect((await fetch(url)).status).toBe(200)
    expect(Date.now() - t).toBeGreaterThanOrEqual(280)
  })

  it("malformedRow: files of the object get a row with an extra cell, until reset", async () => {
    emu.faults.malformedRow("feedback_summary")
    const urls = await exportAll(emu, "feedback_summary", ...W)
    let failures = 0
    for (const u of urls) {
      try {
        parseCsv(await download(u))
      } catch {
        failures++
      }
    }
    expect(failures).toBeGreaterThan(0)
    for (const u of await exportAll(emu, "feedback_record", ...W)) parseCsv(await download(u))
    emu.faults.reset()
    for (const u of await exportAll(emu, "feedback_summary", ...W)) parseCsv(await download(u))
  })
})

describe("random faults and the request log", () => {
  it("random: deterministic from the seed, only the kinds asked for", async () => {
    const run = async () => {
      emu.faults.reset()
      emu.faults.random({ rate: 0.5, seed: "soak", kinds: ["5xx", "429"] })
      const out: number[] = []
      for (let i = 0; i < 12; i++) out.push((await callApi(emu, "objects", {})).status)
      return out
    }
    const a = await run()
    expect(await run()).toEqual(a)
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(0)
    expect(a.every((s) => [200, 429, 503].includes(s))).toBe(true)
  })

  it("logs every request on both listeners, in order, with status and fault", async () => {
    emu.clearLog()
    expect(emu.requestLog).toHaveLength(0)
    emu.faults.rateLimitBurst("objects", 1)
    await callApi(emu, "objects", {})
    await callApi(emu, "objects", {})
    await fetch(url)
    const log = emu.requestLog
    expect(log.map((e) => [e.listener, e.method, e.status, e.fault])).toEqual([
      ["api", "POST", 429, "429"],
      ["api", "POST", 200, undefined],
      ["storage", "GET", 200, undefined]
    ])
    expect(log[0]?.path).toBe("/export/external/v2/objects")
    expect(log[0]?.body).toEqual({})
    expect(log[0]?.authorization).toBe(`Bearer ${emu.token}`)
    expect(log[0]?.at).toBeLessThanOrEqual(log[1]?.at ?? 0)
  })
})
