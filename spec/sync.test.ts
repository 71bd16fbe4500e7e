import { describe, expect, it } from "@effect/vitest"
import { Cause, type Context, Effect, Exit, Option } from "effect"
import { HOUR_MS } from "../src/config/hours.js"
import { discoverStreams } from "../src/discover/discover.js"
import { ApiAuthError, CertificateRejected, ObjectRefused, RateLimited, TransientError } from "../src/enterpret/errors.js"
import { MAX_PAGES } from "../src/enterpret/pagination.js"
import { DownloadSlots, makeDownloadSlots } from "../src/sync/downloadSlots.js"
import { RateLimitReporter } from "../src/enterpret/rateLimitReporter.js"
import { readFile } from "../src/sync/fileReader.js"
import { readStreams } from "../src/sync/read.js"
import { readStream } from "../src/sync/streamReader.js"
import { readWindow } from "../src/sync/windowReader.js"
import { csvFile, type FakeFile, idsOf, makeHarness, NOW, T0, underTestClock } from "./support/syncHarness.js"

/** Two objects over two days: a few files an hour in some hours, a header-only file among them. */
const tenant: ReadonlyArray<FakeFile> = [
  csvFile("feedback", T0 + 1 * HOUR_MS, 5),
  csvFile("feedback", T0 + 1 * HOUR_MS, 3, 1),
  csvFile("feedback", T0 + 7 * HOUR_MS, 0),
  csvFile("feedback", T0 + 9 * HOUR_MS, 12),
  csvFile("feedback", T0 + 23 * HOUR_MS, 2),
  csvFile("feedback", T0 + 30 * HOUR_MS, 7),
  csvFile("feedback", T0 + 47 * HOUR_MS, 1),
  csvFile("account", T0 + 2 * HOUR_MS, 4),
  csvFile("account", T0 + 26 * HOUR_MS, 6)
]
const filesOf = (object: string) => tenant.filter((f) => f.object === object)
const streams = [
  { name: "feedback", syncMode: "incremental" as const },
  { name: "account", syncMode: "incremental" as const }
]
const noCursors = new Map<string, number>()
const idsRead = (h: { records: (stream?: string) => ReadonlyArray<Readonly<Record<string, unknown>>> }, stream?: string) =>
  h
    .records(stream)
    .map((r) => String(r.record_id))
    .sort()
const cursorAt = (hours: number) => `${new Date(T0 + hours * HOUR_MS).toISOString().slice(0, 19)}Z`

