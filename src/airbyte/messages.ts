import { Schema } from "effect"

/**
 * The Airbyte messages this connector emits (protocol v0.18), as Schemas so that their types have
 * one definition. They are built by the constructors below and serialised with JSON.stringify;
 * nothing on the hot path decodes them.
 */

export const FailureType = Schema.Literal("system_error", "config_error", "transient_error")
export type FailureType = typeof FailureType.Type

export const StreamDescriptor = Schema.Struct({ name: Schema.String })

export const LogLevel = Schema.Literal("FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE")
export type LogLevel = typeof LogLevel.Type

export const StreamStatus = Schema.Literal("STARTED", "RUNNING", "COMPLETE", "INCOMPLETE")
export type StreamStatus = typeof StreamStatus.Type

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const StateMessage = Schema.Struct({
  type: Schema.Literal("STATE"),
  state: Schema.Struct({
    type: Schema.Literal("STREAM"),
    stream: Schema.Struct({ stream_descriptor: StreamDescriptor, stream_state: JsonObject }),
    sourceStats: Schema.Struct({ recordCount: Schema.Number })
  })
})

export const TraceMessage = Schema.Struct({
  type: Schema.Literal("TRACE"),
  trace: Schema.Struct({
    type: Schema.Literal("ERROR", "ESTIMATE", "STREAM_STATUS"),
    emitted_at: Schema.Number,
    error: Schema.optional(
      Schema.Struct({
        message: Schema.String,
        internal_message: Schema.optional(Schema.String),
        failure_type: FailureType,
        stream_descriptor: Schema.optional(StreamDescriptor)
      })
    ),
    estimate: Schema.optional(
      Schema.Struct({
        name: Schema.String,
        type: Schema.Literal("STREAM"),
        row_estimate: Schema.optional(Schema.Number),
        byte_estimate: Schema.optional(Schema.Number)
      })
    ),
    stream_status: Schema.optional(
      Schema.Struct({
        stream_descriptor: StreamDescriptor,
        status: StreamStatus,
        reasons: Schema.optional(
          Schema.Array(
            Schema.Struct({
              type: Schema.Literal("RATE_LIMITED"),
              rate_limited: Schema.optional(Schema.Struct({ quota_reset: Schema.optional(Schema.Number) }))
            })
          )
        )
      })
    )
  })
})

export const AirbyteMessage = Schema.Union(
  StateMessage,
  TraceMessage,
  Schema.Struct({ type: Schema.Literal("LOG"), log: Schema.Struct({ level: LogLevel, message: Schema.String }) }),
  Schema.Struct({ type: Schema.Literal("SPEC"), spec: JsonObject }),
  Schema.Struct({
    type: Schema.Literal("CONNECTION_STATUS"),
    connectionStatus: Schema.Struct({ status: Schema.Literal("SUCCEEDED", "FAILED"), message: Schema.optional(Schema.String) })
  }),
  Schema.Struct({ type: Schema.Literal("CATALOG"), catalog: Schema.Struct({ streams: Schema.Array(JsonObject) }) })
)
export type AirbyteMessage = typeof AirbyteMessage.Type

export const logMessage = (level: LogLevel, message: string): AirbyteMessage => ({ type: "LOG", log: { level, message } })

/** A per-stream STATE; `streamState` is the blob the cursor module encodes. */
export const stateMessage = (stream: string, streamState: Readonly<Record<string, string>>, recordCount: number): AirbyteMessage => ({
  type: "STATE",
  state: {
    type: "STREAM",
    stream: { stream_descriptor: { name: stream }, stream_state: streamState },
    sourceStats: { recordCount }
  }
})

export const streamStatusMessage = (stream: string, status: StreamStatus): AirbyteMessage => ({
  type: "TRACE",
  trace: { type: "STREAM_STATUS", emitted_at: Date.now(), stream_status: { stream_descriptor: { name: stream }, status } }
})

export const rateLimitedMessage = (stream: string, quotaReset: number | undefined): AirbyteMessage => ({
  type: "TRACE",
  trace: {
    type: "STREAM_STATUS",
    emitted_at: Date.now(),
    stream_status: {
      stream_descriptor: { name: stream },
      status: "RUNNING",
      // JSON has no Infinity: a reset time that is not a finite number is left out, never `null`.
      reasons: [
        {
          type: "RATE_LIMITED",
          ...(quotaReset === undefined || !Number.isFinite(quotaReset) ? {} : { rate_limited: { quota_reset: quotaReset } })
        }
      ]
    }
  }
})

export const estimateMessage = (stream: string, rows: number, bytes: number): AirbyteMessage => ({
  type: "TRACE",
  trace: {
    type: "ESTIMATE",
    emitted_at: Date.now(),
    estimate: { name: stream, type: "STREAM", row_estimate: Math.round(rows), byte_estimate: Math.round(bytes) }
  }
})

export const errorTraceMessage = (
  failureType: FailureType,
  message: string,
  internalMessage: string | undefined,
  stream: string | undefined
): AirbyteMessage => ({
  type: "TRACE",
  trace: {
    type: "ERROR",
    emitted_at: Date.now(),
    error: {
      message,
      failure_type: failureType,
      ...(internalMessage === undefined ? {} : { internal_message: internalMessage }),
      ...(stream === undefined ? {} : { stream_descriptor: { name: stream } })
    }
  }
})
