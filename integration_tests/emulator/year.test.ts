import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { exportPlan } from "../bench/exportPlan.js"
import { type Emulator, isoMinutes, startEmulator } from "./index.js"
import { NO_LIMITS } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
let emu: Emulator
let start: string
let end: string

beforeAll(async () => {
  emu = await startEmulator({ seed: "year-test", tenant: "year", now: NOW, rateLimits: NO_LIMITS })
  start = isoMinutes(emu.dataSpan.start.getTime())
  end = isoMinutes(emu.dataSpan.end.getTime())
})
afterAll(() => emu.close())

describe("the year-long tenant", () => {
  it("lists seven objects over 365 days, 6 file URLs a page", () => {
    expect(emu.objects().map((o) => o.id)).toEqual([
      "feedback_record",
      "product_feedback_envelope",
      "feedback_summary",
      "product_taxonomy_l1",
      "product_taxonomy_l2",
      "product_taxonomy_l3",
      "support_ticket_tag"
    ])
    expect(emu.dataSpan.end.getTime() - emu.dataSpan.start.getTime()).toBe(365 * 24 * 3_600_000)
    expect(emu.filesPerPage).toBe(6)
  })

  it("has a file a day for the dense objects, one about every sixth day, a handful for the taxonomy, none for the empty one", async () => {
    const files = async (id: string) => (await exportPlan(emu, id, start, end, "")).files.length
    // A day whose records were all updated later has no file of its own in a whole-year window.
    expect(await files("feedback_record")).toBeGreaterThanOrEqual(360)
    expect(await files("product_feedback_envelope")).toBe(365)
    expect(await files("feedback_summary")).toBeGreaterThanOrEqual(60)
    expect(await files("feedback_summary")).toBeLessThanOrEqual(62)
    for (const id of ["product_taxonomy_l1", "product_taxonomy_l2", "product_taxonomy_l3"]) {
      expect(await files(id)).toBeGreaterThanOrEqual(2)
      expect(await files(id)).toBeLessThanOrEqual(6)
    }
    expect(await files("support_ticket_tag")).toBe(0)
    // One window per object over the whole year: the floor of a backfill's export requests.
    const pages = await Promise.all(emu.objects().map(async (o) => (await exportPlan(emu, o.id, start, end, "")).pages))
    expect(pages[0]).toBe(61)
    expect(pages.reduce((a, b) => a + b, 0)).toBeLessThan(150)
  })

  it("is the same for the same seed, and different for another", async () => {
    const again = await startEmulator({ seed: "year-test", tenant: "year", now: NOW, rateLimits: NO_LIMITS })
    const other = await startEmulator({ seed: "year-other", tenant: "year", now: NOW, rateLimits: NO_LIMITS })
    try {
      for (const id of ["feedback_record", "product_taxonomy_l2"]) {
        expect(again.groundTruth(id, start, end)).toEqual(emu.groundTruth(id, start, end))
        expect(other.groundTruth(id, start, end)).not.toEqual(emu.groundTruth(id, start, end))
      }
    } finally {
      await Promise.all([again.close(), other.close()])
    }
  })
})