describe("readStreams in process", () => {
  it.effect("emits every record exactly once, a checkpoint after each window, and ends each stream complete", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files: tenant, filesPerPage: 2, chunkBytes: 7 })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed([]))
      for (const stream of ["feedback", "account"]) {
        // A page's files download concurrently: the order within a window is not fixed.
        expect(idsRead(h, stream)).toEqual(idsOf(filesOf(stream)).sort())
        expect(h.of("ended", stream)).toEqual([{ kind: "ended", stream, complete: true }])
        expect(h.of("rateLimited", stream)).toEqual([])
      }
      expect(h.of("checkpoint", "feedback").map((c) => [c.cursor, c.recordCount])).toEqual([
        [cursorAt(24), 22],
        [cursorAt(48), 8]
      ])
      expect(h.of("checkpoint", "account").map((c) => [c.cursor, c.recordCount])).toEqual([
        [cursorAt(24), 4],
        [cursorAt(48), 6]
      ])
      // The records carry the window's end and the file's URL without its signature.
      expect(h.records("account")[0]).toMatchObject({
        _ab_export_window_end: cursorAt(24),
        _ab_source_file_url: `https://files.test/${filesOf("account")[0]!.name}`
      })
      // The first day of feedback has 5 files at 2 a page: 3 export requests.
      expect(h.exportRequests.filter((r) => r.objectId === "feedback" && r.startMs === T0).map((r) => r.cursor)).toEqual([
        undefined,
        "p2",
        "p4"
      ])
    })
  )

  it.effect("reports each 429 wait as RATE_LIMITED of the stream that met it (API and file host), then completes", () =>
    Effect.gen(function* () {
      const resetAt = NOW + 20_000
      const h = makeHarness({
        files: tenant,
        // The first export request of feedback meets a 429 whose Retry-After says 20 s.
        apiFault: (request, call) =>
          request.objectId === "feedback" && call < 2 && request.startMs === T0
            ? new RateLimited({ what: "exporting feedback", retryAtMs: resetAt })
            : undefined,
        // The file host answers account's first file with a 429 that names no time.
        downloadFault: (file, attempt) =>
          file === filesOf("account")[0] && attempt === 0 ? new RateLimited({ what: `downloading ${file.name}` }) : undefined
      })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed([]))
      expect(h.of("rateLimited", "feedback").map((e) => [e.retryAtMs, e.atMs < resetAt])).toEqual([[resetAt, true]])
      expect(h.of("rateLimited", "account").map((e) => e.retryAtMs)).toEqual([undefined])
      for (const stream of ["feedback", "account"]) expect(idsRead(h, stream)).toEqual(idsOf(filesOf(stream)).sort())
      // The retry came no earlier than the reset the server asked for.
      const retried = h.exportRequests.filter((r) => r.objectId === "feedback" && r.startMs === T0)
      expect(retried.length).toBeGreaterThanOrEqual(2)
    })
  )

  it.effect("a 429 that uses up the retries is not a wait: the stream fails with a transient_error, the other completes", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        settings: { maxRetries: 2 },
        apiFault: (request) => (request.objectId === "account" ? new RateLimited({ what: "exporting account" }) : undefined)
      })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["account"]))
      expect(h.exportRequests.filter((r) => r.objectId === "account")).toHaveLength(3)
      expect(h.of("rateLimited", "account")).toHaveLength(2)
      expect(h.of("failed", "account").map((e) => e.report.failureType)).toEqual(["transient_error"])
      expect(h.of("ended")).toEqual(
        expect.arrayContaining([
          { kind: "ended", stream: "account", complete: false },
          { kind: "ended", stream: "feedback", complete: true }
        ])
      )
    })
  )

  it.effect("an API that repeats a cursor fails that stream alone, with a message saying so", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        page: (request) => (request.objectId === "feedback" ? { files: [], cursor: "again" } : undefined)
      })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["feedback"]))
      expect(h.exportRequests.filter((r) => r.objectId === "feedback").map((r) => r.cursor)).toEqual([undefined, "again"])
      expect(h.of("failed", "feedback").map((e) => e.report)).toEqual([
        {
          failureType: "system_error",
          message: "While exporting feedback, the API repeated a cursor",
          internal: "the API repeated a cursor"
        }
      ])
      expect(h.of("checkpoint", "feedback")).toEqual([])
      expect(h.records("account")).toHaveLength(10)
    })
  )

  it.effect(`a cursor that never ends fails the stream after ${MAX_PAGES} pages instead of reading forever`, () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        page: (request, call) => (request.objectId === "feedback" ? { files: [], cursor: `new-${call}` } : undefined)
      })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["feedback"]))
      expect(h.exportRequests.filter((r) => r.objectId === "feedback")).toHaveLength(MAX_PAGES)
      expect(h.of("failed", "feedback")[0]!.report.message).toBe(
        `While exporting feedback, the API was still paginating after ${MAX_PAGES} pages (a new cursor every time); giving up`
      )
    })
  )

  it.effect("a 401 stops the whole sync (no stream can go on without the token)", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        apiFault: (request) =>
          request.objectId === "account" ? new ApiAuthError({ status: 401, message: "exporting account: HTTP 401" }) : undefined
      })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toEqual(
        Option.some(new ApiAuthError({ status: 401, message: "exporting account: HTTP 401" }))
      )
      expect(h.of("failed")).toEqual([])
    })
  )

  it.effect.each(["API", "file host"] as const)(
    "a certificate the %s shows that Node cannot verify stops the whole sync with one report, as a 401 does",
    (where) =>
      Effect.gen(function* () {
        const rejected = new CertificateRejected({
          what: where === "API" ? "exporting account" : "downloading account-0.csv",
          code: "SELF_SIGNED_CERT_IN_CHAIN",
          message: "self-signed certificate in certificate chain"
        })
        const h = makeHarness({
          files: tenant,
          ...(where === "API"
            ? { apiFault: (request) => (request.objectId === "account" ? rejected : undefined) }
            : { downloadFault: (file) => (file.object === "account" ? rejected : undefined) })
        })
        const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
        expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toEqual(Option.some(rejected))
        // No stream reports it as its own failure: the command reports it once (failures.ts). The
        // stream it stopped ends incomplete, with no checkpoint.
        expect(h.of("failed")).toEqual([])
        expect(h.of("ended", "account")).toEqual([{ kind: "ended", stream: "account", complete: false }])
        expect(h.of("checkpoint", "account")).toEqual([])
      })
  )

  it.effect.each([403, 404])("a %i on one object's export fails that stream alone, with the API's code and message (issue 22)", (status) =>
    Effect.gen(function* () {
      const code = status === 403 ? "FORBIDDEN" : "NOT_FOUND"
      const refused = new ObjectRefused({
        objectId: "account",
        status,
        code,
        detail: "no access to object account",
        message: `exporting account: HTTP ${status} ${code}: no access to object account`
      })
      const h = makeHarness({ files: tenant, apiFault: (request) => (request.objectId === "account" ? refused : undefined) })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["account"]))
      // Not retried: one request, and the stream's failure carries what the API said.
      expect(h.exportRequests.filter((r) => r.objectId === "account")).toHaveLength(1)
      const [failure] = h.of("failed", "account").map((e) => e.report)
      expect(failure).toMatchObject({ failureType: "config_error", internal: refused.message })
      expect(failure!.message).toContain(`(${status} ${code}: no access to object account)`)
      expect(h.of("checkpoint", "account")).toEqual([])
      expect(idsRead(h, "feedback")).toEqual(idsOf(filesOf("feedback")).sort())
      expect(h.of("ended")).toEqual(
        expect.arrayContaining([
          { kind: "ended", stream: "account", complete: false },
          { kind: "ended", stream: "feedback", complete: true }
        ])
      )
    })
  )

  it.effect("5xx past max_retries fails the stream with a transient_error naming what failed; resuming its state reads the rest", () =>
    Effect.gen(function* () {
      const failing = (request: { objectId: string; startMs: number }) =>
        request.objectId === "feedback" && request.startMs === T0 + 24 * HOUR_MS
      const h = makeHarness({
        files: tenant,
        settings: { maxRetries: 1 },
        apiFault: (request) =>
          failing(request)
            ? new TransientError({ what: "exporting feedback 2025-12-13T00:00Z..2025-12-14T00:00Z", message: "HTTP 503" })
            : undefined
      })
      const exit = yield* underTestClock(readStream(streams[0]!, undefined, T0 + 48 * HOUR_MS).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed("failed"))
      expect(h.of("failed")[0]!.report).toMatchObject({
        failureType: "transient_error",
        message:
          "Gave up after retries while exporting feedback 2025-12-13T00:00Z..2025-12-14T00:00Z: HTTP 503. The next sync resumes from the last checkpoint."
      })
      // The first window was checkpointed; from there a second run brings exactly the rest.
      expect(h.of("checkpoint").map((c) => c.cursor)).toEqual([cursorAt(24)])
      const again = makeHarness({ files: tenant })
      yield* underTestClock(readStream(streams[0]!, T0 + 24 * HOUR_MS, T0 + 48 * HOUR_MS).pipe(Effect.provide(again.layer)))
      expect([...idsRead(h), ...idsRead(again)].sort()).toEqual(idsOf(filesOf("feedback")).sort())
    })
  )
})

