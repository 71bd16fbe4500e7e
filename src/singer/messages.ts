import { Schema } from "effect"

/**
 * The Singer messages this tap writes itself (Singer SPEC 0.3.0, singer-io/getting-started
 * docs/SPEC.md). RECORD lines are framed by `singerRecordEnvelope` on the hot path instead.
 */

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** One stream's bookmark: the end of the last export window whose records were all emitted. */
export const Bookmark = JsonObject

/** The STATE value: `{"bookmarks": {stream: {"_ab_export_window_end": …}}}` (CONFIG_AND_STATE.md). */
export const SingerState = Schema.Struct({ bookmarks: Schema.Record({ key: Schema.String, value: Bookmark }) })
export type SingerState = typeof SingerState.Type

export const SchemaMessage = Schema.Struct({
  type: Schema.Literal("SCHEMA"),
  stream: Schema.String,
  schema: JsonObject,
  key_properties: Schema.Array(Schema.String),
  bookmark_properties: Schema.optional(Schema.Array(Schema.String))
})

export const StateMessage = Schema.Struct({ type: Schema.Literal("STATE"), value: SingerState })

export const SingerMessage = Schema.Union(SchemaMessage, StateMessage)
export type SingerMessage = typeof SingerMessage.Type
