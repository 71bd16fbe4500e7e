import { parentPort } from "node:worker_threads"
import { encodeStep } from "./fileEncoder.js"
import { OutputBuffers } from "./outputBuffers.js"
import { CsvFileError, RecordEncoder } from "./recordEncoder.js"
import type { WorkerReply, WorkerRequest } from "./workerProtocol.js"

/**
 * A CSV encoding thread: parses chunks of the files assigned to it and answers with their RECORD
 * lines already in UTF-8, so that the main thread only moves bytes between sockets and stdout.
 */
const port = parentPort
if (port === null) throw new Error("encodeWorker must run as a worker thread")

const files = new Map<number, RecordEncoder>()
const failed = new Map<number, WorkerReply>()
const buffers = new OutputBuffers()
const toUtf8 = (lines: string) => buffers.encode(lines)

const reply = (message: WorkerReply) => {
  if ("chunk" in message) port.postMessage(message, [message.chunk.output.buffer as ArrayBuffer])
  else port.postMessage(message)
}

port.on("message", (request: WorkerRequest) => {
  if (request.type === "recycle") return buffers.give(request.buffer)
  if (request.type === "open") {
    files.set(request.file, new RecordEncoder(request.context))
    return
  }
  if (request.type === "close") {
    files.delete(request.file)
    failed.delete(request.file)
    return
  }
  const failure = failed.get(request.file)
  if (failure !== undefined) return reply(failure)
  const encoder = files.get(request.file)
  // A chunk for a file never opened, or already closed, still gets its answer: the sender waits.
  if (encoder === undefined) return reply({ file: request.file, crash: "the file is not open" })
  try {
    const chunk =
      request.type === "chunk"
        ? encodeStep(encoder, () => encoder.push(request.bytes), toUtf8)
        : encodeStep(encoder, () => encoder.end(), toUtf8)
    reply({ file: request.file, chunk })
  } catch (error) {
    files.delete(request.file)
    const answer: WorkerReply =
      error instanceof CsvFileError
        ? { file: request.file, csvError: { line: error.line, detail: error.detail } }
        : { file: request.file, crash: error instanceof Error ? error.message : String(error) }
    // Chunks already sent after the bad one get the same answer, so none waits for ever.
    failed.set(request.file, answer)
    reply(answer)
  }
})
