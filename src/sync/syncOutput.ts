import { Context, Effect } from "effect"
import type { RecordEnvelope } from "../output/recordEnvelope.js"
import type { StreamState } from "./cursor.js"
import type { FailureReport } from "./failures.js"

/**
 * What a sync tells the outside world, whatever protocol carries it. The engine (stream, window
 * and file readers) speaks only to this port; Airbyte's `read` and the Singer tap each provide
 * their own implementation, so that both run the same windows, retries, limiter and guarantees.
 * Every method is called in the order things happen, and a later call never overtakes an
 * earlier one on the way out: a checkpoint is written after the records it covers.
 */
export class SyncOutput extends Context.Tag("source-enterpret/SyncOutput")<
  SyncOutput,
  {
    /** How each record of one file is framed; the CSV encoder fills in the cells. */
    readonly recordEnvelope: (stream: string, windowEnd: string, fileUrl: string) => RecordEnvelope
    /**
     * Newline-terminated record lines, already framed by `recordEnvelope`, as UTF-8. `written` is
     * called once the bytes are no longer needed (see MessageOutput.writeLines). Undefined when
     * they were taken at once; an Effect to run before any more records when the destination
     * pushes back or is gone. The hot path: no Effect step a chunk unless one has to wait.
     */
    readonly records: (lines: Uint8Array, written?: () => void) => Effect.Effect<void> | undefined
    /**
     * A file of the stream has columns its configured schema lacks (and no earlier file of this
     * read brought): `columns`, in the header's order, once per new set. Called before that
     * file's first records are handed to `records`, and no other file's record carrying them is
     * handed over before this returns (see StreamColumns): Singer's new SCHEMA goes out first.
     */
    readonly newColumns: (stream: string, columns: ReadonlyArray<string>) => Effect.Effect<void>
    /** The stream begins (Airbyte: STARTED then RUNNING). */
    readonly started: (stream: string) => Effect.Effect<void>
    /** The stream waits out a 429, until `retryAtMs` when the server said. */
    readonly rateLimited: (stream: string, retryAtMs: number | undefined) => Effect.Effect<void>
    /** What the whole read of the stream is expected to bring, as soon as it is known. */
    readonly estimate: (stream: string, rows: number, bytes: number) => Effect.Effect<void>
    /**
     * Every record of the stream up to the cursor in `streamState` (what `cursor.ts` encodes, e.g.
     * `{"_ab_export_window_end": "2025-12-13T00:00:00Z"}`) has been handed to `records`.
     */
    readonly checkpoint: (stream: string, streamState: StreamState, recordCount: number) => Effect.Effect<void>
    /** Something about the stream a person should know, that does not stop it (Airbyte: a WARN LOG). */
    readonly warn: (stream: string, message: string) => Effect.Effect<void>
    /** The stream failed; the others go on. */
    readonly failed: (stream: string, report: FailureReport) => Effect.Effect<void>
    /** The stream is over: complete, or not (failed or interrupted). */
    readonly ended: (stream: string, complete: boolean) => Effect.Effect<void>
  }
>() {}

/**
 * The warnings of the stream being read, each told once per stream and sync however many files
 * meet it (a proxy that strips the framing of every file makes one warning, not thousands).
 * Provided per stream by the stream reader; outside one (a test of one file) it tells nothing.
 */
export class StreamWarnings extends Context.Reference<StreamWarnings>()("source-enterpret/StreamWarnings", {
  defaultValue: () => ({ once: (_key: string, _message: string): Effect.Effect<void> => Effect.void })
}) {}
