import { describe, expect, it } from "@effect/vitest"
import { Cookies, HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Either, Exit, Fiber, Layer, Redacted, Schema, Stream, TestClock } from "effect"
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Settings, type SettingsShape } from "../src/config/settings.js"
import { TimingDefault } from "../src/config/timing.js"
import { ApiHttpClientLive } from "../src/enterpret/apiTransport.js"
import { ExportResponse, exportResponse, fileIdentity, MAX_ANSWER_BYTES } from "../src/enterpret/answers.js"
import { EnterpretApi, EnterpretApiLive, exportPages } from "../src/enterpret/client.js"
import { ApiAuthError, ApiRequestError, InvalidResponse, ObjectRefused, TransientError } from "../src/enterpret/errors.js"
import { MAX_PAGES } from "../src/enterpret/pagination.js"
import { ApiRateLimiterLive } from "../src/enterpret/rateLimiter.js"
import { RateLimitReporter } from "../src/enterpret/rateLimitReporter.js"
import { apiMessage, statusVerdict } from "../src/enterpret/status.js"
import { fakeHttp, type FakeAnswer, type SentRequest } from "./support/fakeHttp.js"

const settings: SettingsShape = {
  apiToken: Redacted.make("secret-token"),
  startMs: Date.parse("2025-12-12T00:00:00Z"),
  endMs: Date.parse("2025-12-13T00:00:00Z"),
  baseUrl: "https://api.example.test/export",
  objects: undefined,
  windowHours: 24,
  lookbackHours: 0,
  settleMs: 0,
  // Far above the schema's 600, so that long listings never wait for the limiter here.
  exportRequestsPerMinute: 100_000,
  objectsRequestsPerMinute: 100_000,
  maxConcurrentDownloads: 4,
  maxRetries: 0,
  requestTimeoutMs: 5_000
}

const withApi = (answer: (request: SentRequest) => FakeAnswer, overrides: Partial<SettingsShape> = {}) => {
  const http = fakeHttp(answer)
  const layer = EnterpretApiLive.pipe(
    Layer.provide(ApiRateLimiterLive),
    Layer.provide(Layer.mergeAll(Layer.succeed(Settings, { ...settings, ...overrides }), TimingDefault, http.layer))
  )
  return { sent: http.sent, layer }
}

/** Starts `server` on a free loopback port; its base URL, `http://127.0.0.1:PORT`. */
const onLoopback = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
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
        expect(request.headers.authorization).toBe("Bearer secret-token")
        expect(request.headers.accept).toBe("application/json")
      }
      expect(sent[1]!.body).toEqual({ objectID: "feedback", startTime: "2025-12-12T00:00Z", endTime: "2025-12-13T00:00Z" })
    })
  )
})

describe("EnterpretApi.listObjects: pagination", () => {
  const listWith = (answer: (token: string | undefined, call: number) => unknown) => {
    let calls = 0
    const { sent, layer } = withApi(
      (request) => answer((request.body as { paginationToken?: string }).paginationToken, calls++) as FakeAnswer
    )
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

/** Runs `effect` with the client in `layer` under the TestClock, moving time an hour ahead. */
const underTestClock = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.either(effect))
    yield* TestClock.adjust(Duration.hours(1))
    return yield* Fiber.join(fiber)
  })

const request = { objectId: "theme", startMs: settings.startMs, endMs: settings.endMs! }
/** The client over a fake API that gives `answer(call)` to each request. */
const clientWith = (answer: (call: number) => FakeAnswer, overrides: Partial<SettingsShape> = {}) => {
  let call = 0
  const http = fakeHttp(() => answer(call++))
  const layer = EnterpretApiLive.pipe(
    Layer.provide(ApiRateLimiterLive),
    Layer.provide(Layer.mergeAll(Layer.succeed(Settings, { ...settings, ...overrides }), TimingDefault, http.layer))
  )
  return { sent: http.sent, layer }
}

