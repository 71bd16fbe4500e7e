// changeColumns: files from an hour on carry other columns, and the ground truth follows.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Emulator, startEmulator } from "./index.js"
import { download, exportAll, NO_LIMITS, parseCsv } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ seed: "columns", now: NOW, rateLimits: NO_LIMITS, filesPerPage: 500 })
})
afterAll(() => emu.close())

describe("changeColumns", () => {
  it("gives files from the hour on the added columns (last) and not the dropped ones; earlier files keep theirs", async () => {
    const base = emu.columns("feedback_summary")
    // Rendered once before the change: the cache must not serve the old header afterwards.
    const before = await exportAll(emu, "feedback_summary", "2025-12-12T00:00Z", "2025-12-15T10:00Z")
    await download(before[before.length - 1]!)

    emu.changeColumns("feedback_summary", "2025-12-14T00:00Z", { add: ["sentiment"], drop: ["summary_index"] })
    const changed = [...base.filter((c) => c !== "summary_index"), "sentiment"]
    expect(emu.columnsAt("feedback_summary", "2025-12-13T23:00Z")).toEqual(base)
    expect(emu.columnsAt("feedback_summary", "2025-12-14T00:00Z")).toEqual(changed)

    const early = await exportAll(emu, "feedback_summary", "2025-12-12T00:00Z", "2025-12-14T00:00Z")
    const late = await exportAll(emu, "feedback_summary", "2025-12-14T00:00Z", "2025-12-15T10:00Z")
    expect(early.length).toBeGreaterThan(0)
    expect(late.length).toBeGreaterThan(0)
    for (const url of early) expect(parseCsv(await download(url)).header).toEqual(base)
    const lateRows = []
    for (const url of late) {
      const file = parseCsv(await download(url))
      expect(file.header).toEqual(changed)
      lateRows.push(...file.rows)
    }
    // The ground truth of the late window is what its files hold.
    const truth = emu.groundTruth("feedback_summary", "2025-12-14T00:00Z", "2025-12-15T10:00Z")
    expect(lateRows.length).toBeGreaterThan(0)
    for (const row of lateRows) {
      expect(row.sentiment).toMatch(/^sentiment of /)
      expect(truth.get(row.record_id!)).toEqual(row)
    }
  })
})
