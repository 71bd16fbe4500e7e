import { describe, expect, it } from "vitest"
import { startEmulator } from "./index.js"
import { RateLimiter } from "./rateLimit.js"
import { callApi } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
const body = { objectID: "theme", startTime: "2025-12-12T00:00Z", endTime: "2025-12-13T00:00Z" }

describe("rate limits", () => {
  it("defaults to the document's 10 export and 60 objects requests a minute", async () => {
    const emu = await startEmulator({ seed: "rl", now: NOW })
    try {
      const exports = await Promise.all(Array.from({ length: 11 }, () => callApi(emu, "export", body)))
      expect(exports.filter((a) => a.status === 200)).toHaveLength(10)
      const refused = exports.find((a) => a.status === 429)
      expect(refused?.json).toMatchObject({ error: { code: "RATE_LIMITED" } })
      const retry = Number(refused?.headers.get("retry-after"))
      expect(retry).toBeGreaterThanOrEqual(1)
      expect(retry).toBeLessThanOrEqual(60)
      const objects = await Promise.all(Array.from({ length: 61 }, () => callApi(emu, "objects", {})))
      expect(objects.filter((a) => a.status === 200)).toHaveLength(60)
      expect(objects.filter((a) => a.status === 429)).toHaveLength(1)
    } finally {
      await emu.close()
    }
  })

  it("a compressed minute: Retry-After is truthful (whole seconds, at least 1)", async () => {
    const emu = await startEmulator({ seed: "rl", now: NOW, rateLimits: { exportPerMinute: 3, objectsPerMinute: 2, minuteMs: 1500 } })
    try {
      for (let i = 0; i < 3; i++) expect((await callApi(emu, "export", body)).status).toBe(200)
      const refused = await callApi(emu, "export", body)
      expect(refused.status).toBe(429)
      const retry = Number(refused.headers.get("retry-after"))
      expect(retry).toBe(2)
      // refused requests do not count: after Retry-After the quota is back
      await new Promise((r) => setTimeout(r, retry * 1000))
      for (let i = 0; i < 3; i++) expect((await callApi(emu, "export", body)).status).toBe(200)
      // the objects limit is separate
      expect((await callApi(emu, "objects", {})).status).toBe(200)
      expect((await callApi(emu, "objects", {})).status).toBe(200)
      expect((await callApi(emu, "objects", {})).status).toBe(429)
    } finally {
      await emu.close()
    }
  })

  it("counts per organisation and not unauthenticated requests", async () => {
    const emu = await startEmulator({ seed: "rl", now: NOW, rateLimits: { exportPerMinute: 1 } })
    try {
      expect((await callApi(emu, "export", body, "bad")).status).toBe(401)
      expect((await callApi(emu, "export", body)).status).toBe(200)
      expect((await callApi(emu, "export", body)).status).toBe(429)
    } finally {
      await emu.close()
    }
  })

  it("sliding window arithmetic", () => {
    const rl = new RateLimiter({ export: 2, objects: 1 }, 10_000)
    expect(rl.take("o", "export", 0)).toEqual({ ok: true })
    expect(rl.take("o", "export", 4_000)).toEqual({ ok: true })
    expect(rl.take("o", "export", 4_500)).toEqual({ ok: false, retryAfterSeconds: 6 })
    expect(rl.take("o", "export", 9_999)).toEqual({ ok: false, retryAfterSeconds: 1 })
    expect(rl.take("o", "export", 10_000)).toEqual({ ok: true })
    expect(rl.take("other", "export", 10_000)).toEqual({ ok: true })
  })
})
