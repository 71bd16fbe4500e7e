import { Context, Effect } from "effect"
import { SyncOutput } from "./syncOutput.js"

/** What the configured catalog says of one stream's columns. */
export interface ConfiguredColumns {
  /**
   * Every property the stream's schema declares, deselected ones included: a header column
   * outside them is new. Undefined when the schema declares no properties at all (Airbyte's
   * `{"type": "object"}`): nothing to compare with.
   */
  readonly declared?: ReadonlyArray<string> | undefined
  /** Declared columns the records leave out (deselected in a Singer catalog). */
  readonly excluded?: ReadonlyArray<string> | undefined
}

/**
 * One stream's columns during a read, for its file readers: the columns the records leave out
 * (given to each file's encoder at set-up), and the check of each file's header against the
 * schema. Provided per stream by the stream reader; a file read without it checks nothing.
 */
export class StreamColumns extends Context.Tag("source-enterpret/StreamColumns")<
  StreamColumns,
  {
    readonly excluded: ReadonlySet<string> | undefined
    /**
     * A file's header: columns neither declared nor seen before in this read go to
     * `SyncOutput.newColumns`, once. Returns only once they have, and the file reader calls it
     * before that file's first records go to `SyncOutput.records`: whatever is emitted for new
     * columns (a Singer SCHEMA) precedes every record that carries them, from this file or any
     * other file of the stream read at the same time. Undefined when every column is known (all
     * but the first file with a new one), so that a file's first records cost no Effect step.
     */
    readonly header: (header: ReadonlyArray<string>) => Effect.Effect<void> | undefined
  }
>() {}

export const makeStreamColumns = (stream: string, columns: ConfiguredColumns | undefined) =>
  Effect.gen(function* () {
    const output = yield* SyncOutput
    const excluded = columns?.excluded !== undefined && columns.excluded.length > 0 ? new Set(columns.excluded) : undefined
    const declared = columns?.declared
    if (declared === undefined) return StreamColumns.of({ excluded, header: () => undefined })
    const known = new Set(declared)
    // Files of a stream are read concurrently: a second file with the same new columns waits
    // until the first has told them, so that none of its records overtakes that.
    const lock = yield* Effect.makeSemaphore(1)
    const unknown = (header: ReadonlyArray<string>) => header.filter((column) => !known.has(column))
    return StreamColumns.of({
      excluded,
      header: (header) =>
        unknown(header).length === 0
          ? undefined
          : lock.withPermits(1)(
              Effect.suspend(() => {
                const fresh = unknown(header)
                if (fresh.length === 0) return Effect.void
                return Effect.tap(output.newColumns(stream, fresh), () => {
                  for (const column of fresh) known.add(column)
                })
              })
            )
    })
  })
