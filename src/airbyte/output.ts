import { Context, Layer } from "effect"
import type { Writable } from "node:stream"
import { makeMessageOutput, type MessageOutput, type MessageOutputOptions, makeStdoutOutput } from "../output/writer.js"
import type { AirbyteMessage } from "./messages.js"

/** The only thing that writes stdout in the Airbyte commands. */
export class AirbyteOutput extends Context.Tag("source-enterpret/AirbyteOutput")<AirbyteOutput, MessageOutput<AirbyteMessage>>() {}

export const makeAirbyteOutput = (out: Writable, options?: MessageOutputOptions): MessageOutput<AirbyteMessage> =>
  makeMessageOutput<AirbyteMessage>(out, options)

/** stdout for Airbyte messages, made by the caller so that the last-resort handler shares its redactor. */
export const makeAirbyteStdout = (): MessageOutput<AirbyteMessage> => makeStdoutOutput<AirbyteMessage>("source-enterpret")

export const airbyteOutputLayer = (output: MessageOutput<AirbyteMessage>) => Layer.succeed(AirbyteOutput, output)