describe("readWindow in process: signed URLs", () => {
  const day = { startMs: T0, endMs: T0 + 24 * HOUR_MS }
  const feedbackDay = filesOf("feedback").filter((f) => f.hourMs < day.endMs)

  it.effect("the files of a page whose URLs expired share one fresh export answer", () =>
    Effect.gen(function* () {
      // URLs of the first answer are expired by the time they are used; later answers are fresh.
      const h = makeHarness({ files: tenant, filesPerPage: 10, expired: (_, signedAt) => signedAt === 0 })
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(h.exportRequests.map((r) => r.cursor)).toEqual([undefined, undefined])
      expect(idsRead(h)).toEqual(idsOf(feedbackDay).sort())
    })
  )

  /** Files a host names in the query (`/download?key=…`), so that the path alone names none. */
  const queryNamed = (hours: ReadonlyArray<number>) =>
    hours.map(
      (hour): FakeFile => ({
        object: "feedback",
        hourMs: T0 + hour * HOUR_MS,
        name: `download?key=feedback-${hour}.csv`,
        csv: `record_id,text\nq-${hour}-0,x\nq-${hour}-1,y\n`
      })
    )
  /** The first answer's URLs expire (those `expires` picks); every fresh answer lists the files in reverse. */
  const reversedOnRefresh = (
    files: ReadonlyArray<FakeFile>,
    signed: (f: FakeFile, call: number) => string,
    expires: (file: FakeFile) => boolean
  ) =>
    makeHarness({
      files,
      page: (_, call) => ({ files: (call === 0 ? files : [...files].reverse()).map((f) => signed(f, call)), cursor: undefined }),
      expired: (file, signedAt) => signedAt === 0 && expires(file)
    })

  it.effect("a fresh answer that lists the page's files in another order gives each expired file its own new URL", () =>
    Effect.gen(function* () {
      const files = queryNamed([3, 7, 11])
      const h = reversedOnRefresh(
        files,
        (f, call) => `https://files.test/${f.name}&sig=${call}`,
        () => true
      )
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(h.exportRequests).toHaveLength(2)
      expect(idsRead(h)).toEqual(idsOf(files).sort())
    })
  )

  it.effect("a host signing with a parameter fileIdentity does not know: the fresh URL is found by path, not by place", () =>
    Effect.gen(function* () {
      const files = [3, 7, 11].map((hour) => csvFile("feedback", T0 + hour * HOUR_MS, 2))
      // `token` changes at every signing.
      const h = reversedOnRefresh(
        files,
        (f, call) => `https://files.test/${f.name}?token=t${call}&sig=${call}`,
        (f) => f === files[0]
      )
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(idsRead(h)).toEqual(idsOf(files).sort())
    })
  )

  it.effect("a fresh answer that does not tell which file is the expired one fails the window rather than read another in its place", () =>
    Effect.gen(function* () {
      // One path for every file and an unknown signing parameter: neither names the file.
      const files = queryNamed([3, 7, 11])
      const h = reversedOnRefresh(
        files,
        (f, call) => `https://files.test/${f.name}&token=t${call}&sig=${call}`,
        (f) => f === files[0]
      )
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.map((e) => e._tag))).toEqual(
        Option.some("InvalidResponse")
      )
      // No record of another file came in its place.
      expect(idsRead(h).filter((id) => id.startsWith("q-11-"))).toHaveLength(2)
      expect(idsRead(h).filter((id) => id.startsWith("q-3-"))).toHaveLength(0)
    })
  )

  it.effect("a URL that keeps expiring fails after 3 refreshes with UrlExpired naming the file without its signature", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files: tenant, filesPerPage: 10, expired: (file) => file.name.endsWith("T09-part-0.csv") })
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.map((e) => e._tag === "UrlExpired" && e.file))).toEqual(
        Option.some(`https://files.test/feedback/2025-12-12T09-part-0.csv`)
      )
      expect(h.exportRequests).toHaveLength(4)
    })
  )

  it.effect("a download cut short resumes after the last record emitted: every record once", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        chunkBytes: 16,
        downloadFault: (file, attempt) => (file.name.endsWith("T09-part-0.csv") && attempt === 0 ? { cutAfterBytes: 150 } : undefined)
      })
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(
        Exit.succeed({
          records: 22,
          bytes: feedbackDay.reduce((sum, f) => sum + f.csv.length, 0),
          pages: 2,
          files: feedbackDay.length
        })
      )
      expect(idsRead(h)).toEqual(idsOf(feedbackDay).sort())
      expect(h.downloads.filter((url) => url.includes("T09-part-0"))).toHaveLength(2)
    })
  )

  it.effect("a malformed row fails the window, naming the file (no signature) and the line", () =>
    Effect.gen(function* () {
      const bad: FakeFile = { object: "feedback", hourMs: T0 + 3 * HOUR_MS, name: "feedback/bad.csv", csv: "record_id,text\na,1\nb,2,3\n" }
      const h = makeHarness({ files: [bad] })
      const exit = yield* underTestClock(readWindow("feedback", day).pipe(Effect.provide(h.layer)))
      const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
      expect(error?._tag).toBe("FileContentError")
      expect(error?.message).toMatch(/^Stream feedback: file https:\/\/files\.test\/feedback\/bad\.csv, line 3: /)
    })
  )
})

