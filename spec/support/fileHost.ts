import { Effect } from "effect"
import { type IncomingHttpHeaders, type ServerResponse, createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface SeenRequest {
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** Which TCP connection carried it, counted from 1 in the order they were opened. */
  readonly connection: number
}

/**
 * A file host on loopback for the FileDownloader's tests: `answer` writes each response as it
 * likes (status, headers, a body cut short, silence). Every request is recorded in `seen`. Closed,
 * its connections with it, when the test's scope ends.
 */
export const fileHost = (answer: (response: ServerResponse, request: SeenRequest) => void) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: (path: string) => string
      readonly seen: Array<SeenRequest>
      /** When each connection closed (epoch ms), in the order they did. */
      readonly closedAt: Array<number>
      readonly close: () => void
    }>((resume) => {
      const seen: Array<SeenRequest> = []
      const closedAt: Array<number> = []
      let connections = 0
      const server = createServer()
      server.on("connection", (socket) => {
        const connection = ++connections
        ;(socket as { connectionNumber?: number }).connectionNumber = connection
        socket.on("close", () => closedAt.push(Date.now()))
      })
      server.on("request", (req, res) => {
        const connection = (req.socket as { connectionNumber?: number }).connectionNumber ?? 0
        const request = { url: req.url ?? "", headers: req.headers, connection }
        seen.push(request)
        answer(res, request)
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resume(
          Effect.succeed({
            url: (path: string) => `http://127.0.0.1:${port}${path}`,
            seen,
            closedAt,
            close: () => {
              server.closeAllConnections()
              server.close()
            }
          })
        )
      })
    }),
    (host) => Effect.sync(host.close)
  )
