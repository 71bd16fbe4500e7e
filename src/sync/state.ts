import { Effect, Schema } from "effect"
import { InputError, readJsonFile } from "../config/inputFile.js"
import { CURSOR_FIELD, decodeStreamState } from "./cursor.js"

/** Saved cursors by stream name, in epoch ms of the end of the last checkpointed window. */
export type StreamCursors = ReadonlyMap<string, number>

const StreamStateMessage = Schema.Struct({
  type: Schema.optional(Schema.Literal("STREAM")),
  stream: Schema.Struct({
    stream_descriptor: Schema.Struct({ name: Schema.String, namespace: Schema.optional(Schema.NullOr(Schema.String)) }),
    stream_state: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })))
  })
})

const LegacyState = Schema.Record({
  key: Schema.String,
  value: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 120) ?? String(value)

/** Reads the cursor out of one stream's state blob (see cursor.ts); an empty blob means "no state yet". */
const cursorOf = (stream: string, blob: Readonly<Record<string, unknown>> | null | undefined, fail: (m: string) => InputError) => {
  const decoded = decodeStreamState(blob)
  return "problem" in decoded ? Effect.fail(fail(`state of stream ${stream}: ${decoded.problem}`)) : Effect.succeed(decoded.cursorMs)
}

/**
 * The state file: accepts what Airbyte passes as `--state`: an array of per-stream state messages, or the legacy
 * object `{stream_name: stream_state}`. Anything else is a config error naming the problem.
 */
export const decodeState = (value: unknown, file: string) =>
  Effect.gen(function* () {
    const fail = (message: string) => new InputError({ file, message: `State file ${file} is invalid: ${message}` })
    const cursors = new Map<string, number>()
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const decoded = Schema.decodeUnknownOption(StreamStateMessage)(item)
        if (decoded._tag === "None") {
          return yield* fail(
            `item ${index} must be a STREAM state message ({"type":"STREAM","stream":{"stream_descriptor":{"name":...},"stream_state":{...}}}), got ${describe(item)}`
          )
        }
        const { stream_descriptor, stream_state } = decoded.value.stream
        const ms = yield* cursorOf(stream_descriptor.name, stream_state, fail)
        if (ms !== undefined) cursors.set(stream_descriptor.name, ms)
      }
      return cursors as StreamCursors
    }
    const legacy = Schema.decodeUnknownOption(LegacyState)(value)
    if (legacy._tag === "None") {
      return yield* fail(
        `expected an array of STREAM state messages or an object {stream_name: {"${CURSOR_FIELD}": ...}}, got ${describe(value)}`
      )
    }
    for (const [stream, blob] of Object.entries(legacy.value)) {
      const ms = yield* cursorOf(stream, blob, fail)
      if (ms !== undefined) cursors.set(stream, ms)
    }
    return cursors as StreamCursors
  })

export const loadState = (path: string | undefined) =>
  path === undefined
    ? Effect.succeed(new Map() as StreamCursors)
    : readJsonFile(path, "State").pipe(Effect.flatMap((value) => decodeState(value, path)))
