import { Effect, Schema } from "effect"
import { InputError, readJsonFile } from "../config/inputFile.js"
import { CURSOR_FIELD, decodeStreamState } from "./cursor.js"

/** Saved cursors by stream name, in epoch ms of the end of the last checkpointed window. */
export type StreamCursors = ReadonlyMap<string, number>

/**
 * Every stream entry of a state file, read one by one: the cursors that could be read, and for
 * each stream whose entry could not, what is wrong with it. Whether a problem matters depends on
 * the catalog (`cursorsFor`): a state for a stream not in it is ignored whatever its shape, as the
 * contract says (a removed stream's `{"updated_at": …}` must not fail the streams that remain).
 */
export interface StateEntries {
  readonly cursors: ReadonlyMap<string, number>
  readonly problems: ReadonlyMap<string, string>
}

/** The state of the streams a read is about, and the streams whose unreadable entries it ignored. */
export interface LoadedState {
  readonly cursors: StreamCursors
  /** Streams outside the catalog whose state could not be read (worth a warning, not a failure). */
  readonly ignored: ReadonlyArray<string>
}

const StreamStateMessage = Schema.Struct({
  type: Schema.optional(Schema.Literal("STREAM")),
  stream: Schema.Struct({
    stream_descriptor: Schema.Struct({ name: Schema.String, namespace: Schema.optional(Schema.NullOr(Schema.String)) }),
    stream_state: Schema.optional(Schema.Unknown)
  })
})

const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 120) ?? String(value)

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** One stream's state blob: its cursor, none (empty or null), or what is wrong with it. */
const entryOf = (stream: string, blob: unknown): { readonly cursorMs: number | undefined } | { readonly problem: string } => {
  if (blob === null || blob === undefined) return { cursorMs: undefined }
  if (!isPlainObject(blob))
    return { problem: `state of stream ${stream} must be an object like {"${CURSOR_FIELD}": …}, got ${describe(blob)}` }
  const decoded = decodeStreamState(blob)
  return "problem" in decoded ? { problem: `state of stream ${stream}: ${decoded.problem}` } : decoded
}

/**
 * The entries of a state file: what Airbyte passes as `--state`, an array of per-stream state
 * messages, or the legacy object `{stream_name: stream_state}`. A file of another shape, or an
 * array item that names no stream, is a config error at once; a stream's unreadable state is
 * kept as a problem for `cursorsFor` to judge. A stream named twice keeps its last entry.
 */
export const decodeStateEntries = (value: unknown, file: string) =>
  Effect.gen(function* () {
    const fail = (message: string) => new InputError({ file, message: `State file ${file} is invalid: ${message}` })
    const cursors = new Map<string, number>()
    const problems = new Map<string, string>()
    const add = (stream: string, blob: unknown) => {
      const entry = entryOf(stream, blob)
      cursors.delete(stream)
      problems.delete(stream)
      if ("problem" in entry) problems.set(stream, entry.problem)
      else if (entry.cursorMs !== undefined) cursors.set(stream, entry.cursorMs)
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const decoded = Schema.decodeUnknownOption(StreamStateMessage)(item)
        if (decoded._tag === "None") {
          return yield* fail(
            `item ${index} must be a STREAM state message ({"type":"STREAM","stream":{"stream_descriptor":{"name":...},"stream_state":{...}}}), got ${describe(item)}`
          )
        }
        add(decoded.value.stream.stream_descriptor.name, decoded.value.stream.stream_state)
      }
    } else if (isPlainObject(value)) {
      for (const [stream, blob] of Object.entries(value)) add(stream, blob)
    } else {
      return yield* fail(
        `expected an array of STREAM state messages or an object {stream_name: {"${CURSOR_FIELD}": ...}}, got ${describe(value)}`
      )
    }
    return { cursors, problems } satisfies StateEntries
  })

/**
 * The cursors of `streams` (the catalog's): an unreadable state of one of them is a config error
 * naming it; the entries of other streams are ignored, whatever their shape.
 */
export const cursorsFor = (entries: StateEntries, streams: Iterable<string>, file: string) =>
  Effect.gen(function* () {
    const wanted = new Set(streams)
    const cursors = new Map<string, number>()
    for (const [stream, problem] of entries.problems) {
      if (wanted.has(stream)) return yield* new InputError({ file, message: `State file ${file} is invalid: ${problem}` })
    }
    for (const [stream, ms] of entries.cursors) if (wanted.has(stream)) cursors.set(stream, ms)
    const ignored = [...entries.problems.keys()].filter((stream) => !wanted.has(stream))
    return { cursors, ignored } satisfies LoadedState
  })

/** A state file's cursors for the catalog's `streams` (see `decodeStateEntries` and `cursorsFor`). */
export const decodeState = (value: unknown, file: string, streams: Iterable<string>) =>
  Effect.flatMap(decodeStateEntries(value, file), (entries) => cursorsFor(entries, streams, file))

export const loadState = (path: string | undefined, streams: Iterable<string>) =>
  path === undefined
    ? Effect.succeed<LoadedState>({ cursors: new Map(), ignored: [] })
    : readJsonFile(path, "State").pipe(Effect.flatMap((value) => decodeState(value, path, streams)))

/** The warning for state entries of streams outside the catalog that could not be read. */
export const ignoredStateWarning = (ignored: ReadonlyArray<string>): string | undefined =>
  ignored.length === 0
    ? undefined
    : `Ignored the state of ${ignored.length} stream${ignored.length === 1 ? "" : "s"} not in the catalog, in a shape this connector does not write: ${ignored
        .slice(0, 10)
        .map((name) => (name.length > 64 ? `${name.slice(0, 64)}…` : name))
        .join(", ")}${ignored.length > 10 ? ", …" : ""}`
