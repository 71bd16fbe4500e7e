import { floorHour, HOUR_MS, parseHour, toCursor } from "../config/hours.js"
import { WINDOW_END_FIELD } from "../output/recordFields.js"

/**
 * The cursor of a stream, in one place (in the spirit of the Airbyte CDK's `DatetimeBasedCursor`):
 * what a stream's state holds and how it is read and written, where a read begins and ends, the
 * export windows it asks for (fixed, or sized from the API's answers), when a checkpoint is due
 * and what it holds, and the ESTIMATE of the whole read. Pure: no HTTP, no clock of its own; the
 * stream reader feeds it what each window brought and does what it says.
 */

/** The state's one field, also the field every record carries: the end of its export window. */
export const CURSOR_FIELD = WINDOW_END_FIELD

/** A half-open export window `[startMs, endMs)`, both on whole UTC hours. */
export interface ExportWindow {
  readonly startMs: number
  readonly endMs: number
}

// ---------------------------------------------------------------------------------------------
// The state value: `{"_ab_export_window_end": "2025-12-13T00:00:00Z"}`, the end of the last window
// whose records were all emitted. It is what 0.1.0 wrote, so every old state keeps working.

const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 120) ?? String(value)

export type DecodedStreamState = { readonly cursorMs: number | undefined } | { readonly problem: string }

/** Reads one stream's state blob; an empty or missing blob means "no state yet". */
export const decodeStreamState = (blob: Readonly<Record<string, unknown>> | null | undefined): DecodedStreamState => {
  if (blob === null || blob === undefined || Object.keys(blob).length === 0) return { cursorMs: undefined }
  const value = blob[CURSOR_FIELD]
  const ms = typeof value === "string" ? parseHour(value) : undefined
  return ms === undefined
    ? { problem: `${CURSOR_FIELD} must be a whole UTC hour like 2025-12-13T00:00:00Z, got ${describe(value)}` }
    : { cursorMs: ms }
}

/** The cursor as the state and the records write it: RFC 3339 `YYYY-MM-DDTHH:00:00Z`. */
export const encodeCursor = (cursorMs: number): string => toCursor(cursorMs)

/** One stream's state blob, as Airbyte's `stream_state` and Singer's bookmark both hold it. */
export type StreamState = Readonly<Record<typeof CURSOR_FIELD, string>>

/** One stream's state blob for a cursor. */
export const encodeStreamState = (cursorMs: number): StreamState => ({ [CURSOR_FIELD]: encodeCursor(cursorMs) })

// ---------------------------------------------------------------------------------------------
// The range of a read.

/**
 * The exclusive end of a read: `end_date`, but never an hour that has not ended at least
 * `settleMs` ago (`settle_minutes`). Enterpret's document promises no delay between a record's
 * update and its export, nor that it has none: without a margin, an hourly sync at 10:00:01
 * exported 09:00-10:00 once and its state moved past it for good, whatever arrived later.
 */
export const syncEnd = (endMs: number | undefined, nowMs: number, settleMs = 0): number =>
  Math.min(endMs ?? Number.POSITIVE_INFINITY, floorHour(nowMs - settleMs))

/**
 * Where a stream's read begins: `start_date` for a first sync, else the saved cursor less the
 * lookback, never before `start_date`.
 */
export const syncStart = (startMs: number, cursorMs: number | undefined, lookbackHours: number): number =>
  cursorMs === undefined ? startMs : Math.max(startMs, cursorMs - lookbackHours * HOUR_MS)

// ---------------------------------------------------------------------------------------------
// Window sizing. The budget is the organisation's 10 export requests a minute; each window costs
// one request per page of file URLs it lists, whatever it holds. Fixed daily windows spend a
// request on every day of an object that changes a few times a year (a year of 7 objects: 2,555
// requests, 4.3 hours of the whole quota); one window over the whole range would cost only its
// pages (about 140), but no checkpoint until the very end. Adaptive windows aim between the two:
// about one page of files per window, so that each request lists a page's worth of files and the
// state still follows every request or two.

/**
 * The first adaptive window: a day, as 0.1.0's fixed windows. An hourly sync (one new hour) fits
 * in it, so it stays one request per stream; a backfill starts no larger than it did before.
 */
export const INITIAL_WINDOW_HOURS = 24
/**
 * How much a window may grow over the previous one. From 24 hours, 8x reaches a year in three
 * steps (24, 192, 1,536, then the rest): an object that is empty for a year costs 4 requests
 * instead of 365, while a sudden burst meets a window at most 8x too large (one split, below).
 */
export const GROWTH = 8
/**
 * The share of a page a window aims at. Windows are sized from the previous window's files per
 * hour, which varies from one window to the next; aiming at a full page would overflow about
 * every other window (each overflow costs a split request), while three quarters leaves a third
 * of headroom for 4/3 as many windows as the floor.
 */
