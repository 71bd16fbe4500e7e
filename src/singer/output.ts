import { Console, Context, Effect, Layer } from "effect"
import { stderrConsole } from "../output/stderrConsole.js"
import { makeStdoutOutput, type MessageOutput } from "../output/writer.js"
import type { SingerMessage } from "./messages.js"

/** The only thing that writes the tap's stdout: Singer messages (and the catalog or `--about`). */
export class SingerOutput extends Context.Tag("source-enterpret/SingerOutput")<SingerOutput, MessageOutput<SingerMessage>>() {}

/**
 * stdout for Singer messages, and stderr (the tap's log) as the Console: both mask the token
 * once the config has registered it (MessageOutput.redact).
 */
export const SingerOutputLive = Layer.unwrapEffect(
  Effect.sync(() => {
    const output = makeStdoutOutput<SingerMessage>("tap-enterpret")
    return Layer.merge(Layer.succeed(SingerOutput, output), Console.setConsole(stderrConsole(output.mask)))
  })
)