describe("discover in process (issue 22)", () => {
  it.effect("discover offers an object the API refuses (403) with the least schema and a warning; the others keep theirs (issue 22)", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        apiFault: (request) =>
          request.objectId === "account"
            ? new ObjectRefused({
                objectId: "account",
                status: 403,
                code: "FORBIDDEN",
                detail: "no access to object account",
                message: "HTTP 403"
              })
            : undefined
      })
      const exit = yield* underTestClock(discoverStreams("config.json").pipe(Effect.provide(h.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      if (!Exit.isSuccess(exit)) return
      const properties = (name: string) => Object.keys(exit.value.streams.find((s) => s.name === name)!.json_schema.properties)
      expect(properties("feedback")).toContain("text")
      expect(properties("account")).not.toContain("text")
      expect(exit.value.warnings).toEqual([
        "Enterpret refused to export account (403 FORBIDDEN: no access to object account); its schema has only record_id, and a sync of it fails until the token may export it."
      ])
    })
  )
})

describe("readWindow in process: one long page (issue 15)", () => {
  const day = { startMs: T0, endMs: T0 + 24 * HOUR_MS }

  /** The download slots, counting the fibers that wait for one: what a page's fan-out costs. */
  const countingSlots = (permits: number) => {
    const real = makeDownloadSlots(permits)
    const counts = { waiting: 0, mostWaiting: 0 }
    const slots: Context.Tag.Service<typeof DownloadSlots> = {
      withSlot: (self) =>
        Effect.suspend(() => {
          counts.waiting++
          counts.mostWaiting = Math.max(counts.mostWaiting, counts.waiting)
          return real.withSlot(
            Effect.suspend(() => {
              counts.waiting--
              return self
            })
          )
        })
    }
    return { slots, counts }
  }

  it.effect("2,000 files in one page: never more fibers waiting for a slot than max_concurrent_downloads, every file read", () =>
    Effect.gen(function* () {
      const files = Array.from({ length: 2_000 }, (_, i) => csvFile("big", T0 + HOUR_MS, i % 100 === 0 ? 1 : 0, i))
      const h = makeHarness({ files, filesPerPage: 2_000 })
      const { slots, counts } = countingSlots(h.settings.maxConcurrentDownloads)
      const exit = yield* underTestClock(readWindow("big", day).pipe(Effect.provideService(DownloadSlots, slots), Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed({ records: 20, bytes: expect.any(Number), pages: 1, files: 2_000 }))
      expect(h.exportRequests).toHaveLength(1)
      expect(new Set(h.downloads).size).toBe(2_000)
      // Before: every file of the page was forked at once, 1,996 of them waiting on the slots.
      expect(counts.mostWaiting).toBeLessThanOrEqual(h.settings.maxConcurrentDownloads)
    })
  )
})

describe("readStreams in process: a defect (issue 15)", () => {
  it.effect("fails the stream it happened in, with a message; the other stream completes", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: tenant,
        page: (request) => {
          if (request.objectId === "feedback") throw new TypeError('Protocol "file:" not supported. Expected "http:"')
          return undefined
        }
      })
      const exit = yield* underTestClock(readStreams(streams, noCursors).pipe(Effect.provide(h.layer)))
      expect(exit).toEqual(Exit.succeed(["feedback"]))
      expect(h.of("failed", "feedback").map((e) => e.report)).toEqual([
        expect.objectContaining({
          failureType: "system_error",
          message: expect.stringMatching(/^The connector met an internal error \(TypeError: Protocol "file:" not supported/)
        })
      ])
      expect(h.of("ended", "feedback")).toEqual([{ kind: "ended", stream: "feedback", complete: false }])
      expect(h.of("ended", "account")).toEqual([{ kind: "ended", stream: "account", complete: true }])
      expect(idsRead(h, "account")).toEqual(idsOf(filesOf("account")).sort())
    })
  )
})

