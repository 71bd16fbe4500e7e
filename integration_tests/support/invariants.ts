// The contract's promises about a read's message sequence, checked on every read a test makes.
import { expect } from "vitest"
import type { AirbyteMessage } from "./protocol.js"

interface StateBody {
  stream: { stream_descriptor: { name: string }; stream_state: { _ab_export_window_end: string } }
  sourceStats: { recordCount: number }
}

export const stateOf = (message: AirbyteMessage) => {
  const body = message.state as StateBody
  return {
    stream: body.stream.stream_descriptor.name,
    cursor: body.stream.stream_state._ab_export_window_end,
    count: body.sourceStats.recordCount
  }
}

const statusOf = (message: AirbyteMessage) => {
  const trace = message.trace as { type: string; stream_status?: { stream_descriptor: { name: string }; status: string } }
  return trace.type === "STREAM_STATUS" ? trace.stream_status : undefined
}

/**
 * Per stream: STARTED, then RUNNING before any record, then COMPLETE or INCOMPLETE last; every
 * STATE counts exactly the records since the previous one; the cursor never goes backwards; two
 * equal STATEs never enclose records; no record follows the stream's last STATE on completion.
 */
export const expectReadInvariants = (messages: ReadonlyArray<AirbyteMessage>) => {
  const streams = new Map<string, { statuses: string[]; sinceState: number; lastCursor?: string; recordsAfterLast: number }>()
  const of = (name: string) => {
    let s = streams.get(name)
    if (s === undefined) {
      s = { statuses: [], sinceState: 0, recordsAfterLast: 0 }
      streams.set(name, s)
    }
    return s
  }
  for (const message of messages) {
    if (message.type === "RECORD") {
      const s = of((message.record as { stream: string }).stream)
      expect(s.statuses, "a record before its stream's RUNNING status").toContain("RUNNING")
      expect(s.statuses.at(-1), "a record after its stream ended").not.toMatch(/COMPLETE/)
      s.sinceState++
    } else if (message.type === "STATE") {
      const { stream, cursor, count } = stateOf(message)
      const s = of(stream)
      expect(count, `recordCount of ${stream} at ${cursor}`).toBe(s.sinceState)
      if (s.lastCursor !== undefined) {
        expect(cursor >= s.lastCursor, `${stream} cursor went back from ${s.lastCursor} to ${cursor}`).toBe(true)
        if (cursor === s.lastCursor) expect(count, `records between two equal STATEs of ${stream}`).toBe(0)
      }
      s.lastCursor = cursor
      s.sinceState = 0
    } else if (message.type === "TRACE") {
      const status = statusOf(message)
      if (status !== undefined) of(status.stream_descriptor.name).statuses.push(status.status)
    }
  }
  for (const [name, s] of streams) {
    expect(s.statuses[0], `${name} first status`).toBe("STARTED")
    const last = s.statuses.at(-1)
    expect(["COMPLETE", "INCOMPLETE"], `${name} last status`).toContain(last)
    if (last === "COMPLETE") expect(s.sinceState, `records of ${name} after its last STATE`).toBe(0)
  }
}

/** Fails when the secret appears anywhere in what the connector wrote. */
export const expectNoSecret = (secret: string, ...outputs: ReadonlyArray<string>) => {
  for (const output of outputs) expect(output.includes(secret), "the API token appeared in the output").toBe(false)
}
