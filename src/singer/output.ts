import { Context, Layer } from "effect"
import { makeStdoutOutput, type MessageOutput } from "../protocol/writer.js"
import type { SingerMessage } from "./messages.js"

/** The only thing that writes the tap's stdout: Singer messages (and the catalog or `--about`). */
export class SingerOutput extends Context.Tag("source-enterpret/SingerOutput")<SingerOutput, MessageOutput<SingerMessage>>() {}

export const SingerOutputLive = Layer.sync(SingerOutput, () => makeStdoutOutput<SingerMessage>("tap-enterpret"))
