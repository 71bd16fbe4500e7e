import { Context, Effect, Layer } from "effect"
import type { Writable } from "node:stream"
import type { AirbyteMessage } from "./messages.js"

const BATCH_BYTES = 1 << 16

/**
 * Writes one protocol's messages to stdout. Lines are encoded straight into 64 KiB buffers and
 * written a buffer at a time; when the stream reports backpressure every writer waits for
 * `drain`, so a slow destination slows the read instead of growing memory. Order is the order of
 * the calls. `read` writes Airbyte messages through it, the Singer tap Singer messages.
 */
export interface MessageOutput<Message> {
  /**
   * One message, serialised with JSON.stringify. Control messages are rare and time-sensitive
   * (a STATE should reach the platform promptly), so the batch is handed on after each.
   */
  readonly emit: (message: Message) => Effect.Effect<void>
  /**
   * Already-serialised newline-terminated lines, as text or UTF-8 (the record hot path).
   * `written` is called once the bytes are no longer needed, so that their buffer can be reused;
   * it may never be called, on a stream that keeps what it is given.
   */
  readonly emitLines: (lines: string | Uint8Array, written?: () => void) => Effect.Effect<void>
  /** Waits until every message so far has been written out, before the process ends. */
  readonly settle: Effect.Effect<void>
}

/** The only thing that writes stdout in the Airbyte commands. */
export class AirbyteOutput extends Context.Tag("source-enterpret/AirbyteOutput")<AirbyteOutput, MessageOutput<AirbyteMessage>>() {}

/**
 * `releasesChunks`: the stream lets go of a chunk once it calls the chunk's write callback, as
 * process.stdout does (the bytes are with the OS by then), so the buffer may be reused. A stream
 * in general may keep what it was given (a PassThrough does), so this is not assumed.
 */
export const makeLineWriter = (out: Writable, { releasesChunks = false } = {}) => {
  let buffer: Buffer = Buffer.allocUnsafe(BATCH_BYTES)
  const spare: Array<Buffer> = []
  let used = 0
  let draining: Promise<void> | undefined

  const writeBuffer = (chunk: Uint8Array | string, written?: () => void) => {
    const accepted = releasesChunks && written !== undefined ? out.write(chunk, written) : out.write(chunk)
    if (!accepted && draining === undefined) {
      draining = new Promise<void>((resolve) => {
        const done = () => {
          out.off("drain", done)
          out.off("close", done)
          out.off("error", done)
          draining = undefined
          resolve()
        }
        out.on("drain", done)
        out.on("close", done)
        out.on("error", done)
      })
    }
  }

  const flushBuffer = () => {
    if (used === 0) return
    // The stream keeps the chunk until it is written; a stream that then releases it hands the
    // buffer back for a later batch.
    const full = buffer
    writeBuffer(full.subarray(0, used), () => spare.push(full))
    buffer = spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES)
    used = 0
  }

  /**
   * Appends text or UTF-8; returns a promise only when the caller must wait for the destination.
   * `written` is told when the bytes have been copied into a batch or written out.
   */
  const append = (text: string | Uint8Array, written?: () => void): Promise<void> | undefined => {
    if (typeof text !== "string") {
      if (text.length > BATCH_BYTES - used) flushBuffer()
      if (text.length > BATCH_BYTES) writeBuffer(text, written)
      else {
        buffer.set(text, used)
        used += text.length
        written?.()
      }
      return draining
    }
    // A UTF-16 code unit takes at most 3 bytes of UTF-8, so this bound never splits a line.
    if (text.length * 3 > BATCH_BYTES - used) {
      flushBuffer()
      if (text.length * 3 > BATCH_BYTES) writeBuffer(text)
      else used += buffer.write(text, used)
    } else {
      used += buffer.write(text, used)
    }
    return draining
  }

  const flush = (): Promise<void> | undefined => {
    flushBuffer()
    return draining
  }

  /** Resolves once everything handed to the stream so far has been written out. */
  const settle = (): Promise<void> => {
    flushBuffer()
    return new Promise((resolve) => out.write("", () => resolve()))
  }
  return { append, flush, settle }
}

const await_ = (pending: Promise<void> | undefined): Effect.Effect<void> =>
  pending === undefined ? Effect.void : Effect.promise(() => pending)

export const makeMessageOutput = <Message>(out: Writable, options?: { readonly releasesChunks?: boolean }): MessageOutput<Message> => {
  const writer = makeLineWriter(out, options)
  return {
    emit: (message) =>
      Effect.suspend(() => {
        writer.append(JSON.stringify(message) + "\n")
        return await_(writer.flush())
      }),
    emitLines: (lines, written) => Effect.suspend(() => await_(writer.append(lines, written))),
    settle: Effect.promise(() => writer.settle())
  }
}

export const makeAirbyteOutput = (out: Writable, options?: { readonly releasesChunks?: boolean }): MessageOutput<AirbyteMessage> =>
  makeMessageOutput<AirbyteMessage>(out, options)

export const AirbyteOutputLive = Layer.sync(AirbyteOutput, () => makeAirbyteOutput(process.stdout, { releasesChunks: true }))