export const PAGE_SHARE = 0.75
/**
 * A window whose first page already shows a cursor (more pages to come) is split before any of
 * its files is downloaded: the next window is a quarter as long. This costs the one request
 * that listed the page and duplicates nothing. A quarter absorbs a burst of up to ~5x the
 * density the window was sized for. If that is still paged, the second split goes straight to
 * one hour: the data has outrun the sizing by more than 16x (typically an object that was
 * quiet for months, so that its windows grew to weeks, and then turned busy), and one more
 * split would break the 3-request rule below. Windows grow back from the hour at up to 8x each.
 */
export const SPLIT_SHRINK = 4
/**
 * A stream never goes more than 3 export requests without a checkpoint (the contract): a sync
 * cut off mid-backfill redoes at most 3 requests. Splits count, so there are at most two in a
 * row, the second to one hour. What still goes beyond 3 cannot be helped: an hour that alone
 * lists more than one page after two splits, or more than 3 pages at any time (the API's
 * smallest window cannot be split). Fixed `window_hours` windows are never split: each takes as
 * many pages as it lists.
 */
export const MAX_REQUESTS_WITHOUT_CHECKPOINT = 3
/** Windows never exceed a year, the largest `window_hours` allowed. */
export const MAX_WINDOW_HOURS = 8760

/** How the next adaptive window is sized from the last one that was read through. */
export const nextWindowHours = (hours: number, outcome: { readonly files: number }, pageFiles: number | undefined): number => {
  const factor =
    outcome.files === 0 || pageFiles === undefined
      ? // Nothing listed, or no full page seen yet so the page size is unknown: grow.
        GROWTH
      : Math.min(GROWTH, Math.max(1 / GROWTH, (pageFiles * PAGE_SHARE) / outcome.files))
  return Math.min(MAX_WINDOW_HOURS, Math.max(1, Math.round(hours * factor)))
}

// ---------------------------------------------------------------------------------------------
// The cursor of one read of one stream.

export interface CursorOptions {
  /** `start_date` */
  readonly startMs: number
  /** The exclusive end of this read (see `syncEnd`). */
  readonly endMs: number
  /** The cursor of the state given for the stream, if any. */
  readonly savedMs: number | undefined
  readonly lookbackHours: number
  /** `window_hours`: every window this long; undefined: adaptive. */
  readonly windowHours: number | undefined
  /**
   * Incremental reads start `lookback_hours` before the saved cursor. A full refresh given a
   * state resumes exactly at it: Airbyte passes a state between attempts of one job (streams are
   * published `is_resumable`), and the windows before it were emitted by the earlier attempt.
   */
  readonly syncMode: "incremental" | "full_refresh"
}

export interface Cursor {
  readonly options: CursorOptions
  /** Where this read began. */
  readonly fromMs: number
  /** The start of the next window. */
  readonly positionMs: number
  /** The length of the next window in hours, before it is cut at the read's end. */
  readonly hours: number
  /** Files on a full page (one that had a cursor), once one has been seen. */
  readonly pageFiles: number | undefined
  /** Export requests since the last checkpoint (or the start of the read). */
  readonly requests: number
  /** Records emitted since the last checkpoint. */
  readonly pendingRecords: number
  /** The last cursor checkpointed in this read; the saved cursor until then. */
  readonly checkpointMs: number | undefined
  /** Whether this read has checkpointed yet. */
  readonly checkpointed: boolean
}

export interface Checkpoint {
  readonly cursorMs: number
  /** Records since the previous checkpoint of the stream. */
  readonly recordCount: number
}

/** What reading a window through brought back. */
export interface WindowOutcome {
  readonly pages: number
  readonly files: number
  readonly records: number
}

export const startCursor = (options: CursorOptions): Cursor => {
  const fromMs = floorHour(
    options.syncMode === "incremental"
      ? syncStart(options.startMs, options.savedMs, options.lookbackHours)
      : Math.max(options.startMs, options.savedMs ?? options.startMs)
  )
  return {
    options,
    fromMs,
    positionMs: fromMs,
    hours: options.windowHours ?? INITIAL_WINDOW_HOURS,
    pageFiles: undefined,
    requests: 0,
    pendingRecords: 0,
    checkpointMs: options.savedMs,
    checkpointed: false
  }
}

/** The next window to read, or undefined when the read is through. Built one at a time. */
export const nextWindow = (cursor: Cursor): ExportWindow | undefined =>
  cursor.positionMs >= cursor.options.endMs
    ? undefined
    : { startMs: cursor.positionMs, endMs: Math.min(cursor.positionMs + cursor.hours * HOUR_MS, cursor.options.endMs) }

/**
 * Whether `window`, whose first page is about to be asked for, is to be split rather than read
 * when that page shows a cursor: adaptive, longer than an hour, and the window that replaces it
 * would still be at most the third request since the last checkpoint.
 */
