import { Console, Effect, Layer } from "effect"
import { shownNames } from "../config/shownValue.js"
import { singerRecordEnvelope } from "../output/recordEnvelope.js"
import { CURSOR_FIELD } from "../sync/cursor.js"
import { SyncOutput } from "../sync/syncOutput.js"
import type { SelectedStream } from "./catalog.js"

type JsonObject = { readonly [key: string]: unknown }
import { SingerOutput } from "./output.js"
import type { TapState } from "./state.js"

/** A nullable string, as discover declares every CSV column. */
const NEW_COLUMN = { type: ["null", "string"] } as const

/**
 * The sync's events as Singer messages: a SCHEMA when a stream starts (so before its first
 * RECORD), a new SCHEMA when a file brings columns the last one lacks (the union: its properties
 * kept, the new columns added as nullable strings; the engine calls `newColumns` before any record
 * carrying them is handed over, so SDK targets add the columns before they meet them), RECORD lines framed by `singerRecordEnvelope`, and after every checkpoint a STATE
 * whose value holds every stream's bookmark, since Meltano keeps only the last STATE it sees.
 * An INCREMENTAL stream's bookmark moves to each checkpoint; a FULL_TABLE stream reads from
 * `start_date` every time and leaves its bookmark as it was. Everything for people goes to
 * stderr (the Console the tap runs with).
 */
export const singerSyncOutput = (streams: ReadonlyArray<SelectedStream>, state: TapState) =>
  Layer.effect(
    SyncOutput,
    Effect.map(SingerOutput, (output) => {
      const byName = new Map(streams.map((s) => [s.name, s]))
      // Each stream's last SCHEMA: what the next one adds to.
      const schemas = new Map(streams.map((s) => [s.name, s.schema]))
      const schemaMessage = (stream: string) => {
        const selected = byName.get(stream)!
        return {
          type: "SCHEMA" as const,
          stream,
          schema: schemas.get(stream)!,
          key_properties: selected.keyProperties,
          ...(selected.method === "INCREMENTAL" ? { bookmark_properties: [CURSOR_FIELD] } : {})
        }
      }
      const bookmarks = new Map(Object.entries(state.bookmarks))
      const stateMessage = () => ({ type: "STATE" as const, value: { bookmarks: Object.fromEntries(bookmarks) } })
      return SyncOutput.of({
        recordEnvelope: (stream, windowEnd, fileUrl) => singerRecordEnvelope(stream, windowEnd, fileUrl, Date.now()),
        records: (lines, written) => output.writeLines(lines, written),
        newColumns: (stream, columns) =>
          Effect.suspend(() => {
            const last = schemas.get(stream)!
            const properties = typeof last.properties === "object" && last.properties !== null ? (last.properties as JsonObject) : {}
            schemas.set(stream, {
              ...last,
              type: last.type ?? "object",
              properties: { ...properties, ...Object.fromEntries(columns.map((column) => [column, NEW_COLUMN])) }
            })
            return Effect.zipRight(
              Console.error(`INFO Stream ${stream}: new columns ${shownNames(columns)}; a new SCHEMA adds them`),
              output.emit(schemaMessage(stream))
            )
          }),
        started: (stream) =>
          Effect.zipRight(
            Console.error(`INFO Stream ${stream}: syncing (${byName.get(stream)!.method})`),
            output.emit(schemaMessage(stream))
          ),
        rateLimited: (stream, retryAtMs) =>
          Console.error(
            `INFO Stream ${stream}: rate limited (429), waiting${retryAtMs === undefined ? "" : ` until ${new Date(retryAtMs).toISOString()}`}`
          ),
        estimate: () => Effect.void,
        checkpoint: (stream, streamState, recordCount) =>
          Effect.suspend(() => {
            const cursor = streamState[CURSOR_FIELD]
            if (byName.get(stream)?.method === "INCREMENTAL") bookmarks.set(stream, streamState)
            return Effect.zipRight(
              output.emit(stateMessage()),
              Console.error(`INFO Stream ${stream}: ${recordCount} record${recordCount === 1 ? "" : "s"} up to ${cursor}`)
            )
          }),
        warn: (stream, message) => Console.error(`WARNING Stream ${stream}: ${message}`),
        failed: (stream, report) => Console.error(`ERROR Stream ${stream} failed (${report.failureType}): ${report.message}`),
        ended: (stream, complete) => Console.error(`INFO Stream ${stream}: ${complete ? "complete" : "incomplete"}`)
      })
    })
  )
