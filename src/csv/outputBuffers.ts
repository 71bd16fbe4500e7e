const utf8 = new TextEncoder()

/** Spare buffers kept: a file keeps about five chunks in flight and a worker serves a few files. */
const MAX_SPARE = 16

/**
 * The UTF-8 buffers an encode worker writes RECORD lines into. Each buffer moves to the main
 * thread with its chunk and comes back once stdout has written it, so a read reuses a few dozen
 * buffers instead of leaving some hundred megabytes a second for the main thread's garbage
 * collector to find: at the pace of its collections that garbage was 20–30 MB of peak RSS.
 */
export class OutputBuffers {
  private readonly spare: Array<ArrayBuffer> = []

  /** A buffer back from the main thread, written and free. */
  give(buffer: ArrayBuffer): void {
    if (this.spare.length < MAX_SPARE && buffer.byteLength > 0) this.spare.push(buffer)
  }

  /** `text` as UTF-8, in a spare buffer when one is large enough; the view owns its whole buffer. */
  encode(text: string): Uint8Array {
    if (text.length === 0) return new Uint8Array(0)
    const buffer = this.spare.pop()
    if (buffer !== undefined) {
      const view = new Uint8Array(buffer)
      const { read, written } = utf8.encodeInto(text, view)
      if (read === text.length) return view.subarray(0, written)
    }
    // Too small or none: a new one with room to spare, so that sizes settle after a few chunks.
    const needed = Buffer.byteLength(text)
    const view = new Uint8Array(needed + (needed >> 3))
    return view.subarray(0, utf8.encodeInto(text, view).written)
  }
}
