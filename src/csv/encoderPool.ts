import { Context, Effect, Layer } from "effect"
import { Settings } from "../config/settings.js"
import { existsSync } from "node:fs"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { type EncodedChunk, type FileEncoder, inlineFileEncoder } from "./fileEncoder.js"
import { CsvFileError, type FileContext } from "./recordEncoder.js"
import type { WorkerReply, WorkerRequest } from "./workerProtocol.js"

/**
 * Where CSV files are parsed and encoded. Parsing and JSON encoding are the connector's main cost,
 * so they run on worker threads, one file on one worker, files spread over the workers, and the
 * main thread is left with the sockets and stdout. Without the built worker (unit tests run the
 * sources) files are encoded on the calling thread instead.
 */
export class EncoderPool extends Context.Tag("source-enterpret/EncoderPool")<
  EncoderPool,
  { readonly open: (context: FileContext) => FileEncoder }
>() {}

interface Pending {
  readonly resolve: (chunk: EncodedChunk) => void
  readonly reject: (error: Error) => void
}

interface PooledWorker {
  readonly worker: Worker
  readonly files: Map<number, Array<Pending>>
  alive: boolean
}

const WORKER_URL = new URL("./encodeWorker.js", import.meta.url)

/**
 * Each worker holds a V8 heap of its own (about 25 MB with the limits below). Two keep both
 * cores of a small machine busy while the main thread moves bytes; past that, memory grows
 * faster than speed.
 */
const MAX_WORKERS = 2

/** A worker thread died or failed a chunk for a reason of its own: the file may be read again. */
export class EncoderCrashed extends Error {}

const settle = (queue: Array<Pending> | undefined, reply: WorkerReply) => {
  const pending = queue?.shift()
  if (pending === undefined) return
  if ("chunk" in reply) pending.resolve(reply.chunk)
  else if ("csvError" in reply) pending.reject(new CsvFileError(reply.csvError.line, reply.csvError.detail))
  else pending.reject(new EncoderCrashed(`CSV worker failed: ${reply.crash}`))
}

/**
 * The buffer to move rather than copy to the worker: only one the chunk has to itself (a
 * download chunk usually does), never a slice of a pool or of a larger buffer others still read.
 * The chunk is unusable afterwards; the caller has no further use for it.
 */
const ownedBuffer = (bytes: Uint8Array): ReadonlyArray<ArrayBuffer> =>
  bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.byteLength > 0
    ? [bytes.buffer]
    : []

const startWorker = (url: URL, onExit: (pooled: PooledWorker) => void): PooledWorker => {
  // An 8 MB young generation instead of V8's default of 48 saves about 40 MB of RSS per worker
  // and costs about 10% of throughput (measured with `npm run bench`); RecordEncoder parses in
  // small pieces so that its rows die within it.
  const worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8 } })
  const pooled: PooledWorker = { worker, files: new Map(), alive: true }
  worker.on("message", (reply: WorkerReply) => settle(pooled.files.get(reply.file), reply))
  // A worker that dies (out of memory, say) fails its files' pending chunks and leaves the pool;
  // the next file gets a fresh worker.
  const fail = (reason: string) => {
    pooled.alive = false
    onExit(pooled)
    for (const queue of pooled.files.values()) {
      for (const pending of queue.splice(0)) pending.reject(new EncoderCrashed(`CSV worker stopped: ${reason}`))
    }
  }
  worker.on("error", (error) => fail(error.message))
  worker.on("exit", (code) => fail(`exit code ${code}`))
  // Idle workers must not keep the process alive after the read.
  worker.unref()
  return pooled
}

/** `size` workers at most, started as files need them, each running the script at `url`. */
export const makeEncoderPool = (size: number, url: URL) => {
  const workers: Array<PooledWorker> = []
  let nextFile = 0
  const retire = (pooled: PooledWorker) => {
    const at = workers.indexOf(pooled)
    if (at !== -1) workers.splice(at, 1)
  }
  const leastBusy = (): PooledWorker => {
    if (workers.length < size) workers.push(startWorker(url, retire))
    return workers.reduce((best, w) => (w.files.size < best.files.size ? w : best))
  }
  const open = (context: FileContext): FileEncoder => {
    const pooled = leastBusy()
    const file = nextFile++
    const queue: Array<Pending> = []
    pooled.files.set(file, queue)
    const send = (request: WorkerRequest, transfer: ReadonlyArray<ArrayBuffer> = []) =>
      new Promise<EncodedChunk>((resolve, reject) => {
        if (!pooled.alive) return reject(new EncoderCrashed("CSV worker stopped"))
        queue.push({ resolve, reject })
        pooled.worker.postMessage(request, transfer)
      })
    pooled.worker.postMessage({ type: "open", file, context } satisfies WorkerRequest)
    return {
      push: (bytes) => send({ type: "chunk", file, bytes }, ownedBuffer(bytes)),
      end: () => send({ type: "end", file }),
      recycle: (output) => {
        const buffer = output.buffer
        if (pooled.alive && buffer instanceof ArrayBuffer && buffer.byteLength > 0) {
          pooled.worker.postMessage({ type: "recycle", buffer } satisfies WorkerRequest, [buffer])
        }
      },
      close: () => {
        pooled.files.delete(file)
        pooled.worker.postMessage({ type: "close", file } satisfies WorkerRequest)
      }
    }
  }
  const shutdown = Effect.promise(() => Promise.all(workers.map((w) => w.worker.terminate())))
  return { open, shutdown }
}

export const EncoderPoolLive = Layer.scoped(
  EncoderPool,
  Effect.gen(function* () {
    if (!WORKER_URL.pathname.endsWith(".js") || !existsSync(fileURLToPath(WORKER_URL))) {
      return { open: inlineFileEncoder }
    }
    const settings = yield* Settings
    const pool = makeEncoderPool(Math.max(1, Math.min(MAX_WORKERS, availableParallelism(), settings.maxConcurrentDownloads)), WORKER_URL)
    yield* Effect.addFinalizer(() => pool.shutdown)
    return { open: pool.open }
  })
)