const exportOnce = (answers: ReadonlyArray<FakeAnswer>, overrides: Partial<SettingsShape> = {}) => {
  let call = 0
  const http = fakeHttp(() => answers[Math.min(call++, answers.length - 1)]!)
  const layer = EnterpretApiLive.pipe(
    Layer.provide(ApiRateLimiterLive),
    Layer.provide(Layer.mergeAll(Layer.succeed(Settings, { ...settings, ...overrides }), TimingDefault, http.layer))
  )
  const reports: Array<number | undefined> = []
  const run = Effect.flatMap(EnterpretApi, (api) => api.exportPage(request)).pipe(
    Effect.provide(layer),
    Effect.provideService(RateLimitReporter, { waiting: (retryAtMs) => Effect.sync(() => void reports.push(retryAtMs)) })
  )
  return { sent: http.sent, reports, run: underTestClock(run) }
}
const error = (status: number, code: string, message: string): FakeAnswer => ({ status, body: { error: { code, message } } })

describe("EnterpretApi.exportPage: what each answer means (status.ts)", () => {
  it.effect("a page: files and cursor; a null files list is empty", () =>
    Effect.gen(function* () {
      const { run } = exportOnce([{ body: { files: null, cursor: "" } }])
      expect(yield* run).toEqual(Either.right({ files: [], cursor: undefined }))
    })
  )

  it.effect("429 with Retry-After: waits exactly that long, tells the RateLimitReporter, then retries", () =>
    Effect.gen(function* () {
      const { sent, reports, run } = exportOnce(
        [{ status: 429, headers: { "retry-after": "20" }, body: {} }, { body: { files: ["https://files.example.test/u.csv"] } }],
        { maxRetries: 1 }
      )
      expect(yield* run).toEqual(Either.right({ files: ["https://files.example.test/u.csv"], cursor: undefined }))
      expect(sent.map((r) => r.atMs)).toEqual([0, 20_000])
      expect(reports).toEqual([20_000])
    })
  )

  it.effect("503 is retried after the backoff; past max_retries it is a TransientError naming the request", () =>
    Effect.gen(function* () {
      const { sent, reports, run } = exportOnce([error(503, "INTERNAL_ERROR", "upstream unavailable")], { maxRetries: 2 })
      expect(yield* run).toEqual(
        Either.left(
          new TransientError({
            what: "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z",
            message: "HTTP 503 INTERNAL_ERROR: upstream unavailable"
          })
        )
      )
      expect(sent).toHaveLength(3)
      expect(reports).toEqual([])
    })
  )

  it.effect("a request the client gave up on (its timeout, a reset connection) is a TransientError, and is retried", () =>
    Effect.gen(function* () {
      const timedOut = [{ transportError: "no answer within 5 s" }, { body: { files: [] } }]
      const { sent, run } = exportOnce(timedOut, { maxRetries: 1 })
      expect(yield* run).toEqual(Either.right({ files: [], cursor: undefined }))
      expect(sent).toHaveLength(2)
      const once = exportOnce(timedOut, { maxRetries: 0 })
      expect(yield* once.run).toEqual(
        Either.left(new TransientError({ what: "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z", message: "no answer within 5 s" }))
      )
    })
  )

  it.effect.each([
    [
      400,
      error(400, "INVALID_REQUEST_ARGUMENT", "endTime must not be before startTime"),
      new ApiRequestError({
        status: 400,
        message:
          "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z: HTTP 400 INVALID_REQUEST_ARGUMENT: endTime must not be before startTime"
      })
    ],
    [
      401,
      error(401, "UNAUTHORIZED", "invalid token"),
      new ApiAuthError({
        status: 401,
        message: "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z: HTTP 401 UNAUTHORIZED: invalid token"
      })
    ],
    [
      403,
      error(403, "FORBIDDEN", "no access to object theme"),
      new ObjectRefused({
        objectId: "theme",
        status: 403,
        code: "FORBIDDEN",
        detail: "no access to object theme",
        message: "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z: HTTP 403 FORBIDDEN: no access to object theme"
      })
    ],
    [
      404,
      error(404, "NOT_FOUND", "no such object"),
      new ObjectRefused({
        objectId: "theme",
        status: 404,
        code: "NOT_FOUND",
        detail: "no such object",
        message: "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z: HTTP 404 NOT_FOUND: no such object"
      })
    ]
  ] as const)("HTTP %i is final, not retried", ([, answer, expected]) =>
    Effect.gen(function* () {
      const { sent, run } = exportOnce([answer], { maxRetries: 3 })
      expect(yield* run).toEqual(Either.left(expected))
      expect(sent).toHaveLength(1)
    })
  )

  it.effect("an answer that quotes the token shows none of it, even where the message cuts the answer inside the token", () =>
    Effect.gen(function* () {
      // Every cut point inside the token: the messages keep 200 characters of an error body
      // (status.ts) and 100 of a file URL (answers.ts). The token as JSON.stringify writes it,
      // and as other writers escape it: `\/` (PHP), `\u0061` (any \u escape), `&#47;` (HTML).
      const answers = (token: string, pad: number): ReadonlyArray<FakeAnswer> => {
        const x = "x".repeat(pad)
        const header = `Authorization: Bearer ${token}`
        const inJson = JSON.stringify(token).slice(1, -1)
        const raw = (escaped: string) => `{"error":{"code":"INVALID","message":"${x}Authorization: Bearer ${escaped}"}}`
        return [
          error(400, "INVALID_REQUEST_ARGUMENT", `${x}${header}`),
          error(401, "UNAUTHENTICATED", `${x}${header}`),
          error(403, "FORBIDDEN", `${x}${header}`),
          error(503, "UNAVAILABLE", `${x}${header}`),
          { status: 400, body: `${x}${header}` },
          { status: 400, body: raw(inJson.replaceAll("/", "\\/")) },
          { status: 400, body: raw(inJson.replaceAll("a", "\\u0061")) },
          { status: 502, body: `<html>${x}Bearer ${token.replaceAll("/", "&#47;").replaceAll("a", "&#x61;")}` },
          { body: `<html>${x}${header}` },
          { body: { files: [`ftp://files.example.test/${x}${token}`] } },
          { body: { files: "none", echo: `${x}${header}` } }
        ]
      }
      for (const token of ['tok_Secret_"1234567890\\abcdef', "abcd/efghijklmnopqrstuvwxyz0123456789", "Ab3_xY9"]) {
        const shown: Array<string> = []
        // One client a token, asked once an answer: none is retried (max_retries 0) and the rate
        // limit is out of the way, so no answer waits and no TestClock is needed (a client and a
        // clock a run cost 6 s for these 1,023 answers).
        let next: FakeAnswer = { body: {} }
        const client = clientWith(() => next, { apiToken: Redacted.make(token), maxRetries: 0, exportRequestsPerMinute: 100_000 })
        yield* Effect.gen(function* () {
          const api = yield* EnterpretApi
          for (let pad = 110; pad <= 200; pad += 3) {
            for (const answer of answers(token, pad)) {
              next = answer
              const exit = yield* Effect.either(api.exportPage(request))
              expect(Either.isLeft(exit)).toBe(true)
              if (Either.isLeft(exit)) shown.push(JSON.stringify(exit.left), String(exit.left))
            }
          }
        }).pipe(Effect.provide(client.layer), Effect.provideService(RateLimitReporter, { waiting: () => Effect.void }))
        expect(client.sent).toHaveLength(31 * 11)
        const start = token.slice(0, Math.min(8, token.length - 2))
        for (const text of shown) for (const form of [start, JSON.stringify(start).slice(1, -1)]) expect(text).not.toContain(form)
        expect(shown.some((text) => text.includes("Bearer ****"))).toBe(true)
      }
    })
  )

  it.effect("a 200's own data is left as it came, the token's characters in it included", () =>
    Effect.gen(function* () {
      const token = "abcdefgh\\"
      const answer = { body: { files: [`https://files.example.test/${token}.csv?sig=1`], cursor: `zz${token}` } }
      const page = yield* exportOnce([answer], { apiToken: Redacted.make(token) }).run
      expect(page).toEqual(Either.right({ files: [`https://files.example.test/${token}.csv?sig=1`], cursor: `zz${token}` }))
    })
  )

  it.effect("invalid JSON and an unexpected shape are InvalidResponse, quoting what came", () =>
    Effect.gen(function* () {
      const html = yield* exportOnce([{ body: "<html>502 Bad Gateway</html>" }]).run
      expect(html).toEqual(
        Either.left(
          new InvalidResponse({
            what: "exporting theme 2025-12-12T00:00Z..2025-12-13T00:00Z",
            message: "the API answered with invalid JSON: <html>502 Bad Gateway</html>"
          })
        )
      )
      const shape = yield* exportOnce([{ body: { files: "none" } }]).run
      expect(Either.isLeft(shape) && shape.left).toMatchObject({
        _tag: "InvalidResponse",
        message: expect.stringMatching(/^the API answered with an unexpected shape: .*files/s)
      })
    })
  )
})

