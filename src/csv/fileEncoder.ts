import { RecordEncoder, type FileContext } from "./recordEncoder.js"

/** The RECORD lines that one chunk of a file produced, as UTF-8, and how far the file got. */
export interface EncodedChunk {
  readonly output: Uint8Array
  /** Data rows read so far, skipped ones included: the resume point of the file. */
  readonly rowsSeen: number
  /** Records in `output`. */
  readonly rowsEmitted: number
}

/**
 * Encodes one CSV file's chunks, in order. Results resolve in push order; a malformed file
 * rejects with a CsvFileError. `close` frees the file's state (it may never reach `end`).
 */
export interface FileEncoder {
  push(chunk: Uint8Array): Promise<EncodedChunk>
  end(): Promise<EncodedChunk>
  /** Hands back a chunk's `output` once it has been written, for the encoder to reuse. */
  recycle(output: Uint8Array): void
  close(): void
}

const utf8 = new TextEncoder()

/** Encodes a step of a RecordEncoder into UTF-8 and counts what it emitted. */
export const encodeStep = (
  encoder: RecordEncoder,
  step: () => string,
  toUtf8: (lines: string) => Uint8Array = (lines) => utf8.encode(lines)
): EncodedChunk => {
  const before = encoder.rowsEmitted
  const lines = step()
  return { output: toUtf8(lines), rowsSeen: encoder.rowsSeen, rowsEmitted: encoder.rowsEmitted - before }
}

/** A FileEncoder on the calling thread: where no worker is available, and in unit tests. */
export const inlineFileEncoder = (context: FileContext): FileEncoder => {
  const encoder = new RecordEncoder(context)
  const run = (step: () => string) => {
    try {
      return Promise.resolve(encodeStep(encoder, step))
    } catch (error) {
      return Promise.reject(error)
    }
  }
  return {
    push: (chunk) => run(() => encoder.push(chunk)),
    end: () => run(() => encoder.end()),
    recycle: () => {},
    close: () => {}
  }
}
