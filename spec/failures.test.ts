import { Cause, Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../src/config/inputFile.js"
import {
  ApiAuthError,
  ApiRequestError,
  DownloadRejected,
  InvalidResponse,
  ObjectRefused,
  RateLimited,
  TransientError,
  UnreadableBody,
  UrlExpired
} from "../src/enterpret/errors.js"
import { PassThrough } from "node:stream"
import { makeMessageOutput, OutputClosed } from "../src/output/writer.js"
import { defectAsFailure, describeFailure, FileContentError, InternalError, type SyncError } from "../src/sync/failures.js"

const cases: ReadonlyArray<readonly [SyncError, string, RegExp]> = [
  [
    new InputError({ file: "c.json", message: "Config file c.json is invalid: window_hours: …" }),
    "config_error",
    /^Config file c\.json is invalid/
  ],
  [new ApiAuthError({ status: 401, message: "HTTP 401" }), "config_error", /401 UNAUTHORIZED.*Check api_token/],
  [new ApiAuthError({ status: 403, message: "HTTP 403" }), "config_error", /403 FORBIDDEN.*Export API access/],
  [
    new ObjectRefused({ objectId: "retired_object", status: 404, code: "NOT_FOUND", detail: "no such object", message: "HTTP 404" }),
    "config_error",
    /no exportable object retired_object \(404 NOT_FOUND: no such object\).*The other streams go on\.$/
  ],
  [
    new ObjectRefused({ objectId: "theme", status: 403, code: "FORBIDDEN", detail: "no access to object theme", message: "HTTP 403" }),
    "config_error",
    /^Enterpret refused to export theme \(403 FORBIDDEN: no access to object theme\)\..*remove the stream theme.*The other streams go on\.$/
  ],
  [
    new ObjectRefused({ objectId: "theme", status: 403, detail: "<html>denied</html>", message: "HTTP 403" }),
    "config_error",
    /^Enterpret refused to export theme \(403 FORBIDDEN: <html>denied<\/html>\)/
  ],
  [
    new ApiRequestError({ status: 400, message: "exporting x: HTTP 400 INVALID_REQUEST_ARGUMENT: endTime" }),
    "system_error",
    /rejected a request: exporting x: HTTP 400 INVALID_REQUEST_ARGUMENT: endTime$/
  ],
  [
    new InvalidResponse({ what: "exporting x", message: "the API repeated a cursor" }),
    "system_error",
    /^While exporting x, the API repeated a cursor$/
  ],
  [new RateLimited({ what: "exporting x" }), "transient_error", /Still rate limited \(429\) after every retry while exporting x/],
  [
    new TransientError({ what: "exporting x", message: "HTTP 503" }),
    "transient_error",
    /^Gave up after retries while exporting x: HTTP 503\. The next sync resumes/
  ],
  [new UrlExpired({ file: "https://f/a.csv" }), "transient_error", /signed URL of https:\/\/f\/a\.csv kept expiring/],
  [
    new UrlExpired({ file: "https://f/a.csv", status: 400, code: "ExpiredToken" }),
    "transient_error",
    /signed URL of https:\/\/f\/a\.csv kept expiring \(HTTP 400 ExpiredToken from the file host\)/
  ],
  [
    new DownloadRejected({ file: "https://f/a.csv", status: 404, code: "NoSuchKey", detail: "The specified key does not exist." }),
    "system_error",
    /^The file host answered HTTP 404 NoSuchKey \(The specified key does not exist\.\) for https:\/\/f\/a\.csv\.$/
  ],
  [
    new UnreadableBody({ file: "https://f/a.csv", detail: "an HTML page (Content-Type: text/html), not CSV" }),
    "system_error",
    /^The file host sent an HTML page \(Content-Type: text\/html\), not CSV for https:\/\/f\/a\.csv; no record of it was emitted/
  ],
  [
    new DownloadRejected({ file: "https://f/a.csv", status: 404 }),
    "system_error",
    /^The file host answered HTTP 404 for https:\/\/f\/a\.csv\.$/
  ],
  [
    new FileContentError({ stream: "s", file: "https://f/a.csv", line: 3, detail: "3 cells, the header has 2" }),
    "system_error",
    /^Stream s: file https:\/\/f\/a\.csv, line 3: 3 cells/
  ]
]

describe("describeFailure: one message and failure_type per tagged error", () => {
  it.each(cases)("%s", (error, failureType, message) => {
    const report = describeFailure(error)
    expect(report.failureType).toBe(failureType)
    expect(report.message).toMatch(message)
    expect(report.internal.length).toBeGreaterThan(0)
  })
})

describe("defectAsFailure: no silent deaths (issue 15)", () => {
  it("turns a defect into an InternalError reported as a system_error, short and without a stack", () => {
    const exit = Effect.runSyncExit(defectAsFailure(new TypeError(`Protocol "file:" not supported. ${"x".repeat(1_000)}`)))
    const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
    expect(Option.isSome(error) && error.value).toBeInstanceOf(InternalError)
    const report = describeFailure(Option.getOrThrow(error))
    expect(report.failureType).toBe("system_error")
    // Cut between words: the 1,000 x's straddle the 300th character and are left out whole.
    expect(report.message).toMatch(
      /^The connector met an internal error \(TypeError: Protocol "file:" not supported\.…\)\. Please report it/
    )
    expect(report.message.length).toBeLessThan(450)
    expect(report.message).not.toMatch(/\n\s+at /)
  })

  it("never cuts a token: wherever the 300th character falls in it, the written message keeps none of it", () => {
    const token = "Zq8xW3kP0vR7mT2yL9nB4cF6"
    const output = makeMessageOutput(new PassThrough())
    Effect.runSync(output.redact(token))
    const shown = (defect: Error) => {
      const exit = Effect.runSyncExit(defectAsFailure(defect))
      const error = Option.getOrThrow(Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none())
      return output.mask(describeFailure(error).message)
    }
    for (let before = 300 - token.length - "Error: ".length - 8; before <= 300; before++) {
      const defect = new Error(`${"a ".repeat(before >> 1)}${before % 2 === 0 ? "" : "b"}Bearer ${token} was refused`)
      const text = shown(defect)
      expect(text).not.toContain(token.slice(0, 4))
      // Within the first 300 characters, the token is kept whole (and masked); else cut before it.
      const fits = `Error: ${defect.message}`.indexOf(token) + token.length <= 300
      expect(text.includes("Bearer ****")).toBe(fits)
      expect(text).toMatch(/…\)\. Please report it/)
    }
    // Never half a character: a cut before a low surrogate would keep its high surrogate alone.
    // ("Error: " and 291 a's and a space are 299 characters: the emoji's halves are the 300th and 301st.)
    const emoji = shown(new Error(`${"a".repeat(291)} \u{1F600} rest`))
    expect(emoji).toContain(`${"a".repeat(291)} …`)
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
    // A defect that is one long word shows none of it.
    expect(shown(new Error(`x${token.repeat(20)}`))).toContain("(Error:…)")
  })

  it("leaves a closed stdout a defect: the command must stop, nothing can be reported", () => {
    const closed = new OutputClosed({ cause: { code: "EPIPE" } })
    const exit = Effect.runSyncExit(defectAsFailure(closed))
    expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBe(closed)
    expect(Exit.isFailure(exit) && Option.isNone(Cause.failureOption(exit.cause))).toBe(true)
  })
})
