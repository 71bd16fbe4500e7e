import { Console, Context, Layer } from "effect"
import { stderrConsole } from "../output/stderrConsole.js"
import { makeStdoutOutput, type MessageOutput } from "../output/writer.js"
import type { SingerMessage } from "./messages.js"

/** The only thing that writes the tap's stdout: Singer messages (and the catalog or `--about`). */
export class SingerOutput extends Context.Tag("source-enterpret/SingerOutput")<SingerOutput, MessageOutput<SingerMessage>>() {}

/**
 * stdout for Singer messages, and stderr (the tap's log) as the Console: both mask the token
 * once the config has registered it (MessageOutput.redact).
 */
export const singerOutputLayer = (output: MessageOutput<SingerMessage>) =>
  Layer.merge(Layer.succeed(SingerOutput, output), Console.setConsole(stderrConsole(output.mask)))

/** stdout for Singer messages, made by the caller so that the last-resort handler shares its redactor. */
export const makeSingerStdout = (): MessageOutput<SingerMessage> => makeStdoutOutput<SingerMessage>("tap-enterpret")
