// A host whose TLS certificate Node cannot verify (a proxy intercepting TLS with its own CA, a
// self-signed test host) fails at once as CertificateRejected, a config_error that says how to
// mend it: retrying cannot change the answer (8 retries took 3 minutes, then promised a resume).
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Redacted, TestClock } from "effect"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:https"
import type { AddressInfo } from "node:net"
import { Settings } from "../src/config/settings.js"
import { TimingDefault } from "../src/config/timing.js"
import { ApiHttpClientLive } from "../src/enterpret/apiTransport.js"
import { EnterpretApi, EnterpretApiLive } from "../src/enterpret/client.js"
import { FileDownloader, FileDownloaderLive } from "../src/enterpret/download.js"
import { CertificateRejected, TransientError } from "../src/enterpret/errors.js"
import { ApiRateLimiterLive } from "../src/enterpret/rateLimiter.js"
import { RateLimitReporter } from "../src/enterpret/rateLimitReporter.js"
import { withRetry } from "../src/enterpret/retry.js"
import { certificateCode } from "../src/enterpret/status.js"
import { describeFailure } from "../src/sync/failures.js"
import { testSettings } from "./support/syncHarness.js"

/** A certificate for 127.0.0.1 signed by itself (openssl req -x509, 100 years): for tests only. */
const tls = {
  cert: readFileSync(new URL("./support/tls/selfSigned.cert.pem", import.meta.url)),
  key: readFileSync(new URL("./support/tls/selfSigned.key.pem", import.meta.url))
}

/** An HTTPS host with that certificate; counts the connections made to it (one an attempt). */
const selfSignedHost = () =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly attempts: () => number; readonly server: Server }>((resume) => {
      let attempts = 0
      const server = createServer(tls, (_, response) => response.end("record_id\n1\n"))
      server.on("connection", () => attempts++)
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts: () => attempts, server }))
      )
    }),
    ({ server }) =>
      Effect.sync(() => {
        server.closeAllConnections()
        server.close()
      })
  )

describe("a host whose certificate Node cannot verify", () => {
  it.live("the API: CertificateRejected at once, no retry, though max_retries allows 3", () =>
    Effect.gen(function* () {
      const host = yield* selfSignedHost()
      const settings = testSettings({ baseUrl: `${host.url}/export`, apiToken: Redacted.make("secret-token"), maxRetries: 3 })
      const layer = EnterpretApiLive.pipe(
        Layer.provide(ApiRateLimiterLive),
        Layer.provideMerge(ApiHttpClientLive),
        Layer.provide(Layer.mergeAll(Layer.succeed(Settings, settings), TimingDefault))
      )
      const started = Date.now()
      const result = yield* Effect.flatMap(EnterpretApi, (api) => api.exportPage({ objectId: "theme", startMs: 0, endMs: 3_600_000 })).pipe(
        Effect.either,
        Effect.provide(layer)
      )
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "CertificateRejected", code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      expect(host.attempts()).toBe(1)
      // The backoff before a first retry is 1 s or more.
      expect(Date.now() - started).toBeLessThan(1_000)
    }).pipe(Effect.scoped)
  )

  it.live("the file host: CertificateRejected, not a TransientError", () =>
    Effect.gen(function* () {
      const host = yield* selfSignedHost()
      const result = yield* Effect.flatMap(FileDownloader, (downloader) =>
        downloader.download<never, never>(`${host.url}/f.csv?X-Amz-Signature=s`, { onSize: () => undefined, onChunk: () => undefined })
      ).pipe(Effect.either, Effect.provide(FileDownloaderLive.pipe(Layer.provide(Layer.succeed(Settings, testSettings())))))
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "CertificateRejected",
        what: `downloading ${host.url}/f.csv`,
        code: "DEPTH_ZERO_SELF_SIGNED_CERT"
      })
    }).pipe(Effect.scoped)
  )

  it.effect("is not retried by the retry module every download and export request goes through", () =>
    Effect.gen(function* () {
      let runs = 0
      const rejected = Effect.suspend(() => {
        runs++
        return Effect.fail(
          new CertificateRejected({ what: "downloading f.csv", code: "CERT_HAS_EXPIRED", message: "certificate has expired" })
        )
      })
      const result = yield* withRetry(rejected, { maxRetries: 3, baseMs: 1 }).pipe(
        Effect.either,
        Effect.provideService(RateLimitReporter, { waiting: () => Effect.void })
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("CertificateRejected")
      expect(runs).toBe(1)
      // The same module retries a transient fault.
      runs = 0
      const transient = Effect.suspend(() => {
        runs++
        return Effect.fail(new TransientError({ what: "downloading f.csv", message: "ECONNRESET" }))
      })
      const fiber = yield* Effect.fork(
        withRetry(transient, { maxRetries: 3, baseMs: 1 }).pipe(Effect.provideService(RateLimitReporter, { waiting: () => Effect.void }))
      )
      yield* TestClock.adjust("10 minutes")
      yield* Fiber.await(fiber)
      expect(runs).toBe(4)
    })
  )

  it("is a config_error that says retrying will not help and how to give Node a proxy's CA", () => {
    const report = describeFailure(
      new CertificateRejected({
        what: "exporting theme",
        code: "SELF_SIGNED_CERT_IN_CHAIN",
        message: "SELF_SIGNED_CERT_IN_CHAIN self-signed certificate in certificate chain"
      })
    )
    expect(report.failureType).toBe("config_error")
    expect(report.message).toContain("While exporting theme, the host's TLS certificate could not be verified")
    expect(report.message).toContain("NODE_EXTRA_CA_CERTS")
    expect(describeFailure(new TransientError({ what: "exporting theme", message: "ECONNRESET" })).failureType).toBe("transient_error")
  })

  it("certificateCode knows Node's codes for a certificate, also as a cause, and nothing else", () => {
    const coded = (code: string, cause?: unknown) => Object.assign(new Error(code, { cause }), { code })
    expect(certificateCode(coded("CERT_HAS_EXPIRED"))).toBe("CERT_HAS_EXPIRED")
    expect(certificateCode(new Error("request failed", { cause: coded("ERR_TLS_CERT_ALTNAME_INVALID") }))).toBe(
      "ERR_TLS_CERT_ALTNAME_INVALID"
    )
    expect(certificateCode(coded("ECONNRESET"))).toBeUndefined()
    expect(certificateCode("DEPTH_ZERO_SELF_SIGNED_CERT")).toBeUndefined()
  })
})
