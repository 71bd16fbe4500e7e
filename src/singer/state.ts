import { Effect } from "effect"
import { parseHour } from "../config/hours.js"
import { InputError, readJsonFile } from "../config/inputFile.js"
import { CURSOR_FIELD, encodeStreamState, missingCursor } from "../sync/cursor.js"
import { cursorsFor, decodeStateEntries, type LoadedState, type StateEntries } from "../sync/state.js"

/** Where each stream starts, and the bookmarks the first STATE carries on unchanged. */
export interface TapState {
  /** Every readable bookmark's cursor; `selectedCursors` keeps those of the streams synced. */
  readonly entries: StateEntries
  /** Every readable bookmark as given, streams this sync does not read included. */
  readonly bookmarks: Readonly<Record<string, Readonly<Record<string, unknown>>>>
}

const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 120) ?? String(value)

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isSingerState = (value: unknown): value is { readonly bookmarks: unknown } => isObject(value) && "bookmarks" in value

/**
 * What `--state` may hold: the value of this tap's last STATE (`{"bookmarks": {stream:
 * {"_ab_export_window_end": …}}}`, what Meltano saves and passes back), or, for people switching
 * over from the Airbyte connector, its per-stream state (an array of STREAM states, or the legacy
 * object `{stream: {"_ab_export_window_end": …}}`). An empty bookmark means no state for the
 * stream. A bookmark this tap cannot read is a problem only for a stream the sync selects
 * (`selectedCursors`): others are ignored, whatever their shape, and not carried on (the STATE
 * this tap writes holds only bookmarks it can read back).
 */
export const decodeTapState = (value: unknown, file: string) =>
  Effect.gen(function* () {
    if (!isSingerState(value)) {
      const entries = yield* decodeStateEntries(value, file)
      const bookmarks = Object.fromEntries([...entries.cursors].map(([stream, ms]) => [stream, encodeStreamState(ms)]))
      return { entries, bookmarks } satisfies TapState
    }
    if (!isObject(value.bookmarks)) {
      return yield* new InputError({
        file,
        message: `State file ${file} is invalid: bookmarks must map each stream to an object like {"${CURSOR_FIELD}": "2025-12-13T00:00:00Z"}, got ${describe(value.bookmarks)}`
      })
    }
    const cursors = new Map<string, number>()
    const problems = new Map<string, string>()
    const kept: Array<readonly [string, Readonly<Record<string, unknown>>]> = []
    for (const [stream, bookmark] of Object.entries(value.bookmarks)) {
      if (bookmark === null || (isObject(bookmark) && Object.keys(bookmark).length === 0)) continue
      const cursor = isObject(bookmark) ? bookmark[CURSOR_FIELD] : undefined
      const ms = typeof cursor === "string" ? parseHour(cursor) : undefined
      if (!isObject(bookmark) || ms === undefined) {
        problems.set(
          stream,
          !isObject(bookmark)
            ? `bookmarks.${stream} must be an object like {"${CURSOR_FIELD}": "2025-12-13T00:00:00Z"}, got ${describe(bookmark)}`
            : cursor === undefined
              ? `bookmarks.${stream}.${CURSOR_FIELD} ${missingCursor(bookmark)}`
              : `bookmarks.${stream}.${CURSOR_FIELD} must be a whole UTC hour like 2025-12-13T00:00:00Z, got ${describe(cursor)}`
        )
        continue
      }
      cursors.set(stream, ms)
      kept.push([stream, bookmark])
    }
    // fromEntries defines own properties: a stream named __proto__ is a stream like any other.
    return { entries: { cursors, problems }, bookmarks: Object.fromEntries(kept) } satisfies TapState
  })

/** The cursors of the streams a sync selects; an unreadable bookmark of one of them is a config error. */
export const selectedCursors = (
  state: TapState,
  streams: Iterable<string>,
  file: string | undefined
): Effect.Effect<LoadedState, InputError> => cursorsFor(state.entries, streams, file ?? "--state")

export const loadTapState = (path: string | undefined) =>
  path === undefined
    ? Effect.succeed<TapState>({ entries: { cursors: new Map(), problems: new Map() }, bookmarks: {} })
    : readJsonFile(path, "State").pipe(Effect.flatMap((value) => decodeTapState(value, path)))
