import { Effect, Schema } from "effect"
import { parseHour } from "../config/hours.js"
import { InputError, readJsonFile } from "../config/inputFile.js"
import { CURSOR_FIELD, encodeStreamState } from "../sync/cursor.js"
import { decodeState, type StreamCursors } from "../sync/state.js"

/** Where each stream starts, and the bookmarks the first STATE carries on unchanged. */
export interface TapState {
  readonly cursors: StreamCursors
  /** Every stream's bookmark as given, streams this sync does not read included. */
  readonly bookmarks: Readonly<Record<string, Readonly<Record<string, unknown>>>>
}

const Bookmarks = Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })) })

const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 120) ?? String(value)

const isSingerState = (value: unknown): value is { readonly bookmarks: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value) && "bookmarks" in value

/**
 * What `--state` may hold: the value of this tap's last STATE (`{"bookmarks": {stream:
 * {"_ab_export_window_end": …}}}`, what Meltano saves and passes back), or, for people switching
 * over from the Airbyte connector, its per-stream state (an array of STREAM states, or the legacy
 * object `{stream: {"_ab_export_window_end": …}}`). An empty bookmark means no state for the stream.
 */
export const decodeTapState = (value: unknown, file: string) =>
  Effect.gen(function* () {
    if (!isSingerState(value)) {
      const cursors = yield* decodeState(value, file)
      const bookmarks = Object.fromEntries([...cursors].map(([stream, ms]) => [stream, encodeStreamState(ms)]))
      return { cursors, bookmarks } satisfies TapState
    }
    const fail = (message: string) => new InputError({ file, message: `State file ${file} is invalid: ${message}` })
    const decoded = Schema.decodeUnknownOption(Bookmarks)(value.bookmarks)
    if (decoded._tag === "None") {
      return yield* fail(
        `bookmarks must map each stream to an object like {"${CURSOR_FIELD}": "2025-12-13T00:00:00Z"}, got ${describe(value.bookmarks)}`
      )
    }
    const cursors = new Map<string, number>()
    const kept: Array<readonly [string, Readonly<Record<string, unknown>>]> = []
    for (const [stream, bookmark] of Object.entries(decoded.value)) {
      if (bookmark === null || Object.keys(bookmark).length === 0) continue
      const cursor = bookmark[CURSOR_FIELD]
      const ms = typeof cursor === "string" ? parseHour(cursor) : undefined
      if (ms === undefined) {
        return yield* fail(
          `bookmarks.${stream}.${CURSOR_FIELD} must be a whole UTC hour like 2025-12-13T00:00:00Z, got ${describe(cursor)}`
        )
      }
      cursors.set(stream, ms)
      kept.push([stream, bookmark])
    }
    // fromEntries defines own properties: a stream named __proto__ is a stream like any other.
    return { cursors, bookmarks: Object.fromEntries(kept) } satisfies TapState
  })

export const loadTapState = (path: string | undefined) =>
  path === undefined
    ? Effect.succeed<TapState>({ cursors: new Map(), bookmarks: {} })
    : readJsonFile(path, "State").pipe(Effect.flatMap((value) => decodeTapState(value, path)))
