// Helpers for tests that read under faults: run a read, pick its errors and statuses apart, carry
// its last states into the next run, and find records emitted twice.
import { expect } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { type CliRun, type RunOptions, runCli, writeInputs } from "./cli.js"
import { END, START } from "./fixture.js"
import { stateOf } from "./invariants.js"
import type { AirbyteMessage } from "./protocol.js"
import { type Replica, recordsOf, withoutInjected } from "./replica.js"

export const START_ISO = START.replace("Z", ":00Z")
export const END_ISO = END.replace("Z", ":00Z")

/**
 * Runs `check` with this config and holds it to the contract: exit 0, exactly one
 * CONNECTION_STATUS, no stack trace on stderr. Returns the status with the run.
 */
export const check = async (config: unknown) => {
  const inputs = writeInputs({ config })
  const run = await runCli(["check", "--config", inputs.config!])
  expect(run.code, run.stderr).toBe(0)
  expect(run.messages).toHaveLength(1)
  expectNoStackTrace(run.stderr)
  const status = run.messages[0]!.connectionStatus as { status: string; message: string }
  return { ...status, run }
}

/** Runs `read` with these inputs; `state` is left out when undefined. */
export const read = (inputs: { config: unknown; catalog: unknown; state?: unknown }, options: RunOptions = {}): Promise<CliRun> => {
  const files = writeInputs(inputs.state === undefined ? { config: inputs.config, catalog: inputs.catalog } : inputs)
  const args = ["read", "--config", files.config!, "--catalog", files.catalog!]
  if (files.state !== undefined) args.push("--state", files.state)
  return runCli(args, options)
}

export interface TraceError {
  readonly message: string
  readonly failure_type: string
  readonly internal_message?: string
  readonly stream_descriptor?: { readonly name: string }
}

export const traceErrors = (messages: ReadonlyArray<AirbyteMessage>): Array<TraceError> =>
  messages.flatMap((m) => {
    const trace = m.trace as { type: string; error?: TraceError } | undefined
    return m.type === "TRACE" && trace?.type === "ERROR" && trace.error ? [trace.error] : []
  })

export interface StreamStatus {
  readonly status: string
  readonly reasons?: ReadonlyArray<{ type: string; rate_limited?: { quota_reset?: number } }>
}

/** The STREAM_STATUS traces of one stream, in order. */
export const statuses = (messages: ReadonlyArray<AirbyteMessage>, stream: string): Array<StreamStatus> =>
  messages.flatMap((m) => {
    const trace = m.trace as { type: string; stream_status?: StreamStatus & { stream_descriptor: { name: string } } } | undefined
    const s = m.type === "TRACE" && trace?.type === "STREAM_STATUS" ? trace.stream_status : undefined
    return s !== undefined && s.stream_descriptor.name === stream ? [s] : []
  })

export const finalStatus = (messages: ReadonlyArray<AirbyteMessage>, stream: string) => statuses(messages, stream).at(-1)?.status

/** The last STATE of each stream, merged over `previous`: what Airbyte would pass to the next run. */
export const carryState = (previous: ReadonlyMap<string, unknown>, messages: ReadonlyArray<AirbyteMessage>): Map<string, unknown> => {
  const next = new Map(previous)
  for (const m of messages) if (m.type === "STATE") next.set(stateOf(m).stream, m.state)
  return next
}

/** `stream record_id@window_end` of every record emitted more than once in these messages. */
export const duplicates = (messages: ReadonlyArray<AirbyteMessage>): Array<string> => {
  const seen = new Set<string>()
  return emittedPairs(messages).filter((pair) => {
    if (seen.has(pair)) return true
    seen.add(pair)
    return false
  })
}

const pairOf = (stream: string, recordId: string, windowEnd: string) => `${stream} ${recordId}@${windowEnd}`

/** `stream record_id@window_end` of every record in these messages, in order. */
export const emittedPairs = (messages: ReadonlyArray<AirbyteMessage>): Array<string> =>
  recordsOf(messages).map(({ stream, data }) => pairOf(stream, data.record_id as string, data._ab_export_window_end as string))

/**
 * The records of windows that each stream had checkpointed by the end of the run: a later run
 * from its states must never emit these again.
 */
export const committed = (messages: ReadonlyArray<AirbyteMessage>): Array<string> => {
  const cursors = new Map<string, string>()
  for (const m of messages) if (m.type === "STATE") cursors.set(stateOf(m).stream, stateOf(m).cursor)
  return recordsOf(messages)
    .filter(({ stream, data }) => {
      const cursor = cursors.get(stream)
      return cursor !== undefined && (data._ab_export_window_end as string) <= cursor
    })
    .map(({ stream, data }) => pairOf(stream, data.record_id as string, data._ab_export_window_end as string))
}

/**
 * What a read of `[start, end)` in windows of `windowHours` must emit, each exactly once: every
 * window delivers the latest version of each record changed in it.
 */
export const expectedPairs = (
  emulator: Emulator,
  streams: ReadonlyArray<string>,
  windowHours: number,
  start = START_ISO,
  end = END_ISO
): Array<string> => {
  const pairs: Array<string> = []
  const step = windowHours * 3_600_000
  for (const stream of streams) {
    for (let from = Date.parse(start); from < Date.parse(end); from += step) {
      const to = `${new Date(Math.min(from + step, Date.parse(end))).toISOString().slice(0, 19)}Z`
      for (const id of emulator.groundTruth(stream, new Date(from), to).keys()) pairs.push(pairOf(stream, id, to))
    }
  }
  return pairs
}

/** Every stream of `streams` in the replica equals the emulator's truth for [start, end). */
export const expectReplicaMatches = (
  emulator: Emulator,
  replica: Replica,
  streams: ReadonlyArray<string>,
  start = START_ISO,
  end = END_ISO
) => {
  for (const stream of streams) {
    const truth = emulator.groundTruth(stream, start, end)
    expect(truth.size, `${stream} has data in the emulator`).toBeGreaterThan(0)
    expect(withoutInjected(replica.get(stream)), `replica of ${stream}`).toEqual(truth)
  }
}

/** stderr holds no stack trace (lines like "    at f (file.js:1:2)"). */
export const expectNoStackTrace = (stderr: string) => {
  expect(stderr, "a stack trace on stderr").not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}