describe("statusVerdict", () => {
  it("maps the API's and the file host's statuses, one table for both", () => {
    const api = [200, 204, 400, 401, 403, 404, 408, 429, 500, 503].map((s) => statusVerdict(s, "api", { aboutObject: true }))
    expect(api).toEqual([
      "ok",
      "ok",
      "rejected",
      "auth",
      "object-refused",
      "object-refused",
      "transient",
      "rate-limited",
      "transient",
      "transient"
    ])
    // The objects list is about no one object: a 403 there is the token's.
    expect([401, 403, 404].map((s) => statusVerdict(s, "api"))).toEqual(["auth", "auth", "rejected"])
    const host = [200, 401, 403, 404, 408, 429, 502].map((s) => statusVerdict(s, "file-host"))
    expect(host).toEqual(["ok", "rejected", "expired", "rejected", "transient", "rate-limited", "transient"])
  })
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
        Effect.zip(
          Effect.either(api.exportPage({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! })),
          api.listObjects
        )
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
      return yield* Effect.flatMap(EnterpretApi, (api) =>
        api.exportPage({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! })
      ).pipe(Effect.provide(layer), Effect.either)
    })

  it.effect.each<readonly [string, string]>([
    ["file:///etc/passwd", "the scheme file:, not http(s): file:///etc/passwd"],
    ["ftp://files.example.test/a.csv?sig=1", "the scheme ftp:, not http(s): ftp://files.example.test/a.csv"],
    [`data:text/csv,${"a,b%0A".repeat(100)}`, "the scheme data:, not http(s): data:text/csv,a,b%0A"],
    ["not a url", "not a URL: not a url"]
  ])("%s fails the page with a message (a defect before: every stream died silently)", ([url, says]) =>
    Effect.gen(function* () {
      const result = yield* page(["https://files.example.test/ok.csv?sig=1", url])
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "InvalidResponse",
        what: expect.stringMatching(/^exporting feedback /)
      })
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

describe("fileIdentity: which file a signed URL is, whatever its signature", () => {
  it.each([
    [
      "S3 SigV4: the path",
      "https://b.s3.amazonaws.com/org/f/2025-12-12.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F1&X-Amz-Date=20251212T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=t&X-Amz-Signature=abc",
      "https://b.s3.amazonaws.com/org/f/2025-12-12.csv"
    ],
    ["S3 SigV2, any case", "https://h/f.csv?AWSAccessKeyId=A&Expires=1&Signature=s&x-amz-security-token=t", "https://h/f.csv"],
    [
      "GCS V4",
      "https://storage.googleapis.com/b/f.csv?X-Goog-Algorithm=G&X-Goog-Date=d&X-Goog-Signature=s",
      "https://storage.googleapis.com/b/f.csv"
    ],
    ["GCS V2", "https://storage.googleapis.com/b/f.csv?GoogleAccessId=i&Expires=1&Signature=s", "https://storage.googleapis.com/b/f.csv"],
    [
      "Azure SAS: its stable fields kept",
      "https://a.blob.core.windows.net/c/f.csv?sv=2021-08-06&st=1&se=2&sr=b&sp=r&sig=x",
      "https://a.blob.core.windows.net/c/f.csv?sp=r&sr=b&sv=2021-08-06"
    ],
    ["CloudFront", "https://d.cloudfront.net/f.csv?Expires=1&Signature=s&Key-Pair-Id=K&Policy=p", "https://d.cloudfront.net/f.csv"],
    ["a file named in the query", "https://h/download?X-Amz-Signature=s&key=f1.csv", "https://h/download?key=f1.csv"],
    ["other parameters, in order of name", "https://h/d?z=1&a=2&X-Amz-Date=3", "https://h/d?a=2&z=1"],
    [
      "a scheme's short names only beside its signature",
      "https://h/d?st=a&policy=p&expires=1&X-Amz-Signature=s",
      "https://h/d?expires=1&policy=p&st=a"
    ],
    ["a name percent-encoded", "https://h/f.csv?X%2DAmz%2DSignature=s&k=1", "https://h/f.csv?k=1"],
    ["equal names in their order", "https://h/d?key=b&a=1&key=a", "https://h/d?a=1&key=b&key=a"],
    ["no query", "https://h/f.csv", "https://h/f.csv"],
    ["a fragment", "https://h/f.csv?k=1&sig=2#part", "https://h/f.csv?k=1"],
    ["a fragment before any query", "https://h/f.csv#x?k=1", "https://h/f.csv"]
  ])("%s", (_what, url, identity) => {
    expect(fileIdentity(url)).toBe(identity)
  })

  it("keeps apart files a host names by a parameter another scheme signs with", () => {
    expect(fileIdentity("https://h/d?st=a&X-Amz-Signature=1")).not.toBe(fileIdentity("https://h/d?st=b&X-Amz-Signature=2"))
    expect(fileIdentity("https://h/d?key=a&key=b")).not.toBe(fileIdentity("https://h/d?key=b&key=a"))
  })

  it("is the same for every signing of one file, and differs between files", () => {
    const signed = (key: string, at: number) => `https://h/download?key=${key}&X-Amz-Date=${at}&X-Amz-Signature=${at * 7}`
    expect(fileIdentity(signed("a.csv", 1))).toBe(fileIdentity(signed("a.csv", 2)))
    expect(fileIdentity(signed("a.csv", 1))).not.toBe(fileIdentity(signed("b.csv", 1)))
  })
})

describe("exportResponse: the usual export answer checked by hand, the rest by ExportResponse", () => {
  const schema = Schema.decodeUnknownEither(ExportResponse)
  it.each<readonly [string, unknown]>([
    ["files and a cursor", { files: ["https://a.test/1.csv", "https://a.test/2.csv"], cursor: "c2" }],
    ["the last page", { files: ["https://a.test/1.csv"] }],
    ["a null files list and a null cursor", { files: null, cursor: null }],
    ["an empty cursor", { files: [], cursor: "" }],
    ["an explicit undefined cursor", { files: [], cursor: undefined }],
    ["fields besides", { files: ["https://a.test/1.csv"], cursor: "c", total: 12, meta: { a: 1 } }],
    ["no files field", { cursor: "c" }],
    ["a file that is not a string", { files: ["https://a.test/1.csv", 7] }],
    ["a null file", { files: [null] }],
    ["files as an object", { files: { 0: "https://a.test/1.csv" } }],
    ["a numeric cursor", { files: [], cursor: 3 }],
    ["an array", [{ files: [] }]],
    ["a files list with a hole", { files: Object.assign(new Array<string>(2), { 1: "https://a.test/1.csv" }) }],
    ["a cursor only inherited", Object.assign(Object.create({ cursor: "inherited" }), { files: [] })],
    ["files only inherited", Object.create({ files: [] })],
    ["null", null],
    ["a string", "files"]
  ])("%s: the same value, or a failure, as the Schema gives", (_, json) => {
    const byHand = exportResponse(json)
    const bySchema = schema(json)
    expect(Either.isRight(byHand)).toBe(Either.isRight(bySchema))
    if (Either.isRight(byHand) && Either.isRight(bySchema)) expect(byHand.right).toStrictEqual(bySchema.right)
    if (Either.isLeft(byHand)) expect(byHand.left).toMatch(/^the API answered with an unexpected shape: /)
  })
})

describe("apiMessage: an error body reaches a message short (issue 15)", () => {
  it("cuts the API's own error message, not only bodies it cannot read", () => {
    const huge = JSON.stringify({ error: { code: "INVALID_REQUEST_ARGUMENT", message: "x".repeat(10_000_000) } })
    const message = apiMessage(huge)
    expect(message).toBe(`INVALID_REQUEST_ARGUMENT: ${"x".repeat(200 - "INVALID_REQUEST_ARGUMENT: ".length)}…`)
    expect(apiMessage('{"error":{"code":"NOT_FOUND","message":"no such object"}}')).toBe("NOT_FOUND: no such object")
    expect(apiMessage(`<html>${"y".repeat(1_000)}`)).toHaveLength(201)
  })
})

describe("ApiHttpClientLive: the API over real HTTP", () => {
  /** A local API: each export answer lists one file and a cursor for the next, three pages in all. */
  const serve = async (chunked: boolean) => {
    let connections = 0
    const server = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString()
      })
      request.on("end", () => {
        const page = Number((JSON.parse(body) as { cursor?: string }).cursor ?? "0")
        const answer = JSON.stringify({
          files: [`https://files.example.test/${page}.csv?sig=1`],
          cursor: page < 2 ? String(page + 1) : null
        })
        response.setHeader("content-type", "application/json")
        if (chunked) {
          // No Content-Length: read as a stream, bounded by MAX_ANSWER_BYTES as it comes.
          response.write(answer.slice(0, 10))
          response.end(answer.slice(10))
        } else {
          response.end(answer)
        }
      })
    })
    server.on("connection", () => connections++)
    return { baseUrl: `${await onLoopback(server)}/export`, connections: () => connections, close: () => server.close() }
  }

  it.each([
    ["with Content-Length", false],
    ["chunked", true]
  ])("%s: every page of a window is read, over one kept-alive connection", async (_, chunked) => {
    const api = await serve(chunked)
    try {
      const layer = EnterpretApiLive.pipe(
        Layer.provide(ApiRateLimiterLive),
        Layer.provide(
          Layer.provideMerge(
            ApiHttpClientLive,
            Layer.mergeAll(Layer.succeed(Settings, { ...settings, baseUrl: api.baseUrl }), TimingDefault)
          )
        )
      )
      const pages = await Effect.runPromise(
        exportPages({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! }).pipe(
          Stream.runCollect,
          Effect.provide(layer)
        )
      )
      expect([...pages].map(({ page }) => page.files)).toEqual([0, 1, 2].map((n) => [`https://files.example.test/${n}.csv?sig=1`]))
      expect(api.connections()).toBe(1)
    } finally {
      api.close()
    }
  })
})