describe("readFile in process", () => {
  const file = csvFile("theme", T0 + 5 * HOUR_MS, 9)
  const job = (refreshUrl: (expired: string) => Effect.Effect<string, never>) => ({
    stream: "theme",
    windowEnd: cursorAt(24),
    url: `https://files.test/${file.name}?sig=0`,
    refreshUrl
  })

  it.effect("a 429 from the file host is waited out and told to the RateLimitReporter in context; every record once", () =>
    Effect.gen(function* () {
      const h = makeHarness({
        files: [file],
        chunkBytes: 5,
        downloadFault: (_, attempt) =>
          attempt === 0
            ? { cutAfterBytes: 60 }
            : attempt === 1
              ? new RateLimited({ what: "downloading", retryAtMs: NOW + 3_000 })
              : undefined
      })
      const waits: Array<number | undefined> = []
      const exit = yield* underTestClock(
        readFile(job(() => Effect.die("no refresh expected"))).pipe(
          Effect.provide(h.layer),
          Effect.provideService(RateLimitReporter, { waiting: (retryAtMs) => Effect.sync(() => void waits.push(retryAtMs)) })
        )
      )
      expect(exit).toEqual(Exit.succeed({ records: 9, bytes: file.csv.length }))
      expect(waits).toEqual([NOW + 3_000])
      expect(idsRead(h)).toEqual(idsOf([file]).sort())
      expect(h.downloads).toHaveLength(3)
    })
  )

  it.effect("an expired URL is swapped for the one refreshUrl gives, and the file is read from it", () =>
    Effect.gen(function* () {
      const h = makeHarness({ files: [file], expired: (_, signedAt) => signedAt === 0 })
      const refreshed: Array<string> = []
      const exit = yield* underTestClock(
        readFile(
          job((expired) =>
            Effect.sync(() => {
              refreshed.push(expired)
              return `https://files.test/${file.name}?sig=7`
            })
          )
        ).pipe(Effect.provide(h.layer))
      )
      expect(exit).toEqual(Exit.succeed({ records: 9, bytes: file.csv.length }))
      expect(refreshed).toEqual([`https://files.test/${file.name}?sig=0`])
      expect(h.downloads).toEqual([`https://files.test/${file.name}?sig=0`, `https://files.test/${file.name}?sig=7`])
      // The records name the file without its signature, whichever URL served it.
      expect(new Set(h.records().map((r) => r._ab_source_file_url))).toEqual(new Set([`https://files.test/${file.name}`]))
    })
  )
})
