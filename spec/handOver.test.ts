// The lister's hand-over to the downloads (src/sync/handOver.ts): items in order, takers woken
// first come first, the lister held while a page waits untaken or a checkpoint is due.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { makeHandOver } from "../src/sync/handOver.js"

/** Lets every fiber that can run do so. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("makeHandOver", () => {
  it.effect("gives items in the order offered, and nothing once they are taken", () =>
    Effect.sync(() => {
      const h = makeHandOver<string>()
      expect(h.poll()).toBeUndefined()
      h.offer(["a", "b"], 0)
      h.offer(["c"], 0)
      expect(h.hasItems()).toBe(true)
      expect([h.poll(), h.poll(), h.poll(), h.poll()]).toEqual(["a", "b", "c", undefined])
      expect(h.hasItems()).toBe(false)
      h.offer(["d"], 0)
      expect(h.poll()).toBe("d")
    })
  )

  it.effect("ready waits for an offer; takers are woken first come first, one an offer, the next by wakeTaker", () =>
    Effect.gen(function* () {
      const h = makeHandOver<number>()
      const woken: Array<string> = []
      const taker = (name: string) =>
        Effect.fork(
          Effect.zipRight(
            h.ready,
            Effect.sync(() => woken.push(name))
          )
        )
      const first = yield* taker("first")
      yield* settle
      const second = yield* taker("second")
      yield* settle
      expect(woken).toEqual([])
      h.offer([1], 1)
      yield* settle
      expect(woken).toEqual(["first"])
      h.wakeTaker()
      yield* settle
      expect(woken).toEqual(["first", "second"])
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      // With an item there, ready does not wait.
      const at = yield* Effect.fork(h.ready)
      yield* settle
      expect(at.unsafePoll()).not.toBeNull()
    })
  )

  it.effect("an interrupted taker is forgotten: the next offer wakes the one after it", () =>
    Effect.gen(function* () {
      const h = makeHandOver<number>()
      const woken: Array<string> = []
      const gone = yield* Effect.fork(
        Effect.zipRight(
          h.ready,
          Effect.sync(() => woken.push("gone"))
        )
      )
      yield* settle
      const kept = yield* Effect.fork(
        Effect.zipRight(
          h.ready,
          Effect.sync(() => woken.push("kept"))
        )
      )
      yield* settle
      yield* Fiber.interrupt(gone)
      h.offer([1], 0)
      yield* Fiber.join(kept)
      expect(woken).toEqual(["kept"])
    })
  )

  it.effect("noPageAhead holds the lister until every page offered has been taken", () =>
    Effect.gen(function* () {
      const h = makeHandOver<string>()
      yield* h.noPageAhead
      h.offer(["page 1", "page 2", "listed"], 2)
      const lister = yield* Effect.fork(h.noPageAhead)
      yield* settle
      h.poll()
      h.pageTaken()
      yield* settle
      expect(lister.unsafePoll()).toBeNull()
      h.poll()
      h.pageTaken()
      yield* settle
      expect(lister.unsafePoll()).not.toBeNull()
    })
  )

  it.effect("covered holds the lister until a checkpoint covers enough requests", () =>
    Effect.gen(function* () {
      const h = makeHandOver<string>()
      const lister = yield* Effect.fork(h.covered((done) => done >= 5))
      yield* settle
      h.checkpointed(3)
      yield* settle
      expect(lister.unsafePoll()).toBeNull()
      h.checkpointed(5)
      yield* settle
      expect(lister.unsafePoll()).not.toBeNull()
    })
  )
})
