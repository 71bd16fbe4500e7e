import { floorHour, HOUR_MS, parseHour, toCursor } from "../config/hours.js"
import { shownNames } from "../config/shownValue.js"
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

/**
 * Why a stream's state with no cursor at all cannot be used: most likely another connector's
 * (`{"updated_at": …}`), which "got undefined" did not say.
 */
export const missingCursor = (blob: Readonly<Record<string, unknown>>): string =>
  `is missing (the state holds ${shownNames(Object.keys(blob))}): not a state this connector wrote`

export type DecodedStreamState = { readonly cursorMs: number | undefined } | { readonly problem: string }

/** Reads one stream's state blob; an empty or missing blob means "no state yet". */
export const decodeStreamState = (blob: Readonly<Record<string, unknown>> | null | undefined): DecodedStreamState => {
  if (blob === null || blob === undefined || Object.keys(blob).length === 0) return { cursorMs: undefined }
  const value = blob[CURSOR_FIELD]
  const ms = typeof value === "string" ? parseHour(value) : undefined
  if (ms !== undefined) return { cursorMs: ms }
  return {
    problem:
      value === undefined
        ? `${CURSOR_FIELD} ${missingCursor(blob)}`
        : `${CURSOR_FIELD} must be a whole UTC hour like 2025-12-13T00:00:00Z, got ${describe(value)}`
  }
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
// requests, 4.3 hours of the whole quota); one window over the whole range costs only its pages
// (the floor), but no checkpoint until the very end. Adaptive windows come close to the floor and
// still checkpoint after every window:
//
// - Each window aims at exactly one full page of files: its hours are the previous window's
//   hours times (files a full page holds / files it listed), rounded down. On a tenant whose
//   files come at a steady pace (a nightly batch, an hourly export) every window then lists one
//   page and costs one request: the floor. 0.1.x aimed at three quarters of a page, to leave
//   headroom for splits, and split every window whose first page showed a cursor, throwing that
//   page away: 1.33 requests a page at best, and more than 1.4x the floor on both tenants below.
// - A window sized from what its predecessor listed that lists more than a page is read on
//   rather than thrown away: its second page costs one request and lists files that are read,
//   where a split cost the listed page and the request of a replacement window. Only a window
//   still paging at its second page (its data outran the sizing more than twofold) is split: its
//   pages are dropped before any download and a one-hour window, the last request a checkpoint
//   can still follow in time, replaces it.
// - A window sized blind (the first of a read, or grown 8x over a window that listed nothing)
//   can meet any burst: one that pages at once is split to a quarter before any download, as in
//   0.1.x, since reading it on could cost many pages before the split that must follow.
// - Until a full page has been seen, the page size is unknown: at least the most files a last
//   page listed (`pageFloor`). A window then grows towards twice that, at least 16 files, so
//   that the page that first shows a cursor is the first of at most two (read on, not split);
//   a window that listed nothing grows 8x.
//
// What this costs on the benchmark's tenants (simulated in spec/cursor.test.ts; before -> now):
// a year of 7 objects (two daily, one every sixth day, three sparse, one empty) at 6 files a page
// 199 -> 158 requests against a floor of 137 (1.45x -> 1.15x), at 8 files a page 162 -> 123
// against 104 (1.56x -> 1.18x); 60 days of 5 objects (two hourly, one every 6 hours, one sparse,
// one empty) at 24 files a page 190 -> 138 against 132 (1.44x -> 1.05x), no page thrown away.
// What remains over the floor is the ramp: windows grow from a day until a full page shows the
// page size, and sparse objects pay a request a window (24 h, 192 h, 1,536 h, ...) where the
// floor pays one.

/**
 * The first adaptive window: a day, as 0.1.0's fixed windows. An hourly sync (one new hour) fits
 * in it, so it stays one request per stream; a backfill starts no larger than it did before.
 */
export const INITIAL_WINDOW_HOURS = 24
/**
 * How much a window may grow or shrink against the previous one. From 24 hours, 8x reaches a year
 * in three steps (24, 192, 1,536, then the rest): an object that is empty for a year costs 4
 * requests instead of 365.
 */
export const GROWTH = 8
/**
 * While no full page has been seen, a window aims at twice the most files a last page listed,
 * and at least this many: an object with a file a day grows 8x from its first day (16 files
 * expected, capped at 8x), and one with a file an hour, whose first day listed 24 files on one
 * page, doubles (48 expected: at most two pages even when a page holds exactly 24).
 */
export const UNKNOWN_PAGE_AIM = 16
/**
 * A blind window whose first page shows a cursor is replaced by one a quarter as long: this
 * absorbs a burst of up to ~4x the density the window was sized for in one split; the second
 * split goes straight to one hour (the last request a checkpoint can still follow in time).
 */
export const SPLIT_SHRINK = 4
/**
 * A stream never goes more than 3 export requests without a checkpoint (the contract): a sync
 * cut off mid-backfill redoes at most 3 requests. Pages listed ahead of the downloads count, and
 * so do those of a window that was split. What still goes beyond 3 cannot be helped: an hour
 * that alone lists more than one page after a split, a window of fixed `window_hours` (never
 * split: each takes as many pages as it lists), and windows that re-read a lookback below the
 * saved cursor (their end is not checkpointed again).
 */
export const MAX_REQUESTS_WITHOUT_CHECKPOINT = 3
/** Windows never exceed a year, the largest `window_hours` allowed. */
export const MAX_WINDOW_HOURS = 8760

/** What is known of the API's page size: a full page's files, else at least `floor`. */
export interface PageSize {
  readonly full: number | undefined
  readonly floor: number
}

/** How the next adaptive window is sized from the last one, as listed (`files` distinct files). */
export const nextWindowHours = (hours: number, files: number, page: PageSize): number => {
  const aim = page.full ?? Math.max(2 * page.floor, UNKNOWN_PAGE_AIM)
  const factor = files === 0 ? GROWTH : Math.min(GROWTH, Math.max(1 / GROWTH, aim / files))
  return Math.min(MAX_WINDOW_HOURS, Math.max(1, Math.floor(hours * factor)))
}

// ---------------------------------------------------------------------------------------------
// The cursor of one read of one stream, as the lister plans it: windows one at a time, each page
// of a window read on or the window split, and the next window sized as soon as the last page of
// the one before is listed (before any of its files is downloaded, so that listing runs ahead of
// the downloads). What was emitted and checkpointed is the Tally's, below.

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
  /** What is known of the page size. */
  readonly page: PageSize
  /** Export requests since the last checkpoint planned (or the start of the read), this window's included. */
  readonly requests: number
  /**
   * The next window was sized blind: the first of the read, grown 8x over a window that listed
   * nothing, or the replacement of a split. A burst can page it many times over.
   */
  readonly blind: boolean
  /** The last cursor a planned checkpoint holds; the saved cursor until then. */
  readonly checkpointMs: number | undefined
}