describe("ApiHttpClientLive: what an API answer over real HTTP can do wrong", () => {
  /** A local API whose every answer `handle` writes; it records the requests and whether each ended early. */
  const serveWith = async (handle: (response: ServerResponse) => void) => {
    const requests: Array<{ readonly headers: Record<string, unknown>; readonly body: string; closed: boolean }> = []
    const server = createServer((request, response) => {
      const seen = { headers: request.headers as Record<string, unknown>, body: "", closed: false }
      requests.push(seen)
      response.on("close", () => {
        seen.closed = !response.writableFinished
      })
      request.on("data", (chunk: Buffer) => {
        seen.body += chunk.toString()
      })
      request.on("end", () => handle(response))
    })
    return {
      baseUrl: `${await onLoopback(server)}/export`,
      requests,
      close: () => {
        server.closeAllConnections()
        server.close()
      }
    }
  }
  const exportOnce = (baseUrl: string, overrides: Partial<SettingsShape> = {}) =>
    Effect.runPromise(
      Effect.flatMap(EnterpretApi, (api) =>
        api.exportPage({ objectId: "feedback", startMs: settings.startMs, endMs: settings.endMs! })
      ).pipe(
        Effect.provide(
          EnterpretApiLive.pipe(
            Layer.provide(ApiRateLimiterLive),
            Layer.provide(
              Layer.provideMerge(
                ApiHttpClientLive,
                Layer.mergeAll(Layer.succeed(Settings, { ...settings, baseUrl, ...overrides }), TimingDefault)
              )
            )
          )
        ),
        Effect.either
      )
    )

  it("sends the JSON body with its type and length, and the bearer token, to base_url", async () => {
    const api = await serveWith((response) => response.end('{"files":[]}'))
    try {
      const page = await exportOnce(api.baseUrl)
      expect(Either.getOrThrow(page)).toEqual({ files: [], cursor: undefined })
      const [sent] = api.requests
      expect(sent!.headers.authorization).toBe("Bearer secret-token")
      expect(sent!.headers["content-type"]).toBe("application/json")
      expect(Number(sent!.headers["content-length"])).toBe(Buffer.byteLength(sent!.body))
      expect(JSON.parse(sent!.body)).toEqual({ objectID: "feedback", startTime: "2025-12-12T00:00Z", endTime: "2025-12-13T00:00Z" })
    } finally {
      api.close()
    }
  })

  it.each([
    ["a Content-Length above the bound: not read at all", true],
    ["no Content-Length, more than the bound as it comes: cut there", false]
  ])("an answer larger than MAX_ANSWER_BYTES, %s, is an InvalidResponse", async (_, declared) => {
    const chunk = Buffer.alloc(1 << 20, 0x20)
    const api = await serveWith((response) => {
      if (declared) response.setHeader("content-length", String(MAX_ANSWER_BYTES + 1))
      // Written until the client goes: 64 MB would follow if it read on.
      let written = 0
      const more = () => {
        while (written < 64 * chunk.length && !response.destroyed) {
          written += chunk.length
          if (!response.write(chunk)) return response.once("drain", more)
        }
      }
      more()
    })
    try {
      const page = await exportOnce(api.baseUrl)
      expect(Either.isLeft(page) && page.left).toMatchObject({
        _tag: "InvalidResponse",
        message: expect.stringMatching(/^the API's answer was larger than 16 MB/)
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(api.requests[0]!.closed).toBe(true)
    } finally {
      api.close()
    }
  })

  it("a silent API fails after request_timeout_seconds as a TransientError, and the request is aborted", async () => {
    const api = await serveWith(() => undefined)
    try {
      const page = await exportOnce(api.baseUrl, { requestTimeoutMs: 200 })
      expect(Either.isLeft(page) && page.left).toMatchObject({ _tag: "TransientError", message: "no answer within 0.2 s" })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(api.requests[0]!.closed).toBe(true)
    } finally {
      api.close()
    }
  })

  it("a refused connection and an answer cut short are TransientErrors naming the fault", async () => {
    const refused = await exportOnce("http://127.0.0.1:9/export")
    expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "TransientError", message: expect.stringMatching(/ECONNREFUSED/) })
    const api = await serveWith((response) => {
      response.setHeader("content-length", "100")
      response.write('{"files":[')
      response.destroy()
    })
    try {
      const cut = await exportOnce(api.baseUrl)
      expect(Either.isLeft(cut) && cut.left._tag).toBe("TransientError")
    } finally {
      api.close()
    }
  })
})

describe("ApiHttpClientLive as an HttpClient: the answer, read whole, through each of HttpClientResponse's readers", () => {
  const clientLayer = (requestTimeoutMs: number) =>
    Layer.provideMerge(ApiHttpClientLive, Layer.succeed(Settings, { ...settings, requestTimeoutMs }))

  it("status, headers, cookies and the body as text, JSON, bytes, a stream and URL parameters", async () => {
    const server = createServer((_, response) => {
      response.statusCode = 201
      response.setHeader("content-type", "application/json")
      response.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"])
      response.end('{"files":["é"]}')
    })
    const url = `${await onLoopback(server)}/x`
    try {
      const read = await Effect.runPromise(
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const response = yield* http.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson({})))
          const chunks = yield* Stream.runCollect(response.stream)
          return {
            status: response.status,
            type: response.headers["content-type"],
            cookies: Cookies.toRecord(response.cookies),
            text: yield* response.text,
            json: yield* response.json,
            bytes: new TextDecoder().decode(yield* response.arrayBuffer),
            streamed: Buffer.concat([...chunks]).toString("utf8"),
            params: yield* response.urlParamsBody
          }
        }).pipe(Effect.provide(clientLayer(5_000)))
      )
      expect(read).toEqual({
        status: 201,
        type: "application/json",
        cookies: { a: "1", b: "2" },
        text: '{"files":["é"]}',
        json: { files: ["é"] },
        bytes: '{"files":["é"]}',
        streamed: '{"files":["é"]}',
        params: [['{"files":["é"]}', ""]]
      })
    } finally {
      server.close()
    }
  })

  it("each request goes to its own URL: the URL remembered from the last request is used only for the same URL, query and fragment", async () => {
    const seen: Array<string> = []
    const server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`)
      response.end("{}")
    })
    const base = await onLoopback(server)
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const send = (request: HttpClientRequest.HttpClientRequest) => Effect.flatMap(http.execute(request), (response) => response.text)
          yield* send(HttpClientRequest.post(`${base}/a`))
          yield* send(HttpClientRequest.post(`${base}/a`))
          yield* send(HttpClientRequest.get(`${base}/b`))
          yield* send(HttpClientRequest.post(`${base}/a`).pipe(HttpClientRequest.setUrlParam("page", "2")))
          yield* send(HttpClientRequest.post(`${base}/a`))
          yield* send(HttpClientRequest.post(`${base}/a?x=1`))
          yield* send(HttpClientRequest.post(`${base}/a`))
        }).pipe(Effect.provide(clientLayer(5_000)))
      )
      expect(seen).toEqual(["POST /a", "POST /a", "GET /b", "POST /a?page=2", "POST /a", "POST /a?x=1", "POST /a"])
    } finally {
      server.close()
    }
  })

  it("an interrupted request is closed at once, not left to its timeout", async () => {
    let closed = false
    const server = createServer((request) => {
      request.on("close", () => {
        closed = true
      })
    })
    const url = `${await onLoopback(server)}/x`
    try {
      const exit = await Effect.runPromise(
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const fiber = yield* Effect.fork(http.execute(HttpClientRequest.get(url)))
          yield* Effect.sleep(Duration.millis(100))
          return yield* Fiber.interrupt(fiber)
        }).pipe(Effect.provide(clientLayer(60_000)))
      )
      expect(Exit.isInterrupted(exit)).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(closed).toBe(true)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
