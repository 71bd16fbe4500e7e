import { Command, Options } from "@effect/cli"
import { Effect, Redacted, Schema } from "effect"
import { InputError, readJsonFile } from "../config/inputFile.js"
import { decodeSettings } from "../config/settings.js"
import { connectorSpecification } from "../config/spec.js"
import { discoverStreams, selectedObjects } from "../discover/discover.js"
import { errorTraceMessage, logMessage } from "./messages.js"
import { AirbyteSyncOutputLive } from "./syncOutput.js"
import { AirbyteOutput } from "./output.js"
import { loadCatalog } from "../sync/catalog.js"
import { defectAsFailure, describeFailure, type SyncError } from "../sync/failures.js"
import { readStreams } from "../sync/read.js"
import { ignoredStateWarning, loadState } from "../sync/state.js"
import { apiLayer } from "../sync/layers.js"

/** Tells the caller to exit non-zero; what went wrong has already been reported on stdout. */
export class CommandFailed extends Schema.TaggedError<CommandFailed>()("CommandFailed", { message: Schema.String }) {}

const config = Options.text("config").pipe(Options.withDescription("Path to the connector config JSON"))
const catalog = Options.text("catalog").pipe(Options.withDescription("Path to the configured catalog JSON"))
const state = Options.text("state").pipe(Options.withDescription("Path to the state JSON"), Options.optional)

const CHECK_RETRIES = 2

/**
 * The config, with its token masked in everything written from here on: the raw value as soon
 * as the file is read (a config that fails validation may still hold it), the one sent once valid.
 */
const loadSettings = (path: string) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const value = yield* readJsonFile(path, "Config")
    const raw = typeof value === "object" && value !== null ? (value as { api_token?: unknown }).api_token : undefined
    if (typeof raw === "string") yield* output.redact(raw.trim())
    const settings = yield* decodeSettings(value, path)
    yield* output.redact(Redacted.value(settings.apiToken))
    return settings
  })

/** A failed discover or read: one TRACE ERROR, then a non-zero exit. */
const reportFailure = (error: SyncError) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const report = describeFailure(error)
    yield* output.emit(errorTraceMessage(report.failureType, report.message, report.internal, undefined))
    return yield* Effect.fail(new CommandFailed({ message: report.message }))
  })

/** The Airbyte catalog, its warnings emitted as LOG messages first. */
export const discoverCatalog = (configFile: string) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const { streams, warnings } = yield* discoverStreams(configFile)
    for (const warning of warnings) yield* output.emit(logMessage("WARN", warning))
    return { streams }
  })

const spec = Command.make("spec", {}, () =>
  Effect.flatMap(AirbyteOutput, (output) => output.emit({ type: "SPEC", spec: connectorSpecification() }))
)

const check = Command.make("check", { config }, ({ config }) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const outcome = yield* loadSettings(config).pipe(
      Effect.flatMap((settings) =>
        selectedObjects(config).pipe(
          Effect.provide(apiLayer({ ...settings, maxRetries: Math.min(settings.maxRetries, CHECK_RETRIES) })),
          // A check has no sync to resume: say where it could not connect instead.
          Effect.catchTag("TransientError", (error) =>
            Effect.fail(
              new InputError({
                file: config,
                message: `Cannot reach the Export API at ${settings.baseUrl} (${error.message}). Check base_url and that this host can reach it.`
              })
            )
          )
        )
      ),
      // Whatever goes wrong, check answers: a CONNECTION_STATUS, exit 0 (the contract).
      Effect.catchAllDefect(defectAsFailure),
      Effect.either
    )
    yield* output.emit({
      type: "CONNECTION_STATUS",
      connectionStatus:
        outcome._tag === "Right"
          ? { status: "SUCCEEDED", message: `Connected: ${outcome.right.length} exportable objects selected.` }
          : { status: "FAILED", message: describeFailure(outcome.left).message }
    })
  })
)

const discover = Command.make("discover", { config }, ({ config }) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const settings = yield* loadSettings(config)
    const catalog = yield* discoverCatalog(config).pipe(Effect.provide(apiLayer(settings)))
    yield* output.emit({ type: "CATALOG", catalog })
  }).pipe(Effect.catchAllDefect(defectAsFailure), Effect.catchAll(reportFailure))
)

const read = Command.make("read", { config, catalog, state }, ({ config, catalog, state }) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const failed = yield* Effect.gen(function* () {
      const settings = yield* loadSettings(config)
      const streams = yield* loadCatalog(catalog)
      const loaded = yield* loadState(
        state._tag === "Some" ? state.value : undefined,
        streams.map((s) => s.name)
      )
      const ignored = ignoredStateWarning(loaded.ignored)
      if (ignored !== undefined) yield* output.emit(logMessage("WARN", ignored))
      return yield* readStreams(streams, loaded.cursors).pipe(Effect.provide(AirbyteSyncOutputLive), Effect.provide(apiLayer(settings)))
    }).pipe(Effect.catchAllDefect(defectAsFailure), Effect.catchAll(reportFailure))
    if (failed.length > 0) {
      yield* output.emit(logMessage("ERROR", `Sync incomplete: ${failed.join(", ")} failed; the other streams completed.`))
      return yield* new CommandFailed({ message: `streams failed: ${failed.join(", ")}` })
    }
  })
)

export const rootCommand = Command.make("source-enterpret").pipe(
  Command.withDescription("Airbyte source for the Enterpret Knowledge Graph Export API"),
  Command.withSubcommands([spec, check, discover, read])
)