export interface Checkpoint {
  readonly cursorMs: number
  /** Records since the previous checkpoint of the stream. */
  readonly recordCount: number
}

const fromOf = (options: CursorOptions): number =>
  floorHour(
    options.syncMode === "incremental"
      ? syncStart(options.startMs, options.savedMs, options.lookbackHours)
      : Math.max(options.startMs, options.savedMs ?? options.startMs)
  )

export const startCursor = (options: CursorOptions): Cursor => {
  const fromMs = fromOf(options)
  return {
    options,
    fromMs,
    positionMs: fromMs,
    hours: options.windowHours ?? INITIAL_WINDOW_HOURS,
    page: { full: undefined, floor: 0 },
    requests: 0,
    blind: true,
    checkpointMs: options.savedMs
  }
}

/** The next window to list, or undefined when the read is through. Built one at a time. */
export const nextWindow = (cursor: Cursor): ExportWindow | undefined =>
  cursor.positionMs >= cursor.options.endMs
    ? undefined
    : { startMs: cursor.positionMs, endMs: Math.min(cursor.positionMs + cursor.hours * HOUR_MS, cursor.options.endMs) }

/** One page of a window as listed. */
export interface ListedPage {
  /** Pages of the window listed so far, this one included. */
  readonly pages: number
  /** File URLs on this page, as the API listed them. */
  readonly pageFiles: number
  /** Distinct files the window has listed so far, this page's included. */
  readonly files: number
  /** The page showed a cursor: the window has more pages. */
  readonly more: boolean
}

/** What to do once a page of a window is listed. */
export type PageStep =
  /**
   * Ask for the window's next page. `hold`: that page may still split the window, so none of its
   * files may be downloaded before it is listed.
   */
  | { readonly _tag: "NextPage"; readonly cursor: Cursor; readonly hold: boolean }
  /** Drop the window's pages (none of their files was downloaded) and list `nextWindow(cursor)` instead. */
  | { readonly _tag: "Split"; readonly cursor: Cursor }
  /** The window is listed: read it. `checkpoint`: its end is checkpointed once its records are out. */
  | { readonly _tag: "Listed"; readonly cursor: Cursor; readonly checkpoint: boolean }

/**
 * A page of `window` was listed. A page with a cursor is read on while the page after it can
 * still be followed by a checkpoint within MAX_REQUESTS_WITHOUT_CHECKPOINT (and the window was
 * not sized blind); at the last request that can, a window still paging is split to one hour.
 * When the window is through, the next one is sized from it (its length depends only on what it
 * listed) and a checkpoint is planned after it, unless it lies at or below the saved cursor (a
 * lookback re-reading it).
 */
