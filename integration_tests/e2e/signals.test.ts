// Issue #4: SIGTERM or SIGINT during `read` stops it promptly, non-zero, with no STATE for an
// unfinished window; a rerun from the last states emitted completes the replica exactly.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { ofType } from "../support/cli.js"
import { catalogFor, configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants } from "../support/invariants.js"
import {
  carryState,
  committed,
  emittedPairs,
  expectedPairs,
  expectNoStackTrace,
  expectReplicaMatches,
  finalStatus,
  read,
  statuses
} from "../support/reads.js"
import { upsert } from "../support/replica.js"

const STREAMS = ["feedback_record", "theme", "feedback_summary"]

let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator()
})
afterAll(() => emulator.close())

describe("interrupting a read", () => {
  it.each([
    "SIGTERM",
    "SIGINT"
  ] as const)("%s mid-read: prompt non-zero exit, no STATE past the data, a rerun completes exactly", async (signal) => {
    emulator.faults.reset()
    const config = configFor(emulator, { window_hours: 3 })
    let killedAt = 0
    let records = 0
    const first = await read(
      { config, catalog: catalogFor(STREAMS) },
      {
        onMessage: (message, child) => {
          if (message.type === "RECORD" && ++records === 60) {
            killedAt = Date.now()
            child.kill(signal)
          }
        }
      }
    )
    expect(killedAt, "the read was interrupted before it ended").toBeGreaterThan(0)
    expect(first.code, first.stderr).not.toBe(0)
    expect(first.code, "the connector exited by itself, not by the signal's default action").not.toBeNull()
    expect(Date.now() - killedAt, "stopped promptly").toBeLessThan(5_000)
    expectReadInvariants(first.messages)
    expectNoSecret(emulator.token, first.stdout, first.stderr)
    expectNoStackTrace(first.stderr)
    expect(STREAMS.some((s) => finalStatus(first.messages, s) === "INCOMPLETE")).toBe(true)

    const second = await read({ config, catalog: catalogFor(STREAMS), state: [...carryState(new Map(), first.messages).values()] })
    expect(second.code, second.stderr).toBe(0)
    expectReadInvariants(second.messages)
    // Nothing checkpointed is read again; together the runs hold every record of every window.
    const again = new Set(emittedPairs(second.messages))
    expect(committed(first.messages).filter((pair) => again.has(pair))).toEqual([])
    expect([...committed(first.messages), ...emittedPairs(second.messages)].sort()).toEqual(expectedPairs(emulator, STREAMS, 3).sort())
    expectReplicaMatches(emulator, upsert(upsert(new Map(), first.messages), second.messages), STREAMS)
  })

  it("SIGTERM while waiting out a long Retry-After stops at once", async () => {
    emulator.faults.reset()
    emulator.faults.rateLimitBurst("export", 1, 60)
    let killedAt = 0
    const run = await read(
      { config: configFor(emulator), catalog: catalogFor(["theme"]) },
      {
        onMessage: (message, child) => {
          const limited = statuses([message], "theme").some((s) => s.reasons?.[0]?.type === "RATE_LIMITED")
          if (limited && killedAt === 0) {
            killedAt = Date.now()
            child.kill("SIGTERM")
          }
        }
      }
    )
    expect(killedAt).toBeGreaterThan(0)
    expect(run.code).not.toBe(0)
    expect(Date.now() - killedAt, "did not sit out the minute").toBeLessThan(5_000)
    expectReadInvariants(run.messages)
    expect(ofType(run.messages, "STATE")).toHaveLength(0)
    expect(finalStatus(run.messages, "theme")).toBe("INCOMPLETE")
  })
})
