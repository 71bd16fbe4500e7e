// FileDownloader over the real NodeHttpClient: each body is read from Node's IncomingMessage, not
// through an Effect Stream adapted back to a Node stream (NodeStream.toReadable), which cost 17%
// more CPU and 22-29 MB more peak RSS (download.ts, fileHostClient). The adapter is wrapped in a
// spy to tell the two paths apart.
import { HttpClientRequest } from "@effect/platform"
import { NodeHttpClient, NodeStream } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { IncomingMessage, createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { beforeEach, vi } from "vitest"
import { Settings } from "../src/config/settings.js"
import { FileDownloader, FileDownloaderLive, fileHostClient, incomingMessage } from "../src/enterpret/download.js"
import { fakeHttp } from "./support/fakeHttp.js"
import { testSettings } from "./support/syncHarness.js"

vi.mock("@effect/platform-node", async (importOriginal) => {
  const original = await importOriginal<typeof import("@effect/platform-node")>()
  return { ...original, NodeStream: { ...original.NodeStream, toReadable: vi.fn(original.NodeStream.toReadable) } }
})
const adapted = vi.mocked(NodeStream.toReadable)
beforeEach(() => {
  adapted.mockClear()
})

const settings = testSettings({ maxRetries: 0, requestTimeoutMs: 5_000 })

/** A file host on loopback serving `body` at every path. */
const fileHost = (body: Uint8Array) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
      const server = createServer((_, res) => {
        res.writeHead(200, { "content-type": "text/csv", "content-length": String(body.length) })
        res.end(body)
      })
      server.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/f.csv?sig=1`, close: () => server.close() })
        )
      )
    }),
    (host) => Effect.sync(host.close)
  )

/** Every chunk the downloader hands on, copied, and the size it was told. */
const downloadAll = (url: string) =>
  Effect.gen(function* () {
    const chunks: Array<Uint8Array> = []
    let size: number | undefined
    yield* Effect.flatMap(FileDownloader, (d) =>
      d.download(url, {
        onSize: (bytes) =>
          Effect.sync(() => {
            size = bytes
          }),
        onChunk: (chunk) => Effect.sync(() => void chunks.push(Uint8Array.from(chunk)))
      })
    )
    return { body: Buffer.concat(chunks), chunks: chunks.length, size }
  })

describe("FileDownloader: the body straight from the socket", () => {
  it.scoped("the file host's client answers with NodeHttpClient's own IncomingMessage", () =>
    Effect.gen(function* () {
      const host = yield* fileHost(new Uint8Array(10))
      const http = yield* fileHostClient
      const response = yield* http.execute(HttpClientRequest.get(host.url))
      expect(response.status).toBe(200)
      expect(incomingMessage(response)).toBeInstanceOf(IncomingMessage)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.live("over NodeHttpClient, downloads every byte in order without adapting an Effect Stream", () =>
    Effect.gen(function* () {
      const body = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) % 251)
      const host = yield* fileHost(body)
      const got = yield* downloadAll(host.url).pipe(
        Effect.provide(FileDownloaderLive.pipe(Layer.provide(Layer.mergeAll(Layer.succeed(Settings, settings), NodeHttpClient.layer))))
      )
      expect(got.size).toBe(body.length)
      expect(got.chunks).toBeGreaterThan(1)
      expect(got.body.equals(body)).toBe(true)
      expect(adapted).not.toHaveBeenCalled()
    }).pipe(Effect.scoped)
  )

  it.live("a client without an IncomingMessage (a test's fake) goes through the adapter, to the same bytes", () =>
    Effect.gen(function* () {
      const http = fakeHttp(() => ({ status: 200, body: "id,text\n1,a\n" }))
      const got = yield* downloadAll("https://files.test/a.csv?sig=1").pipe(
        Effect.provide(FileDownloaderLive.pipe(Layer.provide(Layer.mergeAll(Layer.succeed(Settings, settings), http.layer))))
      )
      expect(got.body.toString()).toBe("id,text\n1,a\n")
      expect(adapted).toHaveBeenCalledTimes(1)
    })
  )
})
