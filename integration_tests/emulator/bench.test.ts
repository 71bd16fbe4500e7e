import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS, download, exportAll, parseCsv } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
const dir = mkdtempSync(join(tmpdir(), "emu-bench-test-"))
let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({
    seed: "bench",
    now: NOW,
    rateLimits: NO_LIMITS,
    bench: {
      dir,
      objects: [
        { id: "big_feedback", kind: "feedback", bytes: 3_000_000, files: 3 },
        { id: "big_wide", kind: "wide", bytes: 1_000_000, files: 2 }
      ]
    }
  })
})
afterAll(async () => {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("bench objects", () => {
  it("are generated to disk at the requested size and listed as objects", () => {
    const files = emu.benchFiles()
    expect(files.map((f) => f.objectId)).toEqual(["big_feedback", "big_feedback", "big_feedback", "big_wide", "big_wide"])
    for (const f of files) expect(statSync(f.path).size).toBe(f.bytes)
    const total = files.filter((f) => f.objectId === "big_feedback").reduce((n, f) => n + f.bytes, 0)
    expect(total).toBeGreaterThanOrEqual(3_000_000)
    expect(total).toBeLessThan(3_200_000)
    expect(emu.objects().map((o) => o.id)).toEqual(expect.arrayContaining(["big_feedback", "big_wide"]))
  })

  it("are served in one window, byte for byte, with Content-Length from disk", async () => {
    const span = [`${emu.dataSpan.start.toISOString().slice(0, 16)}Z`, `${emu.dataSpan.end.toISOString().slice(0, 16)}Z`] as const
    const urls = await exportAll(emu, "big_feedback", ...span)
    expect(urls).toHaveLength(3)
    const files = emu.benchFiles().filter((f) => f.objectId === "big_feedback")
    for (const [i, url] of urls.entries()) {
      const res = await fetch(url)
      expect(Number(res.headers.get("content-length"))).toBe(files[i]?.bytes)
      const body = Buffer.from(await res.arrayBuffer())
      expect(body.equals(readFileSync(files[i]?.path ?? ""))).toBe(true)
    }
    const wide = parseCsv(await download((await exportAll(emu, "big_wide", ...span))[0] ?? ""))
    expect(wide.header).toHaveLength(60)
    expect(wide.rows.length).toBeGreaterThan(100)
    const fb = parseCsv(readFileSync(files[0]?.path ?? ""))
    expect(new Set(fb.rows.map((r) => r.record_id)).size).toBe(fb.rows.length)
    expect(await exportAll(emu, "big_feedback", "2025-12-01T00:00Z", "2025-12-02T00:00Z")).toEqual([])
  })

  it("can be cut off mid-stream like any download", async () => {
    const span = [`${emu.dataSpan.start.toISOString().slice(0, 16)}Z`, `${emu.dataSpan.end.toISOString().slice(0, 16)}Z`] as const
    const [url] = await exportAll(emu, "big_wide", ...span)
    emu.faults.cutDownload(50_000)
    await expect(download(url ?? "")).rejects.toThrow()
    const entry = emu.requestLog.filter((e) => e.listener === "storage").at(-1)
    expect(entry?.fault).toBe("cut")
    expect(entry?.bytesSent).toBe(50_000)
    expect((await download(url ?? "")).length).toBe(emu.benchFiles().find((f) => f.objectId === "big_wide")?.bytes)
  })

  it("are reused when generated before, and refuse groundTruth", async () => {
    const again = await startEmulator({
      seed: "bench",
      now: NOW,
      bench: { dir, objects: [{ id: "big_wide", kind: "wide", bytes: 1_000_000, files: 2 }] }
    })
    try {
      expect(again.benchFiles().map((f) => f.path)).toEqual(
        emu
          .benchFiles()
          .filter((f) => f.objectId === "big_wide")
          .map((f) => f.path)
      )
      expect(() => again.groundTruth("big_wide", NOW, NOW)).toThrow(/benchFiles/)
    } finally {
      await again.close()
    }
  })
})
