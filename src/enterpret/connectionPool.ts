import { Effect } from "effect"
import { type AgentOptions, type ClientRequest, Agent as HttpAgent, type IncomingMessage } from "node:http"
import { Agent as HttpsAgent } from "node:https"
import type { Duplex } from "node:stream"

/**
 * How long a kept-alive connection may wait in the pool for its next request. Node's own servers
 * close an idle one after 5 s and say so (`Keep-Alive: timeout=5`, honoured below, less a second);
 * S3 keeps one for about 20 s. A connection closed by the host just as it is reused fails that
 * request with a reset, which the retry takes, so the pool lets go first.
 */
export const IDLE_CONNECTION_MS = 4_000

/**
 * How often idle connections are looked at: one past its time is closed within this much more.
 * Half a second, so that a connection a Node server keeps for 5 s (4 s here) is gone by 4.5 s.
 */
const SWEEP_MS = 500

/**
 * The kept-alive connections of one pool that wait for a request, each with the time it must be
 * closed by. One repeating timer, running only while some connection waits, closes those past
 * their time. This replaces the agents' `timeout` option, which also set a socket timeout on
 * every connection for every request it carried and a `timeout` listener on each request: 1000
 * files of 0.2 MB over 4 connections cost 60 ms more CPU with it (590 against 650 ms, the
 * downloads alone against the emulator on loopback).
 */
const makeIdleConnections = () => {
  const waiting = new Map<Duplex, number>()
  /** Shorter times a host asked for (`Keep-Alive: timeout=N`), by connection. */
  const asked = new WeakMap<Duplex, number>()
  let sweeper: ReturnType<typeof setInterval> | undefined
  const sweep = () => {
    const now = Date.now()
    for (const [connection, closeBy] of waiting) {
      if (connection.destroyed) waiting.delete(connection)
      else if (closeBy <= now) {
        waiting.delete(connection)
        // As if the host had closed it: the agent drops a pooled connection that closes.
        connection.destroy()
      }
    }
    if (waiting.size === 0) stop()
  }
  const stop = () => {
    clearInterval(sweeper)
    sweeper = undefined
  }
  return {
    parked: (connection: Duplex) => {
      waiting.set(connection, Date.now() + (asked.get(connection) ?? IDLE_CONNECTION_MS))
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, SWEEP_MS)
        // Waiting connections keep nothing alive (Node unrefs them), nor does their sweeper.
        sweeper.unref()
      }
    },
    taken: (connection: Duplex) => {
      waiting.delete(connection)
    },
    /** Notes a host's `Keep-Alive: timeout=N` when it is below IDLE_CONNECTION_MS, less a second as Node does. */
    answered: (answer: IncomingMessage) => {
      const hint = answer.headers["keep-alive"]
      if (typeof hint !== "string") return
      const seconds = /(?:^|[,\s])timeout=(\d+)/i.exec(hint)?.[1]
      const ms = seconds === undefined ? undefined : Number(seconds) * 1000 - 1000
      if (ms !== undefined && ms < IDLE_CONNECTION_MS) asked.set(answer.socket, Math.max(0, ms))
    },
    stop
  }
}

type IdleConnections = ReturnType<typeof makeIdleConnections>

/**
 * An agent of `Base`'s kind (node:http's, or node:https's, which extends it) in a subclass that keeps `idle` told,
 * through Node's documented hooks for one: keepSocketAlive when a connection goes back to the pool
 * (a falsy answer closes it instead; false when the host's Keep-Alive timeout is a second or
 * less), reuseSocket when it is taken for a request.
 */
const pooledAgent = (Base: new (options: AgentOptions) => HttpAgent, idle: IdleConnections): HttpAgent => {
  class PooledAgent extends Base {
    override keepSocketAlive(socket: Duplex): boolean {
      // Typed `void` by @types/node; Node documents the boolean it returns.
      const kept = (super.keepSocketAlive(socket) as unknown) !== false
      if (kept) idle.parked(socket)
      return kept
    }
    override reuseSocket(socket: Duplex, request: ClientRequest): void {
      idle.taken(socket)
      super.reuseSocket(socket, request)
    }
  }
  return new PooledAgent({ keepAlive: true, scheduling: "lifo" })
}

/**
 * Node's own HTTP client's connection pools (node:http, node:https), one for each scheme, for the
 * file host (download.ts) and the Export API (apiTransport.ts): NodeHttpClient's default agent did
 * not keep connections alive, so every file paid a TCP (and, on S3, a TLS) handshake. A pool keeps
 * one connection per concurrent request open from request to request, the most recently used
 * first, and closes one that has waited IDLE_CONNECTION_MS (or less, as the host asks). Each
 * answer goes to `answered` for its Keep-Alive hint. Closed when the scope ends.
 */
export const keepAliveAgents = Effect.acquireRelease(
  Effect.sync(() => {
    const idle = makeIdleConnections()
    return { http: pooledAgent(HttpAgent, idle), https: pooledAgent(HttpsAgent, idle), answered: idle.answered, idle }
  }),
  (agents) =>
    Effect.sync(() => {
      agents.idle.stop()
      agents.http.destroy()
      agents.https.destroy()
    })
)
