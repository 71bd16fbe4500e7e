import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS, asPage, callApi, download, exportAll, parseCsv, replicaOf } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
const HOUR = 3_600_000
let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ seed: "delta", now: NOW, rateLimits: NO_LIMITS, filesPerPage: 50 })
})
afterAll(() => emu.close())

const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`

describe("delta semantics", () => {
  it("a record updated later appears in both windows, each time with that window's latest values", async () => {
    const spanStart = emu.dataSpan.start.getTime()
    const spanEnd = emu.dataSpan.end.getTime()
    const mid = spanStart + Math.floor((spanEnd - spanStart) / HOUR / 2) * HOUR
    const first = emu.groundTruth("feedback_record", iso(spanStart), iso(mid))
    const second = emu.groundTruth("feedback_record", iso(mid), iso(spanEnd))
    const both = [...first.keys()].filter((id) => second.has(id))
    expect(both.length).toBeGreaterThan(0)
    const id = both[0] ?? ""
    const a = await replicaOf(emu, "feedback_record", iso(spanStart), iso(mid))
    const b = await replicaOf(emu, "feedback_record", iso(mid), iso(spanEnd))
    expect(a.get(id)).toEqual(first.get(id))
    expect(b.get(id)).toEqual(second.get(id))
    expect(a.get(id)?.updated_at).not.toBe(b.get(id)?.updated_at)
  })

  it("within one window a record appears once, in its latest version", async () => {
    const all = await exportAll(emu, "feedback_record", iso(emu.dataSpan.start.getTime()), iso(emu.dataSpan.end.getTime()))
    const seen = new Map<string, number>()
    for (const url of all)
      for (const row of parseCsv(await download(url)).rows) seen.set(String(row.record_id), (seen.get(String(row.record_id)) ?? 0) + 1)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    // records updated within their creation hour (every 10th) show the later version only
    const hourly = emu.groundTruth("feedback_record", emu.dataSpan.start, emu.dataSpan.end)
    expect(seen.size).toBe(hourly.size)
  })

  it("ground truth equals what the CSV files hold, for hourly, daily and whole-span windows of every object", async () => {
    const start = emu.dataSpan.start.getTime()
    const end = emu.dataSpan.end.getTime()
    const windows: Array<[number, number]> = [[start, end]]
    for (let t = start; t < end; t += 24 * HOUR) windows.push([t, Math.min(end, t + 24 * HOUR)])
    const hourly: Array<[number, number]> = []
    for (let t = start; t < start + 12 * HOUR; t += HOUR) hourly.push([t, t + HOUR])
    await Promise.all(
      emu.objects().map(async ({ id }) => {
        const all = id === "feedback_record" || id === "theme" ? [...windows, ...hourly] : windows
        for (const [s, e] of all) {
          const replica = await replicaOf(emu, id, iso(s), iso(e))
          expect(replica, `${id} ${iso(s)}..${iso(e)}`).toEqual(emu.groundTruth(id, iso(s), iso(e)))
        }
      })
    )
  })

  it("an upserted replica of consecutive windows equals the truth of the whole span", async () => {
    const start = emu.dataSpan.start.getTime()
    const end = emu.dataSpan.end.getTime()
    const replica = new Map<string, Record<string, string | null>>()
    for (let t = start; t < end; t += 6 * HOUR) {
      for (const [k, v] of await replicaOf(emu, "product_feedback_envelope", iso(t), iso(t + 6 * HOUR))) replica.set(k, v)
    }
    expect(replica).toEqual(emu.groundTruth("product_feedback_envelope", iso(start), iso(end)))
  })
})

describe("test hooks and the clock", () => {
  it("addRecords and updateRecords show in later exports of windows containing their time", async () => {
    const e = await startEmulator({ seed: "hooks", now: NOW, rateLimits: NO_LIMITS })
    try {
      const at = "2025-12-14T03:20Z"
      const before = await replicaOf(e, "theme", "2025-12-14T03:00Z", "2025-12-14T04:00Z")
      const ids = e.addRecords("theme", at, 3)
      expect(ids).toHaveLength(3)
      const after = await replicaOf(e, "theme", "2025-12-14T03:00Z", "2025-12-14T04:00Z")
      expect(after.size).toBe(before.size + 3)
      for (const id of ids) expect(after.get(id)?.created_at).toBe("2025-12-14T03:20:00Z")
      const target = ids[0] ?? ""
      e.updateRecords("theme", [target], "2025-12-14T07:05Z")
      const later = await replicaOf(e, "theme", "2025-12-14T07:00Z", "2025-12-14T08:00Z")
      expect(later.get(target)?.updated_at).toBe("2025-12-14T07:05:00Z")
      expect(later.get(target)?.name).not.toBe(after.get(target)?.name)
      // the earlier window, asked again, still ends before the update: unchanged
      expect((await replicaOf(e, "theme", "2025-12-14T03:00Z", "2025-12-14T04:00Z")).get(target)).toEqual(after.get(target))
      // a window covering both shows only the update
      expect((await replicaOf(e, "theme", "2025-12-14T00:00Z", "2025-12-14T10:00Z")).get(target)?.updated_at).toBe("2025-12-14T07:05:00Z")
      expect(() => e.updateRecords("theme", ["nope"], at)).toThrow()
    } finally {
      await e.close()
    }
  })

  it("records in the future become visible as the clock moves; endTime defaults to the clock", async () => {
    const e = await startEmulator({ seed: "clock", now: NOW, rateLimits: NO_LIMITS })
    try {
      const [id] = e.addRecords("nps_response", "2025-12-15T12:10Z", 1)
      const window = ["2025-12-15T12:00Z", "2025-12-15T13:00Z"] as const
      expect((await replicaOf(e, "nps_response", ...window)).size).toBe(0)
      e.clock.advance(2 * HOUR) // 12:30
      expect(e.clock.now().toISOString()).toBe("2025-12-15T12:30:00.000Z")
      expect([...(await replicaOf(e, "nps_response", ...window)).keys()]).toEqual([id])
      expect(await exportAll(e, "nps_response", "2025-12-15T12:00Z")).toEqual([]) // endTime = now → 12:00
      e.clock.set("2025-12-15T13:01Z")
      expect((await exportAll(e, "nps_response", "2025-12-15T12:00Z")).length).toBe(1)
    } finally {
      await e.close()
    }
  })

  it("a cursor keeps the snapshot of its first page even when data changes in between", async () => {
    const e = await startEmulator({ seed: "snap", now: NOW, rateLimits: NO_LIMITS, filesPerPage: 1 })
    try {
      const body = { objectID: "feedback_record", startTime: "2025-12-12T00:00Z", endTime: "2025-12-15T10:00Z" }
      const first = asPage((await callApi(e, "export", body)).json)
      const firstFile = parseCsv(await download(first.files[0] ?? ""))
      const id = String(firstFile.rows[0]?.record_id)
      e.updateRecords("feedback_record", [id], "2025-12-15T09:30Z")
      e.addRecords("feedback_record", "2025-12-12T12:00Z", 5)
      const files: string[] = [...first.files]
      let cursor = first.cursor
      while (cursor !== undefined) {
        const page = asPage((await callApi(e, "export", { ...body, cursor })).json)
        files.push(...page.files)
        cursor = page.cursor
      }
      const ids = new Set<string>()
      for (const url of files) for (const row of parseCsv(await download(url)).rows) ids.add(String(row.record_id))
      expect(ids.has(id)).toBe(true)
      const fresh = await replicaOf(e, body.objectID, body.startTime, body.endTime)
      expect(fresh.size).toBe(ids.size + 5)
      expect(fresh.get(id)?.updated_at).toBe("2025-12-15T09:30:00Z")
    } finally {
      await e.close()
    }
  })
})
