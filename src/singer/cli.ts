import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Exit, Layer, Option, Schema } from "effect"
import { installLastResort } from "../output/lastResort.js"
import { apiLayer } from "../sync/layers.js"
import { InputError, readJsonFile } from "../config/inputFile.js"
import { decodeSettings } from "../config/settings.js"
import { discoverStreams } from "../discover/discover.js"
import { defectAsFailure, describeFailure, type SyncError } from "../sync/failures.js"
import { keyColumns } from "../sync/catalog.js"
import { readStreams } from "../sync/read.js"
import { ignoredStateWarning } from "../sync/state.js"
import { VERSION } from "../version.js"
import { aboutJson, aboutMarkdown, TAP_NAME } from "./about.js"
import { allStreams, loadSingerCatalog, type SelectedStream, singerCatalogEntry } from "./catalog.js"
import { SingerOutput, makeSingerStdout, singerOutputLayer } from "./output.js"
import { loadTapState, selectedCursors } from "./state.js"
import { singerSyncOutput } from "./syncOutput.js"

/** Tells the runner to exit non-zero; what went wrong is already on stderr. */
class TapFailed extends Schema.TaggedError<TapFailed>()("TapFailed", { message: Schema.String }) {}

const config = Options.text("config").pipe(
  Options.withDescription("Config JSON file; repeat it to merge several, later files winning (as Meltano passes them)"),
  Options.repeated
)
const discover = Options.boolean("discover").pipe(Options.withDescription("Print the catalog of every stream and exit"))
const catalog = Options.text("catalog").pipe(
  Options.withDescription("Catalog JSON: the streams selected in its metadata are synced"),
  Options.optional
)
const properties = Options.text("properties").pipe(Options.withDescription("The older name of --catalog"), Options.optional)
const state = Options.text("state").pipe(Options.withDescription("State JSON: the value of the last STATE message"), Options.optional)
const about = Options.boolean("about").pipe(Options.withDescription("Describe the tap: capabilities and settings"))
const format = Options.choice("format", ["json", "markdown"]).pipe(
  Options.withDescription("Format of --about (default markdown)"),
  Options.optional
)

/** Reads every `--config` file and merges them in order, key by key, the later file winning. */
const loadMergedSettings = (files: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (files.length === 0) {
      return yield* new InputError({
        file: "--config",
        message: "--config FILE is required (the tap's settings: api_token, start_date, …)"
      })
    }
    const output = yield* SingerOutput
    let merged: Record<string, unknown> = {}
    for (const file of files) {
      const value = yield* readJsonFile(file, "Config")
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return yield* new InputError({ file, message: `Config file ${file} must hold a JSON object` })
      }
      merged = { ...merged, ...value }
    }
    // The token is masked in everything written to stdout from here on (see MessageOutput.redact).
    if (typeof merged.api_token === "string") yield* output.redact(merged.api_token.trim())
    return yield* decodeSettings(merged, files.join(" + "))
  })

/** A failure that ends the whole run: one line on stderr, then a non-zero exit. */
const reportFailure = (error: SyncError) => {
  const { message } = describeFailure(error)
  return Effect.zipRight(Console.error(`CRITICAL ${message}`), Effect.fail(new TapFailed({ message })))
}

const printText = (text: string) => Effect.flatMap(SingerOutput, (output) => output.emitLines(text.endsWith("\n") ? text : `${text}\n`))

/** `--discover`'s catalog, the warnings of discovery on stderr. */
const discoverEntries = (configFile: string) =>
  Effect.gen(function* () {
    const { streams, warnings } = yield* discoverStreams(configFile)
    for (const warning of warnings) yield* Console.error(`WARNING ${warning}`)
    return streams.map(singerCatalogEntry)
  })

