import { Context, Layer } from "effect"
import type { Writable } from "node:stream"
import { makeMessageOutput, type MessageOutput, type MessageOutputOptions, makeStdoutOutput } from "../output/writer.js"
import type { AirbyteMessage } from "./messages.js"

/** The only thing that writes stdout in the Airbyte commands. */
export class AirbyteOutput extends Context.Tag("source-enterpret/AirbyteOutput")<AirbyteOutput, MessageOutput<AirbyteMessage>>() {}

export const makeAirbyteOutput = (out: Writable, options?: MessageOutputOptions): MessageOutput<AirbyteMessage> =>
  makeMessageOutput<AirbyteMessage>(out, options)

export const AirbyteOutputLive = Layer.sync(AirbyteOutput, () => makeStdoutOutput<AirbyteMessage>("source-enterpret"))
