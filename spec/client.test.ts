import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Redacted, TestClock } from "effect"
import { Settings, type SettingsShape } from "../src/config/settings.js"
import { TimingDefault } from "../src/config/timing.js"
import { EnterpretApi, EnterpretApiLive, MAX_ANSWER_BYTES } from "../src/enterpret/client.js"
import { FileDownloader, FileDownloaderLive } from "../src/enterpret/download.js"
import { MAX_PAGES } from "../src/enterpret/pagination.js"
import { ApiRateLimiterLive } from "../src/enterpret/rateLimiter.js"
import { fakeHttp, type FakeAnswer, type SentRequest } from "./support/fakeHttp.js"

const settings: SettingsShape = {
  apiToken: Redacted.make("secret-token"),
  startMs: Date.parse("2025-12-12T00:00:00Z"),
  endMs: Date.parse("2025-12-13T00:00:00Z"),
  baseUrl: "https://api.example.test/export",
  objects: undefined,
  windowHours: 24,
  lookbackHours: 0,
  // Far above the schema's 600, so that long listings never wait for the limiter here.
  exportRequestsPerMinute: 100_000,
  objectsRequestsPerMinute: 100_000,
  maxConcurrentDownloads: 4,
  maxRetries: 0,
  requestTimeoutMs: 5_000
}

const withApi = (answer: (request: SentRequest) => FakeAnswer, overrides: Partial<SettingsShape> = {}) => {
  const http = fakeHttp(answer)
  const layer = Layer.mergeAll(EnterpretApiLive.pipe(Layer.provide(ApiRateLimiterLive)), FileDownloaderLive).pipe(
    Layer.provide(Layer.mergeAll(Layer.succeed(Settings, { ...settings, ...overrides }), TimingDefault, http.layer))
  )
  return { sent: http.sent, layer }
}

describe("EnterpretApi: one HTTP client set up once", () => {
  it.effect("sends every API request to base_url with the bearer token and asks for JSON", () =>
    Effect.gen(function* () {
      const { sent, layer } = withApi((request) =>
        request.url.endsWith("/objects") ? { body: { objects: [{ id: "feedback" }] } } : { body: { files: [] } }
      )
      yield* Effect.gen(function* () {
        const api = yield* EnterpretApi
        yield* api.listObjects
        yield* api.exportPage({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! })
      }).pipe(Effect.provide(layer))
      expect(sent.map((r) => [r.method, r.url])).toEqual([
        ["POST", "https://api.example.test/export/external/v2/objects"],
        ["POST", "https://api.example.test/export/external/v2/export"]
      ])
      for (const request of sent) {
        expect(request.headers["authorization"]).toBe("Bearer secret-token")
        expect(request.headers["accept"]).toBe("application/json")
      }
      expect(sent[1]!.body).toEqual({ objectID: "feedback", startTime: "2025-12-12T00:00Z", endTime: "2025-12-13T00:00Z" })
    })
  )

  it.effect("downloads signed URLs on a client of their own, without the token", () =>
    Effect.gen(function* () {
      const { sent, layer } = withApi(() => ({ body: "a,b\n1,2\n" }))
      const chunks: Array<Uint8Array> = []
      yield* Effect.flatMap(FileDownloader, (downloader) =>
        downloader.download("https://files.example.test/f.csv?X-Amz-Signature=abc", {
          onSize: () => Effect.void,
          onChunk: (chunk) => Effect.sync(() => chunks.push(chunk))
        })
      ).pipe(Effect.provide(layer))
      expect(sent).toHaveLength(1)
      expect(sent[0]!.url).toBe("https://files.example.test/f.csv?X-Amz-Signature=abc")
      expect(sent[0]!.headers["authorization"]).toBeUndefined()
      expect(Buffer.concat(chunks).toString()).toBe("a,b\n1,2\n")
    })
  )
})

describe("EnterpretApi.listObjects: pagination", () => {
  const listWith = (answer: (token: string | undefined, call: number) => unknown) => {
    let calls = 0
    const { sent, layer } = withApi((request) => answer((request.body as { paginationToken?: string }).paginationToken, calls++) as FakeAnswer)
    return { sent, run: Effect.flatMap(EnterpretApi, (api) => api.listObjects).pipe(Effect.provide(layer), Effect.either) }
  }

  it.effect("collects every page, following paginationToken", () =>
    Effect.gen(function* () {
      const { sent, run } = listWith((token) =>
        token === undefined
          ? { body: { objects: [{ id: "a", name: "A" }], paginationToken: "p2" } }
          : { body: { objects: [{ id: "b", description: "the b" }], paginationToken: null } }
      )
      expect(Either.getOrThrow(yield* run)).toEqual([
        { id: "a", name: "A", description: "" },
        { id: "b", name: "b", description: "the b" }
      ])
      expect(sent.map((r) => r.body)).toEqual([{}, { paginationToken: "p2" }])
    })
  )

  it.effect("fails with a clear error when the API repeats a paginationToken", () =>
    Effect.gen(function* () {
      const { sent, run } = listWith((_, call) => ({ body: { objects: [], paginationToken: call % 2 === 0 ? "x" : "y" } }))
      const result = yield* run
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "InvalidResponse",
        what: "listing exportable objects",
        message: "the API repeated a paginationToken"
      })
      expect(sent).toHaveLength(3)
    })
  )

  it.effect(`gives up after ${MAX_PAGES} pages when every page brings a new paginationToken (check would loop forever)`, () =>
    Effect.gen(function* () {
      const { sent, run } = listWith((_, call) => ({ body: { objects: [], paginationToken: `t${call}` } }))
      const result = yield* run
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "InvalidResponse",
        message: `the API was still paginating after ${MAX_PAGES} pages (a new paginationToken every time); giving up`
      })
      expect(sent).toHaveLength(MAX_PAGES)
    })
  )
})