/** A sync of the selected streams; returns those that failed (the others completed). */
const sync = (configFiles: ReadonlyArray<string>, catalogFile: string | undefined, stateFile: string | undefined) =>
  Effect.gen(function* () {
    const settings = yield* loadMergedSettings(configFiles)
    const label = configFiles.join(" + ")
    const api = apiLayer(settings)
    // Every input file is checked before discovery spends rate-limited export requests.
    const tapState = yield* loadTapState(stateFile)
    const streams: ReadonlyArray<SelectedStream> =
      catalogFile === undefined
        ? // Without a catalog the tap syncs every stream (SPEC.md: the catalog only filters).
          allStreams(yield* discoverEntries(label).pipe(Effect.provide(api)))
        : yield* loadSingerCatalog(catalogFile)
    if (streams.length === 0) {
      yield* Console.error("WARNING No stream is selected in the catalog: nothing to sync.")
      return []
    }
    const { cursors, ignored } = yield* selectedCursors(
      tapState,
      streams.map((s) => s.name),
      stateFile
    )
    const warning = ignoredStateWarning(ignored)
    if (warning !== undefined) yield* Console.error(`WARNING ${warning}`)
    // A FULL_TABLE stream reads from start_date: its bookmark is carried on, not resumed from
    // (the engine resumes a full refresh from a state it is given, as Airbyte's attempts need).
    const incremental = new Set(streams.filter((s) => s.method === "INCREMENTAL").map((s) => s.name))
    return yield* readStreams(
      streams.map((s) => ({
        name: s.name,
        syncMode: s.method === "INCREMENTAL" ? ("incremental" as const) : ("full_refresh" as const),
        primaryKey: keyColumns(s.keyProperties, s.schema),
        columns: s.columns
      })),
      new Map([...cursors].filter(([name]) => incremental.has(name)))
    ).pipe(Effect.provide(singerSyncOutput(streams, tapState)), Effect.provide(api))
  })

export const tapCommand = Command.make(TAP_NAME, { config, discover, catalog, properties, state, about, format }, (args) => {
  if (args.about) {
    const json = Option.getOrElse(args.format, () => "markdown") === "json"
    return printText(json ? JSON.stringify(aboutJson(), null, 2) : aboutMarkdown())
  }
  return Effect.gen(function* () {
    const failed = yield* Effect.gen(function* () {
      if (Option.isSome(args.catalog) && Option.isSome(args.properties)) {
        return yield* new InputError({
          file: "--properties",
          message: "Pass the catalog once: --catalog or its older name --properties, not both"
        })
      }
      if (args.discover) {
        const settings = yield* loadMergedSettings(args.config)
        const streams = yield* discoverEntries(args.config.join(" + ")).pipe(Effect.provide(apiLayer(settings)))
        yield* printText(JSON.stringify({ streams }, null, 2))
        return []
      }
      const catalogFile = Option.getOrUndefined(Option.orElse(args.catalog, () => args.properties))
      return yield* sync(args.config, catalogFile, Option.getOrUndefined(args.state))
    }).pipe(Effect.catchAllDefect(defectAsFailure), Effect.catchAll(reportFailure))
    if (failed.length > 0) {
      yield* Console.error(`ERROR Sync incomplete: ${failed.join(", ")} failed; the other streams completed.`)
      return yield* new TapFailed({ message: `streams failed: ${failed.join(", ")}` })
    }
  })
}).pipe(Command.withDescription("Singer tap for the Enterpret Knowledge Graph Export API"))

/** The tap's command line, stdout for Singer messages only, everything else on stderr. */
export const runTap = (argv: ReadonlyArray<string>) => {
  const output = makeSingerStdout()
  installLastResort(TAP_NAME, output.mask)
  const cli = Command.run(tapCommand, { name: TAP_NAME, version: VERSION })
  const program = Effect.suspend(() => cli(argv)).pipe(
    // Whatever happens, every message already emitted reaches stdout before the process ends.
    Effect.ensuring(Effect.flatMap(SingerOutput, (output) => output.settle)),
    // The Singer output layer also sets the Console: stderr, masking the token.
    Effect.provide(Layer.mergeAll(NodeContext.layer, singerOutputLayer(output)))
  )
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    // An interrupted sync (SIGINT/SIGTERM) must exit non-zero, unlike the default teardown.
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? 0 : 1)
  })
}
