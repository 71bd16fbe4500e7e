import { Data, Effect } from "effect"
import type { Writable } from "node:stream"
import { makeRedactor } from "./redaction.js"

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
   * UTF-8 is copied into the writer's batches before this returns, and `written` is called
   * then: the caller may reuse its buffer at once.
   */
  readonly emitLines: (lines: string | Uint8Array, written?: () => void) => Effect.Effect<void>
  /**
   * `emitLines` for the record hot path, with no Effect step when none is needed: undefined once
   * the lines are taken, an Effect to run before writing more when the destination pushes back
   * (it waits for `drain`) or stdout is gone (it stops the command, as `emitLines` does).
   */
  readonly writeLines: (lines: Uint8Array, written?: () => void) => Effect.Effect<void> | undefined
  /** Waits until every message so far has been written out, before the process ends. */
  readonly settle: Effect.Effect<void>
  /**
   * From now on every occurrence of `secret` in what is written is masked, whatever its source:
   * an error body that repeats the Authorization header, a record, a log line.
   */
  readonly redact: (secret: string) => Effect.Effect<void>
  /** The text with every secret so far masked, for what is written elsewhere (stderr). */
  readonly mask: (text: string) => string
}

/**
 * stdout was closed under the connector (`read … | head -1`, a destination that died). Nothing
 * written from then on can reach anyone, so the command stops: this is raised as a defect, which
 * no stream's error handling catches, and the process exits non-zero. No STATE is written after
 * it, so no checkpoint can pass what was written.
 */
export class OutputClosed extends Data.TaggedError("OutputClosed")<{ readonly cause: unknown }> {
  override get message() {
    const code = (this.cause as { code?: unknown } | undefined)?.code
    return `stdout was closed${typeof code === "string" ? ` (${code})` : ""}; stopping without writing further messages`
  }
}

/**
 * `releasesChunks`: the stream lets go of a chunk once it calls the chunk's write callback, as
 * process.stdout does (the bytes are with the OS by then), so the buffer may be reused. A stream
 * in general may keep what it was given (a PassThrough does), so this is not assumed.
 */
export const makeLineWriter = (
  out: Writable,
  { releasesChunks = false, onClosed }: { releasesChunks?: boolean; onClosed?: (error: OutputClosed) => void } = {}
) => {
  let buffer: Buffer = Buffer.allocUnsafe(BATCH_BYTES)
  const spare: Array<Buffer> = []
  let used = 0
  let draining: Promise<void> | undefined
  let closed: OutputClosed | undefined
  // Without a listener an EPIPE on stdout would be an uncaught exception; with it, the error is
  // kept and every later write is refused.
  const onError = (error: unknown) => {
    closed ??= new OutputClosed({ cause: error })
    onClosed?.(closed)
  }
  out.on("error", onError)

  const writeBuffer = (chunk: Uint8Array | string, written?: () => void) => {
    if (closed !== undefined || out.destroyed) {
      closed ??= new OutputClosed({ cause: undefined })
      return
    }
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
      // Record bytes are copied into the batches, split wherever a batch fills (a byte stream
      // does not care where writes begin): one copy at memory speed, and the caller's buffer is
      // free again at once. The encoder then writes the next chunk's records into the same
      // buffer instead of leaving each chunk's output (about 100 KB) to the garbage collector,
      // which let 40-50 MB of dead buffers pile up before it ran (bench_feedback, 200 MB: peak
      // RSS 128-135 MB and 1.8-2.2 s of CPU with a fresh buffer a chunk, 90-94 MB and 1.4 s reusing it).
      for (let at = 0; at < text.length; ) {
        if (used === BATCH_BYTES) flushBuffer()
        const n = Math.min(BATCH_BYTES - used, text.length - at)
        buffer.set(text.subarray(at, at + n), used)
        used += n
        at += n
      }
      written?.()
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

  /** Resolves once everything handed to the stream so far has been written out (or can never be). */
  const settle = (): Promise<void> => {
    flushBuffer()
    if (closed !== undefined || out.destroyed) return Promise.resolve()
    return new Promise((resolve) => out.write("", () => resolve()))
  }
  /** Set once the stream has failed or been destroyed: nothing more can be written. */
  const failure = (): OutputClosed | undefined => {
    if (closed === undefined && out.destroyed) closed = new OutputClosed({ cause: undefined })
    return closed
  }
  return { append, flush, settle, failure }
}

export interface MessageOutputOptions {
  readonly releasesChunks?: boolean
  /** Told once the stream has failed (EPIPE) or was destroyed. */
  readonly onClosed?: (error: OutputClosed) => void
}

export const makeMessageOutput = <Message>(out: Writable, options?: MessageOutputOptions): MessageOutput<Message> => {
  const writer = makeLineWriter(out, options)
  const redactor = makeRedactor()
  // Checked before and after each write: a closed stdout stops the caller at its next message.
  const stopIfClosed = Effect.suspend(() => {
    const closed = writer.failure()
    return closed === undefined ? Effect.void : Effect.die(closed)
  })
  const settled = (pending: Promise<void> | undefined): Effect.Effect<void> =>
    pending === undefined
      ? stopIfClosed
      : Effect.zipRight(
          Effect.promise(() => pending),
          stopIfClosed
        )
  return {
    emit: (message) =>
      Effect.zipRight(
        stopIfClosed,
        Effect.suspend(() => {
          writer.append(`${redactor.message(message)}\n`)
          return settled(writer.flush())
        })
      ),
    emitLines: (lines, written) =>
      Effect.zipRight(
        stopIfClosed,
        Effect.suspend(() => settled(writer.append(redactor.lines(lines), written)))
      ),
    writeLines: (lines, written) => {
      const closed = writer.failure()
      if (closed !== undefined) return Effect.die(closed)
      const pending = writer.append(redactor.lines(lines), written)
      return pending === undefined && writer.failure() === undefined ? undefined : settled(pending)
    },
    settle: Effect.promise(() => writer.settle()),
    redact: (secret) => Effect.sync(() => redactor.add(secret)),
    mask: (text) => redactor.text(text)
  }
}

/** stdout itself: once it is gone, the one word on why the command stops goes to stderr, once. */
export const makeStdoutOutput = <Message>(name: string): MessageOutput<Message> => {
  let reported = false
  return makeMessageOutput<Message>(process.stdout, {
    releasesChunks: true,
    onClosed: (error) => {
      if (!reported) process.stderr.write(`${name}: ${error.message}\n`)
      reported = true
    }
  })
}
