// Runs the built Singer tap (`node dist/tap.js`) the way Meltano does: --about, --discover,
// selection written into the catalog's metadata, --catalog, --state from the last STATE's value.
import { type CliRun, runEntry, type RunOptions, TAP, writeInputs } from "../cli.js"
import { parseSingerMessage, type SingerMessage } from "./messages.js"

/** A sync: every stdout line must be a valid Singer message. */
export const runTap = (args: ReadonlyArray<string>, options: RunOptions<SingerMessage> = {}): Promise<CliRun<SingerMessage>> =>
  runEntry(TAP, args, parseSingerMessage, options)

/** `--about` or `--discover`: one document on stdout, returned as text. */
export const runTapText = async (args: ReadonlyArray<string>, options: RunOptions<string> = {}) => {
  const run = await runEntry(TAP, args, (line) => line, options)
  return { code: run.code, stdout: run.stdout, stderr: run.stderr }
}

export interface CatalogEntry {
  tap_stream_id: string
  stream: string
  schema: { properties: Record<string, unknown> }
  key_properties?: string[]
  metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }>
}

export interface Catalog {
  streams: CatalogEntry[]
}

/**
 * What Meltano does to a discovered catalog before a run: with `select: [stream.*]` it sets
 * `selected` on each stream's and each property's metadata (true for the chosen streams, false
 * for the rest), and its `metadata:` block sets `replication-method` and `replication-key`.
 */
export const selectStreams = (
  catalog: Catalog,
  streams: ReadonlyArray<string>,
  method: "INCREMENTAL" | "FULL_TABLE" = "INCREMENTAL"
): Catalog => ({
  streams: catalog.streams.map((entry) => {
    const chosen = streams.includes(entry.tap_stream_id)
    return {
      ...entry,
      metadata: entry.metadata.map(({ breadcrumb, metadata }) => ({
        breadcrumb,
        metadata:
          breadcrumb.length === 0
            ? {
                ...metadata,
                selected: chosen,
                "replication-method": method,
                ...(method === "INCREMENTAL" ? { "replication-key": "_ab_export_window_end" } : {})
              }
            : { ...metadata, selected: chosen }
      }))
    }
  })
})

/** Runs a sync with these files; `state` (the last STATE's value) is left out when undefined. */
export const tapSync = (
  inputs: { configs: ReadonlyArray<unknown>; catalog: unknown; state?: unknown },
  options: RunOptions<SingerMessage> = {},
  /** How the tap is run: the built bin by default, or e.g. the console script of the wheel. */
  run: (args: ReadonlyArray<string>, options: RunOptions<SingerMessage>) => Promise<CliRun<SingerMessage>> = runTap
) => {
  const files = writeInputs({
    ...Object.fromEntries(inputs.configs.map((config, i) => [`config${i}`, config])),
    catalog: inputs.catalog,
    ...(inputs.state === undefined ? {} : { state: inputs.state })
  })
  const args = inputs.configs.flatMap((_, i) => ["--config", files[`config${i}`]!])
  args.push("--catalog", files.catalog!)
  if (files.state !== undefined) args.push("--state", files.state)
  return run(args, options)
}
