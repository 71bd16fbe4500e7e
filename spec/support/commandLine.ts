import { NodeContext } from "@effect/platform-node"
import { Effect, Exit, Layer } from "effect"
import { Writable } from "node:stream"
import type { RunCommand } from "../../integration_tests/support/badInput.js"
import { parseMessage } from "../../integration_tests/support/protocol.js"
import { airbyteOutputLayer, makeAirbyteOutput } from "../../src/airbyte/output.js"
import { cliProgram } from "../../src/airbyte/run.js"
import { stderrConsole } from "../../src/output/stderrConsole.js"

/** A stream that keeps what is written to it. */
const textSink = () => {
  let text = ""
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString()
      done()
    }
  })
  return { stream, text: () => text }
}

/**
 * Runs the Airbyte command line in process, as `node dist/main.js ...args` would: the same program
 * (src/airbyte/run.ts), its stdout and stderr kept, the exit code as the CLI's teardown gives it.
 * Every stdout line must be a valid AirbyteMessage. For checks that need no process of their own.
 */
export const runCommandInProcess: RunCommand = async (args) => {
  const stdout = textSink()
  const stderr = textSink()
  const exit = await Effect.runPromiseExit(
    cliProgram(["node", "source-enterpret", ...args]).pipe(
      Effect.withConsole(stderrConsole(undefined, stderr.stream)),
      Effect.provide(Layer.mergeAll(NodeContext.layer, airbyteOutputLayer(makeAirbyteOutput(stdout.stream))))
    )
  )
  const text = stdout.text()
  const messages = text
    .split("\n")
    .filter((line) => line !== "")
    .map(parseMessage)
  return { code: Exit.isSuccess(exit) ? 0 : 1, stdout: text, stderr: stderr.text(), messages }
}