describe("a 429 that asks for too long a wait (issue 15)", () => {
  const tenYears = String(10 * 365 * 24 * 3600)

  it.effect("the API's: fails with WaitTooLong at once instead of waiting ten years, and leaves the limiter unpaused", () =>
    Effect.gen(function* () {
      let calls = 0
      const { sent, layer } = withApi(
        () =>
          calls++ === 0
            ? { status: 429, headers: { "retry-after": tenYears }, body: { error: { code: "RATE_LIMITED", message: "slow down" } } }
            : { body: { objects: [] } },
        { maxRetries: 3 }
      )
      const fiber = yield* Effect.flatMap(EnterpretApi, (api) =>
        Effect.zip(Effect.either(api.exportPage({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! })), api.listObjects)
      ).pipe(Effect.provide(layer), Effect.fork)
      // A minute of test time is far less than any wait it might have started.
      yield* TestClock.adjust("1 minute")
      const done = yield* Fiber.poll(fiber)
      expect(done._tag, "still waiting").toBe("Some")
      const [page] = yield* Fiber.join(fiber)
      expect(Either.isLeft(page) && page.left).toMatchObject({ _tag: "WaitTooLong", retryAfter: tenYears })
      expect(sent).toHaveLength(2) // the 429, then the objects listing: no retry, no pause
    })
  )

  it.effect("the file host's: a Retry-After of 1 and 400 zeros fails the download with WaitTooLong", () =>
    Effect.gen(function* () {
      const { layer } = withApi(() => ({ status: 429, headers: { "retry-after": `1${"0".repeat(400)}` }, body: "" }))
      const result = yield* Effect.flatMap(FileDownloader, (downloader) =>
        downloader.download("https://files.example.test/f.csv?X-Amz-Signature=abc", { onSize: () => Effect.void, onChunk: () => Effect.void })
      ).pipe(Effect.provide(layer), Effect.either)
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "WaitTooLong", waitMs: Number.POSITIVE_INFINITY })
    })
  )
})

describe("an answer larger than MAX_ANSWER_BYTES (issue 15)", () => {
  const huge = `{"objects":[],"padding":"${"x".repeat(MAX_ANSWER_BYTES)}"}`

  it.effect.each<readonly [string, Record<string, string>]>([
    ["without Content-Length", {}],
    ["with its Content-Length", { "content-length": String(huge.length) }]
  ])("%s: fails with a clear InvalidResponse instead of reading it all", ([, headers]) =>
    Effect.gen(function* () {
      const { layer } = withApi(() => ({ body: huge, headers }))
      const result = yield* Effect.flatMap(EnterpretApi, (api) => api.listObjects).pipe(Effect.provide(layer), Effect.either)
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "InvalidResponse",
        what: "listing exportable objects",
        message: expect.stringMatching(/^the API's answer was larger than 16 MB, the most one answer may take/)
      })
    })
  )
})

describe("file URLs in an export answer (issue 15)", () => {
  const page = (files: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const { layer } = withApi(() => ({ body: { files } }))
      return yield* Effect.flatMap(EnterpretApi, (api) => api.exportPage({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! })).pipe(
        Effect.provide(layer),
        Effect.either
      )
    })

  it.effect.each<readonly [string, string]>([
    ["file:///etc/passwd", "the scheme file:, not http(s): file:///etc/passwd"],
    ["ftp://files.example.test/a.csv?sig=1", "the scheme ftp:, not http(s): ftp://files.example.test/a.csv"],
    [`data:text/csv,${"a,b%0A".repeat(100)}`, "the scheme data:, not http(s): data:text/csv,a,b%0A"],
    ["not a url", "not a URL: not a url"]
  ])("%s fails the page with a message (a defect before: every stream died silently)", ([url, says]) =>
    Effect.gen(function* () {
      const result = yield* page(["https://files.example.test/ok.csv?sig=1", url])
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "InvalidResponse", what: expect.stringMatching(/^exporting feedback /) })
      const message = Either.isLeft(result) ? result.left.message : ""
      expect(message).toContain(says)
      expect(message.length).toBeLessThan(250)
    })
  )

  it.effect("user:pass@ is cut from a signed URL, the rest left byte for byte", () =>
    Effect.gen(function* () {
      const signed = "https://files.example.test/a%2Fb.csv?X-Amz-Signature=ab%2Bc&X-Amz-Date=1"
      const result = yield* page([signed.replace("https://", "https://user:p%40ss@"), signed])
      expect(Either.getOrThrow(result).files).toEqual([signed, signed])
    })
  )
})
