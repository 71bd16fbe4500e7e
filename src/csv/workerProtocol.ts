import type { EncodedChunk } from "./fileEncoder.js"
import type { FileContext } from "./recordEncoder.js"

/** Messages to an encode worker; `file` names one open file of that worker. */
export type WorkerRequest =
  | { readonly type: "open"; readonly file: number; readonly context: FileContext }
  | { readonly type: "chunk"; readonly file: number; readonly bytes: Uint8Array }
  | { readonly type: "end"; readonly file: number }
  | { readonly type: "close"; readonly file: number }
  /** A chunk's output buffer, written to stdout and handed back for reuse. */
  | { readonly type: "recycle"; readonly buffer: ArrayBuffer }

/** One answer per chunk or end, in the order they were sent. */
export type WorkerReply =
  | { readonly file: number; readonly chunk: EncodedChunk }
  | { readonly file: number; readonly csvError: { readonly line: number; readonly detail: string } }
  | { readonly file: number; readonly crash: string }
