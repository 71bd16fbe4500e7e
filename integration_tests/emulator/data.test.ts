import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS, callApi, download, exportAll, parseCsv } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
const HOUR = 3_600_000
let emu: Emulator
const raw = new Map<string, Buffer[]>() // object → files of the whole span, as bytes

const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`

beforeAll(async () => {
  emu = await startEmulator({ seed: "demo", now: NOW, rateLimits: NO_LIMITS, filesPerPage: 100 })
  for (const { id } of emu.objects()) {
    const files: Buffer[] = []
    // hourly windows, so that every hour's file (with its own style) is seen
    for (let t = emu.dataSpan.start.getTime(); t < emu.dataSpan.end.getTime(); t += 24 * HOUR) {
      for (const url of await exportAll(emu, id, iso(t), iso(t + 24 * HOUR))) files.push(await download(url))
    }
    raw.set(id, files)
  }
})
afterAll(() => emu.close())

const allFiles = (): Buffer[] => [...raw.values()].flat()
const rowsOf = (id: string) => (raw.get(id) ?? []).flatMap((b) => parseCsv(b).rows)

describe("CSV hazards", () => {
  it("has BOM, CRLF, LF and no-final-newline files", () => {
    const files = allFiles()
    expect(files.some((b) => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)).toBe(true)
    expect(files.some((b) => b.toString("utf8").split("\n")[0]?.endsWith("\r"))).toBe(true)
    expect(files.some((b) => !b.toString("utf8").split("\n")[0]?.endsWith("\r"))).toBe(true)
    expect(files.some((b) => !b.toString("utf8").endsWith("\n"))).toBe(true)
  })

  it('has quoted commas, quotes, newlines, non-ASCII, long cells, 007, quoted plain cells, "" and null', () => {
    const texts = allFiles().map((b) => b.toString("utf8"))
    const rows = rowsOf("feedback_record")
    const values = rows.flatMap((r) => Object.values(r))
    expect(values).toContain("")
    expect(values).toContain(null)
    expect(values.some((v) => v?.includes(",") === true)).toBe(true)
    expect(values.some((v) => v?.includes('"') === true)).toBe(true)
    expect(values.some((v) => v?.includes("\n") === true)).toBe(true)
    expect(values.some((v) => v?.includes("\r\n") === true)).toBe(true)
    expect(values.some((v) => [...(v ?? "")].some((c) => c.codePointAt(0)! > 0x7f))).toBe(true)
    expect(values.some((v) => (v?.length ?? 0) >= 50_000)).toBe(true)
    expect(rows.some((r) => r.custom_account_code === "007" || /^0\d+$/.test(r.custom_account_code ?? ""))).toBe(true)
    expect(values).toContain("007")
    expect(texts.some((t) => /(^|,)""(,|\r?\n|$)/m.test(t))).toBe(true) // quoted empty
    expect(texts.some((t) => /(^|,),/m.test(t))).toBe(true) // unquoted empty
    expect(texts.some((t) => /,"[A-Za-z0-9]+",/.test(t))).toBe(true) // a plain cell quoted anyway
  })

  it("has tenant-specific columns beside the document's", () => {
    expect(emu.columns("feedback_record").slice(0, 5)).toEqual(["record_id", "event_time", "channel", "message_text", "language_code"])
    expect(emu.columns("feedback_record")).toEqual(expect.arrayContaining(["custom_plan_tier", "custom_account_code", "csat_score"]))
    for (const { id } of emu.objects()) expect(emu.columns(id)[0]).toBe("record_id")
    for (const b of raw.get("feedback_record") ?? []) expect(parseCsv(b).header).toEqual(emu.columns("feedback_record"))
  })
})

describe("files and windows", () => {
  it("has header-only files, and windows without any file", async () => {
    expect(allFiles().some((b) => parseCsv(b).rows.length === 0)).toBe(true)
    let empty = 0
    for (let t = emu.dataSpan.start.getTime(); t < emu.dataSpan.end.getTime(); t += HOUR) {
      const a = await callApi(emu, "export", { objectID: "feedback_record", startTime: iso(t), endTime: iso(t + HOUR) })
      if (JSON.stringify(a.json) === '{"files":[]}') empty++
    }
    expect(empty).toBeGreaterThan(0)
    expect(await exportAll(emu, "feedback_record", "2025-01-01T00:00Z", "2025-02-01T00:00Z")).toEqual([])
  })

  it("support_ticket_tag has no file in any window", async () => {
    expect(raw.get("support_ticket_tag")).toEqual([])
    expect(await exportAll(emu, "support_ticket_tag", "2000-01-01T00:00Z", "2025-12-15T10:00Z")).toEqual([])
  })

  it("serves the same bytes for the same URL, every time", async () => {
    const [url] = await exportAll(emu, "feedback_summary", iso(emu.dataSpan.start.getTime()), iso(emu.dataSpan.end.getTime()))
    const a = await download(url ?? "")
    const b = await download(url ?? "")
    expect(b.equals(a)).toBe(true)
  })
})

describe("relations", () => {
  it("links summaries, envelopes, hierarchy and taxonomy by record_id", () => {
    const ids = (o: string) => new Set(rowsOf(o).map((r) => r.record_id))
    const feedback = ids("feedback_record")
    const [l1, l2, l3, theme, subtheme] = ["product_taxonomy_l1", "product_taxonomy_l2", "product_taxonomy_l3", "theme", "subtheme"].map(
      ids
    )
    for (const r of rowsOf("feedback_summary")) expect(feedback.has(r.feedback_record_id ?? "")).toBe(true)
    for (const r of rowsOf("nps_response")) expect(feedback.has(r.feedback_record_id ?? "")).toBe(true)
    const envelopes = rowsOf("product_feedback_envelope")
    expect(envelopes.length).toBeGreaterThan(0)
    for (const r of [...envelopes, ...rowsOf("product_taxonomy_hierarchy")]) {
      expect(l1?.has(r.l1_id ?? "")).toBe(true)
      expect(l2?.has(r.l2_id ?? "")).toBe(true)
      expect(l3?.has(r.l3_id ?? "")).toBe(true)
      expect(theme?.has(r.theme_id ?? "")).toBe(true)
      expect(subtheme?.has(r.subtheme_id ?? "")).toBe(true)
    }
    for (const r of envelopes) expect(feedback.has(r.feedback_record_id ?? "")).toBe(true)
    for (const r of rowsOf("subtheme")) expect(theme?.has(r.parent_id ?? "")).toBe(true)
  })
})

describe("determinism", () => {
  it("the same seed gives the same bytes; another seed other data", async () => {
    const again = await startEmulator({ seed: "demo", now: NOW, rateLimits: NO_LIMITS, filesPerPage: 100 })
    const other = await startEmulator({ seed: "other", now: NOW, rateLimits: NO_LIMITS, filesPerPage: 100 })
    try {
      const window = ["2025-12-13T00:00Z", "2025-12-14T00:00Z"] as const
      const bytes = async (e: Emulator) =>
        Buffer.concat(await Promise.all((await exportAll(e, "feedback_record", ...window)).map(download)))
      expect((await bytes(again)).equals(await bytes(emu))).toBe(true)
      expect((await bytes(other)).equals(await bytes(emu))).toBe(false)
      expect(again.token).toBe(emu.token)
      expect(other.token).not.toBe(emu.token)
    } finally {
      await Promise.all([again.close(), other.close()])
    }
  })

  it("scale demo has a few thousand rows", async () => {
    const demo = await startEmulator({ seed: "demo", now: NOW, scale: "demo" })
    try {
      const total = demo.objects().reduce((n, o) => n + demo.groundTruth(o.id, demo.dataSpan.start, demo.dataSpan.end).size, 0)
      expect(total).toBeGreaterThan(2000)
      const tiny = emu.objects().reduce((n, o) => n + emu.groundTruth(o.id, emu.dataSpan.start, emu.dataSpan.end).size, 0)
      expect(tiny).toBeGreaterThan(100)
      expect(tiny).toBeLessThan(1000)
    } finally {
      await demo.close()
    }
  })
})