export const pageListed = (cursor: Cursor, window: ExportWindow, listed: ListedPage): PageStep => {
  const requests = cursor.requests + 1
  const page: PageSize = {
    full: listed.more && listed.pageFiles > 0 ? listed.pageFiles : cursor.page.full,
    floor: Math.max(cursor.page.floor, listed.pageFiles)
  }
  const hours = (window.endMs - window.startMs) / HOUR_MS
  if (listed.more) {
    const canSplit = cursor.options.windowHours === undefined && hours > 1
    if (canSplit && requests + 1 === MAX_REQUESTS_WITHOUT_CHECKPOINT) {
      return { _tag: "Split", cursor: { ...cursor, page, requests, hours: 1, blind: true } }
    }
    if (canSplit && requests + 1 < MAX_REQUESTS_WITHOUT_CHECKPOINT && cursor.blind && listed.pages === 1) {
      return { _tag: "Split", cursor: { ...cursor, page, requests, hours: Math.max(1, Math.floor(hours / SPLIT_SHRINK)), blind: true } }
    }
    return {
      _tag: "NextPage",
      cursor: { ...cursor, page, requests },
      hold: canSplit && requests + 2 === MAX_REQUESTS_WITHOUT_CHECKPOINT
    }
  }
  const moved: Cursor = {
    ...cursor,
    positionMs: window.endMs,
    hours: cursor.options.windowHours ?? nextWindowHours(hours, listed.files, page),
    page,
    requests,
    blind: listed.files === 0
  }
  if (cursor.checkpointMs !== undefined && window.endMs <= cursor.checkpointMs) return { _tag: "Listed", cursor: moved, checkpoint: false }
  return { _tag: "Listed", cursor: { ...moved, requests: 0, checkpointMs: window.endMs }, checkpoint: true }
}

// ---------------------------------------------------------------------------------------------
// The tally of one read of one stream: what has been emitted, and the checkpoints it earns. A
// window's end is checkpointed once all of its records are out, windows in order, so the state
// never passes a window that was not fully emitted however far the listing has run ahead.

export interface Tally {
  readonly fromMs: number
  readonly endMs: number
  /** The end of the last window emitted. */
  readonly positionMs: number
  /** Records emitted since the last checkpoint. */
  readonly pendingRecords: number
  /** The last cursor checkpointed in this read; the saved cursor until then. */
  readonly checkpointMs: number | undefined
  /** Whether this read has checkpointed yet. */
  readonly checkpointed: boolean
}

export const startTally = (options: CursorOptions): Tally => {
  const fromMs = fromOf(options)
  return { fromMs, endMs: options.endMs, positionMs: fromMs, pendingRecords: 0, checkpointMs: options.savedMs, checkpointed: false }
}

/**
 * Every record of `window` has been emitted: the checkpoint due, after every window unless it
 * lies at or below the saved cursor (a lookback re-reading it): the cursor never moves
 * backwards, so those records are counted into the next checkpoint instead.
 */
export const windowEmitted = (
  tally: Tally,
  window: ExportWindow,
  records: number
): { readonly tally: Tally; readonly checkpoint: Checkpoint | undefined } => {
  const moved: Tally = { ...tally, positionMs: window.endMs, pendingRecords: tally.pendingRecords + records }
  if (tally.checkpointMs !== undefined && window.endMs <= tally.checkpointMs) return { tally: moved, checkpoint: undefined }
  return {
    tally: { ...moved, pendingRecords: 0, checkpointMs: window.endMs, checkpointed: true },
    checkpoint: { cursorMs: window.endMs, recordCount: moved.pendingRecords }
  }
}

/**
 * The checkpoint that ends a read, if one is still due: every read of a stream ends with a
 * state, even when no window was due (the same cursor, 0 records), and records that a lookback
 * re-read below the saved cursor are counted at the cursor they belong under.
 */
export const finishRead = (tally: Tally): Checkpoint | undefined => {
  if (tally.checkpointed && tally.pendingRecords === 0) return undefined
  // No saved cursor and no window read: start_date lies at or past the read's end (a date in the
  // future, or this very hour). Nothing is known to be read, and a cursor written now (start_date,
  // or the end) would hide the hours before it once start_date is corrected: no state at all.
  if (tally.checkpointMs === undefined) return undefined
  // A saved cursor past the read's end (end_date lowered, or a state from the future) is set back
  // to the end: no state claims an hour this read could not have read. Hours past it are read
  // again when due, which duplicates at most, where keeping it would skip them for good.
  return { cursorMs: Math.min(tally.checkpointMs, tally.endMs), recordCount: tally.pendingRecords }
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
 * What the whole read is expected to bring, extrapolated from what the hours emitted so far
 * brought: windows differ in length, so the rate is per hour, not per window.
 */
export const estimateTotals = (tally: Tally, records: number, bytes: number): { readonly records: number; readonly bytes: number } => {
  const done = tally.positionMs - tally.fromMs
  const total = tally.endMs - tally.fromMs
  if (done <= 0 || total <= 0) return { records, bytes }
  const scale = Math.max(1, total / done)
  return { records: Math.round(records * scale), bytes: Math.round(bytes * scale) }
}
