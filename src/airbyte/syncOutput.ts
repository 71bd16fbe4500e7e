import { Effect, Layer } from "effect"
import { shownNames } from "../config/shownValue.js"
import { airbyteRecordEnvelope } from "../output/recordEnvelope.js"
import { SyncOutput } from "../sync/syncOutput.js"
import { errorTraceMessage, estimateMessage, logMessage, rateLimitedMessage, stateMessage, streamStatusMessage } from "./messages.js"
import { AirbyteOutput } from "./output.js"

/**
 * The one WARN of a stream whose files brought columns the configured catalog's schema lacks.
 * The catalog stays as it is (the Airbyte protocol has no schema change within a read) and
 * records carry every column, but destinations keep only what the catalog declares. Airbyte's
 * field selection sends only the selected fields in the catalog, so a deselected column is
 * named here too, with what to do about each case.
 */
export const newColumnsWarning = (stream: string, columns: ReadonlyArray<string>) =>
  `Stream ${stream}: the files carry ${columns.length === 1 ? "a column" : `${columns.length} columns`} that the configured catalog's schema lacks: ${shownNames(columns)}. Destinations will drop ${columns.length === 1 ? "it" : "them"} until the source schema is refreshed (in Airbyte: refresh the source schema of the connection, then accept the new fields). Records carry ${columns.length === 1 ? "it" : "them"} as usual; a column deselected in the connection needs nothing.`

/** The sync's events as Airbyte messages on stdout (`read`). */
export const AirbyteSyncOutputLive = Layer.effect(
  SyncOutput,
  Effect.map(AirbyteOutput, (output) => {
    // New columns of each stream, told in one WARN when the stream ends: one per stream and sync.
    const newColumns = new Map<string, Array<string>>()
    return SyncOutput.of({
      recordEnvelope: (stream, windowEnd, fileUrl) => airbyteRecordEnvelope(stream, windowEnd, fileUrl, Date.now()),
      records: (lines, written) => output.writeLines(lines, written),
      newColumns: (stream, columns) =>
        Effect.sync(() => {
          const seen = newColumns.get(stream) ?? []
          newColumns.set(stream, [...seen, ...columns])
        }),
      started: (stream) =>
        Effect.zipRight(output.emit(streamStatusMessage(stream, "STARTED")), output.emit(streamStatusMessage(stream, "RUNNING"))),
      rateLimited: (stream, retryAtMs) => output.emit(rateLimitedMessage(stream, retryAtMs)),
      estimate: (stream, rows, bytes) => output.emit(estimateMessage(stream, rows, bytes)),
      checkpoint: (stream, streamState, recordCount) => output.emit(stateMessage(stream, streamState, recordCount)),
      warn: (stream, message) => output.emit(logMessage("WARN", `Stream ${stream}: ${message}`)),
      failed: (stream, report) => output.emit(errorTraceMessage(report.failureType, report.message, report.internal, stream)),
      ended: (stream, complete) =>
        Effect.suspend(() => {
          const columns = newColumns.get(stream)
          newColumns.delete(stream)
          const status = output.emit(streamStatusMessage(stream, complete ? "COMPLETE" : "INCOMPLETE"))
          return columns === undefined
            ? status
            : Effect.zipRight(output.emit(logMessage("WARN", newColumnsWarning(stream, columns))), status)
        })
    })
  })
)