export const splittable = (cursor: Cursor, window: ExportWindow): boolean =>
  cursor.options.windowHours === undefined &&
  window.endMs - window.startMs > HOUR_MS &&
  cursor.requests + 2 <= MAX_REQUESTS_WITHOUT_CHECKPOINT

/** The first page of `window` listed `firstPageFiles` files and a cursor: read a shorter window instead. */
export const splitWindow = (cursor: Cursor, window: ExportWindow, firstPageFiles: number): Cursor => {
  const requests = cursor.requests + 1
  // The replacement is the last request that can still be followed by a checkpoint in time.
  const last = requests + 1 >= MAX_REQUESTS_WITHOUT_CHECKPOINT
  return {
    ...cursor,
    hours: last ? 1 : Math.max(1, Math.floor((window.endMs - window.startMs) / HOUR_MS / SPLIT_SHRINK)),
    pageFiles: firstPageFiles > 0 ? firstPageFiles : cursor.pageFiles,
    requests
  }
}

/**
 * Every record of `window` has been emitted. Moves the cursor past it, sizes the next window and
 * says whether a checkpoint is due: after every window, unless the window lies at or below the
 * saved cursor (a lookback re-reading it): the cursor never moves backwards, so those records
 * are counted into the next checkpoint instead.
 */
export const completeWindow = (
  cursor: Cursor,
  window: ExportWindow,
  outcome: WindowOutcome
): { readonly cursor: Cursor; readonly checkpoint: Checkpoint | undefined } => {
  const hours = (window.endMs - window.startMs) / HOUR_MS
  // A window that took several pages had full pages before its last; their size is the page size.
  const pageFiles = outcome.pages > 1 ? Math.ceil(outcome.files / outcome.pages) : cursor.pageFiles
  const moved: Cursor = {
    ...cursor,
    positionMs: window.endMs,
    hours: cursor.options.windowHours ?? nextWindowHours(hours, outcome, pageFiles),
    pageFiles,
    requests: cursor.requests + outcome.pages,
    pendingRecords: cursor.pendingRecords + outcome.records
  }
  if (cursor.checkpointMs !== undefined && window.endMs <= cursor.checkpointMs) return { cursor: moved, checkpoint: undefined }
  const checkpoint = { cursorMs: window.endMs, recordCount: moved.pendingRecords }
  return {
    cursor: { ...moved, requests: 0, pendingRecords: 0, checkpointMs: window.endMs, checkpointed: true },
    checkpoint
  }
}

/**
 * The checkpoint that ends a read, if one is still due: every read of a stream ends with a
 * state, even when no window was due (the same cursor, 0 records), and records that a lookback
 * re-read below the saved cursor are counted at the cursor they belong under.
 */
export const finishRead = (cursor: Cursor): Checkpoint | undefined => {
  if (cursor.checkpointed && cursor.pendingRecords === 0) return undefined
  // No saved cursor and no window read: start_date lies at or past the read's end (a date in the
  // future, or this very hour). Nothing is known to be read, and a cursor written now (start_date,
  // or the end) would hide the hours before it once start_date is corrected: no state at all.
  if (cursor.checkpointMs === undefined) return undefined
  // A saved cursor past the read's end (end_date lowered, or a state from the future) is set back
  // to the end: no state claims an hour this read could not have read. Hours past it are read
  // again when due, which duplicates at most, where keeping it would skip them for good.
  return { cursorMs: Math.min(cursor.checkpointMs, cursor.options.endMs), recordCount: cursor.pendingRecords }
}

/**
 * What a person should know before a read of a stream whose cursor options run ahead of the
 * data: a saved cursor past the read's end (which `finishRead` sets back to it), or a
 * `start_date` at or past it (no state is written).
 */
export const cursorNotices = (options: CursorOptions): ReadonlyArray<string> => {
  const end = encodeCursor(options.endMs)
  if (options.savedMs !== undefined && options.savedMs > options.endMs) {
    return [
      `its state (${encodeCursor(options.savedMs)}) lies past this read's end (${end}: end_date, or the newest hour settled), which no read can have reached; it is set back to ${end}, so the hours after it are read when they are due instead of never.`
    ]
  }
  if (options.savedMs === undefined && options.startMs >= options.endMs) {
    return [
      `start_date (${encodeCursor(options.startMs)}) is not before this read's end (${end}: end_date, or the newest hour settled): nothing is exported and no state is written, so that a corrected start_date later loses nothing.`
    ]
  }
  return []
}

/**
 * What the whole read is expected to bring, extrapolated from what the hours read so far
 * brought: windows differ in length, so the rate is per hour, not per window.
 */
export const estimateTotals = (cursor: Cursor, records: number, bytes: number): { readonly records: number; readonly bytes: number } => {
  const done = cursor.positionMs - cursor.fromMs
  const total = cursor.options.endMs - cursor.fromMs
  if (done <= 0 || total <= 0) return { records, bytes }
  const scale = Math.max(1, total / done)
  return { records: Math.round(records * scale), bytes: Math.round(bytes * scale) }
}
