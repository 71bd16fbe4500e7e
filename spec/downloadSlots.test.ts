// The download slots shared by every stream (src/sync/downloadSlots.ts): at most `permits` at
// once, first come first served, and a slot never lost to a failure or an interruption.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { makeDownloadSlots } from "../src/sync/downloadSlots.js"

/** Lets every fiber that can run do so. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

/** `permits` slots, and jobs that hold one until their gate opens, recording when they start. */
const setup = (permits: number) => {
  const slots = makeDownloadSlots(permits)
  const started: Array<string> = []
  let running = 0
  let most = 0
  const job = (name: string, gate: Deferred.Deferred<void>) =>
    slots.withSlot(
      Effect.gen(function* () {
        started.push(name)
        running++
        most = Math.max(most, running)
        yield* Effect.ensuring(
          Deferred.await(gate),
          Effect.sync(() => running--)
        )
        return name
      })
    )
  return { slots, started, job, most: () => most }
}

describe("makeDownloadSlots", () => {
  it.effect("runs at most `permits` at once, the waiting ones in the order they came", () =>
    Effect.gen(function* () {
      const { started, job, most } = setup(2)
      const gates = yield* Effect.all(Array.from({ length: 5 }, () => Deferred.make<void>()))
      const fibers: Array<Fiber.RuntimeFiber<string>> = []
      for (const [i, gate] of gates.entries()) {
        fibers.push(yield* Effect.fork(job(`job ${i}`, gate)))
        yield* settle
      }
      expect(started).toEqual(["job 0", "job 1"])
      yield* Deferred.succeed(gates[1]!, undefined)
      yield* settle
      expect(started).toEqual(["job 0", "job 1", "job 2"])
      for (const gate of gates) yield* Deferred.succeed(gate, undefined)
      expect(yield* Effect.all(fibers.map(Fiber.join))).toEqual(["job 0", "job 1", "job 2", "job 3", "job 4"])
      expect(started).toEqual(["job 0", "job 1", "job 2", "job 3", "job 4"])
      expect(most()).toBe(2)
    })
  )

  it.effect("a holder that fails or is interrupted gives its slot back", () =>
    Effect.gen(function* () {
      const { slots, started, job } = setup(1)
      expect(yield* Effect.exit(slots.withSlot(Effect.fail("boom")))).toEqual(Exit.fail("boom"))
      const gate = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(job("holder", gate))
      yield* settle
      yield* Fiber.interrupt(holder)
      const open = yield* Deferred.make<void>()
      yield* Deferred.succeed(open, undefined)
      expect(yield* job("after", open)).toBe("after")
      expect(started).toEqual(["holder", "after"])
    })
  )

  it.effect("a waiter interrupted in line leaves it; one interrupted as it is handed a slot gives it on", () =>
    Effect.gen(function* () {
      const { started, job } = setup(1)
      const gate = yield* Deferred.make<void>()
      const open = yield* Deferred.make<void>()
      yield* Deferred.succeed(open, undefined)
      const holder = yield* Effect.fork(job("holder", gate))
      yield* settle
      const leaver = yield* Effect.fork(job("leaver", open))
      const next = yield* Effect.fork(job("next", open))
      yield* settle
      yield* Fiber.interrupt(leaver)
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(next)).toBe("next")
      expect(yield* Fiber.join(holder)).toBe("holder")
      expect(started).toEqual(["holder", "next"])

      // The slot handed to a waiter that is interrupted in the same turn is not lost.
      const gate2 = yield* Deferred.make<void>()
      const holder2 = yield* Effect.fork(job("holder 2", gate2))
      yield* settle
      const late = yield* Effect.fork(job("late", open))
      yield* settle
      yield* Deferred.succeed(gate2, undefined)
      yield* Fiber.interrupt(late)
      yield* Fiber.join(holder2)
      expect(yield* job("last", open)).toBe("last")
    })
  )
})
