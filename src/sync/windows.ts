import { floorHour, HOUR_MS } from "../config/hours.js"

/** A half-open export window `[startMs, endMs)`, both on whole UTC hours. */
export interface ExportWindow {
  readonly startMs: number
  readonly endMs: number
}

/** Consecutive windows of at most `windowHours` covering `[fromMs, toMs)`; none when empty. */
export const exportWindows = (fromMs: number, toMs: number, windowHours: number): ReadonlyArray<ExportWindow> => {
  const windows: Array<ExportWindow> = []
  const step = windowHours * HOUR_MS
  for (let start = floorHour(fromMs); start < toMs; start += step) {
    windows.push({ startMs: start, endMs: Math.min(start + step, toMs) })
  }
  return windows
}

/** The exclusive end of a read: `end_date`, but never an hour that has not ended yet. */
export const syncEnd = (endMs: number | undefined, nowMs: number): number =>
  Math.min(endMs ?? Number.POSITIVE_INFINITY, floorHour(nowMs))

/**
 * Where a stream's read begins: `start_date` for a full refresh or a first sync, else the saved
 * cursor less the lookback, never before `start_date`.
 */
export const syncStart = (startMs: number, cursorMs: number | undefined, lookbackHours: number): number =>
  cursorMs === undefined ? startMs : Math.max(startMs, cursorMs - lookbackHours * HOUR_MS)
