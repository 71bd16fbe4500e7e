import { describe, expect, it } from "vitest"
import { HOUR_MS } from "../src/config/hours.js"
import { exportWindows, syncEnd, syncStart } from "../src/sync/windows.js"

const t = (iso: string) => Date.parse(iso)
const iso = (ms: number) => new Date(ms).toISOString()
const show = (windows: ReadonlyArray<{ startMs: number; endMs: number }>) =>
  windows.map((w) => `${iso(w.startMs)} -> ${iso(w.endMs)}`)

describe("exportWindows", () => {
  it("splits a range into windows of window_hours, the last one ending exactly at the end", () => {
    const windows = exportWindows(t("2025-12-12T00:00:00Z"), t("2025-12-13T05:00:00Z"), 12)
    expect(show(windows)).toEqual([
      "2025-12-12T00:00:00.000Z -> 2025-12-12T12:00:00.000Z",
      "2025-12-12T12:00:00.000Z -> 2025-12-13T00:00:00.000Z",
      "2025-12-13T00:00:00.000Z -> 2025-12-13T05:00:00.000Z"
    ])
  })

  it("gives a single window when the range is shorter than window_hours", () => {
    const windows = exportWindows(t("2025-12-12T00:00:00Z"), t("2025-12-12T03:00:00Z"), 24)
    expect(show(windows)).toEqual(["2025-12-12T00:00:00.000Z -> 2025-12-12T03:00:00.000Z"])
  })

  it("gives exactly range/window_hours windows when the range divides evenly", () => {
    const windows = exportWindows(t("2025-01-01T00:00:00Z"), t("2025-01-02T00:00:00Z"), 1)
    expect(windows).toHaveLength(24)
    windows.forEach((w, i) => {
      expect(w.startMs).toBe(t("2025-01-01T00:00:00Z") + i * HOUR_MS)
      expect(w.endMs - w.startMs).toBe(HOUR_MS)
    })
  })

  it("produces contiguous, half-open, hour-aligned windows that cover the range exactly", () => {
    const from = t("2025-03-01T07:00:00Z")
    const to = t("2025-03-09T23:00:00Z")
    for (const hours of [1, 5, 7, 24, 100, 8760]) {
      const windows = exportWindows(from, to, hours)
      expect(windows[0]!.startMs).toBe(from)
      expect(windows.at(-1)!.endMs).toBe(to)
      for (const [i, w] of windows.entries()) {
        expect(w.startMs % HOUR_MS).toBe(0)
        expect(w.endMs % HOUR_MS).toBe(0)
        expect(w.endMs).toBeGreaterThan(w.startMs)
        expect(w.endMs - w.startMs).toBeLessThanOrEqual(hours * HOUR_MS)
        if (i > 0) expect(w.startMs).toBe(windows[i - 1]!.endMs)
      }
    }
  })

  it("aligns a start inside an hour down to the whole hour", () => {
    const windows = exportWindows(t("2025-12-12T05:37:12Z"), t("2025-12-12T08:00:00Z"), 24)
    expect(show(windows)).toEqual(["2025-12-12T05:00:00.000Z -> 2025-12-12T08:00:00.000Z"])
  })

  it("gives no window for an empty or reversed range", () => {
    expect(exportWindows(t("2025-12-12T00:00:00Z"), t("2025-12-12T00:00:00Z"), 24)).toEqual([])
    expect(exportWindows(t("2025-12-13T00:00:00Z"), t("2025-12-12T00:00:00Z"), 24)).toEqual([])
  })
})

describe("syncEnd", () => {
  it("ends at the start of the current hour when there is no end_date", () => {
    expect(iso(syncEnd(undefined, t("2025-12-12T10:59:59.999Z")))).toBe("2025-12-12T10:00:00.000Z")
    expect(iso(syncEnd(undefined, t("2025-12-12T10:00:00.001Z")))).toBe("2025-12-12T10:00:00.000Z")
  })

  it("includes an hour that has just ended", () => {
    expect(iso(syncEnd(undefined, t("2025-12-12T10:00:00.000Z")))).toBe("2025-12-12T10:00:00.000Z")
  })

  it("uses end_date when it is in the past", () => {
    expect(iso(syncEnd(t("2025-12-01T00:00:00Z"), t("2025-12-12T10:30:00Z")))).toBe("2025-12-01T00:00:00.000Z")
  })

  it("never includes the unfinished current hour, even when end_date lies in the future", () => {
    expect(iso(syncEnd(t("2026-01-01T00:00:00Z"), t("2025-12-12T10:30:00Z")))).toBe("2025-12-12T10:00:00.000Z")
    // end_date is the very next hour: the current hour 10:00-11:00 has not ended.
    expect(iso(syncEnd(t("2025-12-12T11:00:00Z"), t("2025-12-12T10:59:00Z")))).toBe("2025-12-12T10:00:00.000Z")
  })

  it("together with exportWindows never exports the running hour", () => {
    const now = t("2025-12-12T10:30:00Z")
    const windows = exportWindows(t("2025-12-12T00:00:00Z"), syncEnd(undefined, now), 4)
    expect(windows.at(-1)!.endMs).toBeLessThanOrEqual(t("2025-12-12T10:00:00Z"))
    expect(windows.at(-1)!.endMs).toBe(t("2025-12-12T10:00:00Z"))
  })
})

describe("syncStart", () => {
  const start = t("2025-12-01T00:00:00Z")

  it("starts at start_date when there is no state", () => {
    expect(syncStart(start, undefined, 0)).toBe(start)
    expect(syncStart(start, undefined, 48)).toBe(start)
  })

  it("starts at the saved cursor without lookback", () => {
    expect(iso(syncStart(start, t("2025-12-10T00:00:00Z"), 0))).toBe("2025-12-10T00:00:00.000Z")
  })

  it("starts lookback_hours before the saved cursor", () => {
    expect(iso(syncStart(start, t("2025-12-10T00:00:00Z"), 5))).toBe("2025-12-09T19:00:00.000Z")
  })

  it("never starts before start_date, however large the lookback", () => {
    expect(syncStart(start, t("2025-12-01T03:00:00Z"), 168)).toBe(start)
    expect(syncStart(start, t("2025-12-01T03:00:00Z"), 3)).toBe(start)
  })

  it("never starts before start_date when the saved cursor predates start_date", () => {
    expect(syncStart(start, t("2025-11-01T00:00:00Z"), 0)).toBe(start)
  })
})
