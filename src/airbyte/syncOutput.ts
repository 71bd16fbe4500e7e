import { Effect, Layer } from "effect"
import { SyncOutput } from "../sync/syncOutput.js"
import { errorTraceMessage, logMessage, estimateMessage, rateLimitedMessage, stateMessage, streamStatusMessage } from "./messages.js"
import { airbyteRecordEnvelope } from "../output/recordEnvelope.js"
import { AirbyteOutput } from "./output.js"

/** The sync's events as Airbyte messages on stdout (`read`). */
export const AirbyteSyncOutputLive = Layer.effect(
  SyncOutput,
  Effect.map(AirbyteOutput, (output) =>
    SyncOutput.of({
      recordEnvelope: (stream, windowEnd, fileUrl) => airbyteRecordEnvelope(stream, windowEnd, fileUrl, Date.now()),
      records: (lines, written) => output.emitLines(lines, written),
      started: (stream) =>
        Effect.zipRight(output.emit(streamStatusMessage(stream, "STARTED")), output.emit(streamStatusMessage(stream, "RUNNING"))),
      rateLimited: (stream, retryAtMs) => output.emit(rateLimitedMessage(stream, retryAtMs)),
      estimate: (stream, rows, bytes) => output.emit(estimateMessage(stream, rows, bytes)),
      checkpoint: (stream, streamState, recordCount) => output.emit(stateMessage(stream, streamState, recordCount)),
      warn: (stream, message) => output.emit(logMessage("WARN", `Stream ${stream}: ${message}`)),
      failed: (stream, report) => output.emit(errorTraceMessage(report.failureType, report.message, report.internal, stream)),
      ended: (stream, complete) => output.emit(streamStatusMessage(stream, complete ? "COMPLETE" : "INCOMPLETE"))
    })
  )
)
