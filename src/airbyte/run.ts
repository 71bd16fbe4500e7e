import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Exit, Layer } from "effect"
import { AirbyteOutput, airbyteOutputLayer, makeAirbyteStdout } from "./output.js"
import { rootCommand } from "./commands.js"
import { installLastResort } from "../output/lastResort.js"
import { stderrConsole } from "../output/stderrConsole.js"
import { VERSION } from "../version.js"

/** The command line as a program: its output and Console are the caller's (tests run it in process). */
export const cliProgram = (argv: ReadonlyArray<string>) => {
  const cli = Command.run(rootCommand, { name: "source-enterpret", version: VERSION })
  return Effect.suspend(() => cli(argv)).pipe(
    // Whatever happens, every message already emitted reaches stdout before the process ends.
    Effect.ensuring(Effect.flatMap(AirbyteOutput, (output) => output.settle))
  )
}

/** The whole command line: spec, check, discover, read, with help and usage errors on stderr. */
export const runCli = (argv: ReadonlyArray<string>) => {
  const output = makeAirbyteStdout()
  installLastResort("source-enterpret", output.mask)
  const program = cliProgram(argv).pipe(
    // Masked as the Singer door masks it: whatever reaches stderr through Console goes through the
    // same redactor as stdout.
    Effect.withConsole(stderrConsole(output.mask)),
    Effect.provide(Layer.mergeAll(NodeContext.layer, airbyteOutputLayer(output)))
  )
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    // An interrupted read (SIGINT/SIGTERM) must exit non-zero, unlike the default teardown.
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? 0 : 1)
  })
}
