// readFile in process: a fake file host that cuts the download where a test says, a SyncOutput
// that collects the record lines, TestClock for the retries' waits.
import { Duration, Effect, Fiber, FastCheck as fc, Layer, Option, Redacted, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { Settings, type SettingsShape } from "../src/config/settings.js"
import { TimingDefault } from "../src/config/timing.js"
import { FileDownloader } from "../src/enterpret/download.js"
import { TransientError } from "../src/enterpret/errors.js"
import { airbyteRecordEnvelope } from "../src/output/recordEnvelope.js"
import { PrimaryKey } from "../src/sync/catalog.js"
import { readFile } from "../src/sync/fileReader.js"
import { SyncOutput } from "../src/sync/syncOutput.js"

const settings: SettingsShape = {
  apiToken: Redacted.make("token"),
  startMs: 0,
  endMs: undefined,
  baseUrl: "https://api.example.com",
  objects: undefined,
  windowHours: 1,
  lookbackHours: 0,
  settleMs: 0,
  exportRequestsPerMinute: 10,
  objectsRequestsPerMinute: 10,
  maxConcurrentDownloads: 1,
  maxRetries: 10,
  requestTimeoutMs: 60_000
}

const ROWS = 30
/** `id,text` and ROWS rows whose cells span lines, so that byte offsets and lines differ. */
const file = new TextEncoder().encode(`id,text\r\n${Array.from({ length: ROWS }, (_, i) => `${i + 1},"row ${i + 1}\né😀"\r\n`).join("")}`)
/** The byte offset just after data row `n` (0: after the header): the header has one LF, each row two. */
const afterRow = (n: number) => {
  let at = 0
  for (let lf = 0; lf < 1 + 2 * n; lf++) at = file.indexOf(10, at) + 1
  return at
}

/**
 * Reads the file through readFile where the download of attempt k breaks off after `cuts[k]`
 * bytes (in chunks of `chunk` bytes) and the attempt after the last cut gets it whole. Returns
 * the ids of the records emitted, in order, and readFile's count.
 */
const readWithCuts = async (cuts: ReadonlyArray<number>, chunk = 7) => {
  const emitted: Array<string> = []
  let attempts = 0
  const downloader = FileDownloader.of({
    download: (_url, handlers) =>
      Effect.gen(function* () {
        const cut = cuts[attempts++]
        yield* handlers.onSize(file.length, "length") ?? Effect.void
        const end = cut ?? file.length
        for (let at = 0; at < end; at += chunk) yield* handlers.onChunk(file.subarray(at, Math.min(at + chunk, end))) ?? Effect.void
        if (cut !== undefined) return yield* new TransientError({ what: "downloading f.csv", message: `cut after ${cut} bytes` })
      })
  })
  const output = SyncOutput.of({
    recordEnvelope: (stream, windowEnd, fileUrl) => airbyteRecordEnvelope(stream, windowEnd, fileUrl, 0),
    records: (lines) =>
      Effect.sync(() => {
        for (const line of new TextDecoder().decode(lines).split("\n")) {
          if (line !== "") emitted.push((JSON.parse(line) as { record: { data: { id: string } } }).record.data.id)
        }
      }),
    newColumns: () => Effect.void,
    started: () => Effect.void,
    rateLimited: () => Effect.void,
    estimate: () => Effect.void,
    checkpoint: () => Effect.void,
    warn: () => Effect.void,
    failed: () => Effect.void,
    ended: () => Effect.void
  })
  const read = readFile({
    stream: "s",
    windowEnd: "2025-12-13T00:00:00Z",
    url: "https://files.example.com/f.csv?sig=x",
    refreshUrl: () => Effect.die("no refresh expected")
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        Layer.succeed(Settings, settings),
        TimingDefault,
        Layer.succeed(FileDownloader, downloader),
        Layer.succeed(SyncOutput, output)
      )
    ),
    // This file's key column is `id`.
    Effect.provideService(PrimaryKey, ["id"])
  )
  // The retries wait (backoff): move the test clock on until the read is over.
  const run = Effect.gen(function* () {
    const fiber = yield* Effect.fork(read)
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      yield* TestClock.adjust(Duration.minutes(1))
      yield* Effect.yieldNow()
    }
    return yield* Fiber.join(fiber)
  })
  const result = await Effect.runPromise(Effect.either(run.pipe(Effect.provide(TestContext.TestContext))))
  return { emitted, result, attempts }
}

const allIds = Array.from({ length: ROWS }, (_, i) => String(i + 1))

describe("readFile: downloads that break off", () => {
  it("finds the offsets it cuts at", () => {
    expect(new TextDecoder().decode(file.subarray(0, afterRow(0)))).toBe("id,text\r\n")
    expect(new TextDecoder().decode(file.subarray(afterRow(2), afterRow(3)))).toBe('3,"row 3\né😀"\r\n')
  })

  it("emits every record once when a download is cut after row 25, then after row 3, then served whole", async () => {
    // The resume point used to be taken from the latest attempt: after the second cut it went
    // back to 3, and rows 4 to 25 were emitted twice.
    const { emitted, result, attempts } = await readWithCuts([afterRow(25), afterRow(3)])
    expect(attempts).toBe(3)
    expect(emitted).toEqual(allIds)
    expect(result).toMatchObject({ right: { records: ROWS, bytes: file.length } })
  })

  it("never moves the resume point back, whatever the sequence of cuts (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: file.length - 1 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        async (cuts, chunk) => {
          const { emitted, result, attempts } = await readWithCuts(cuts, chunk)
          expect(attempts).toBe(cuts.length + 1)
          expect(emitted).toEqual(allIds)
          expect(result).toMatchObject({ right: { records: ROWS } })
        }
      ),
      { numRuns: 60, seed: 15 }
    )
  })
})
