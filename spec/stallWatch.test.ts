// The stall floor's bookkeeping (stallWatch.ts) on a clock the test moves: only time spent
// waiting for the body counts, and each period of it must bring STALL_FLOOR_BYTES.
import { describe, expect, it } from "vitest"
import { makeStallWatch, STALL_FLOOR_BYTES } from "../src/enterpret/stallWatch.js"

const PERIOD = 1_000

const watchOnClock = () => {
  let now = 0
  const stall = makeStallWatch(() => now, PERIOD)
  const pass = (ms: number) => {
    now += ms
  }
  return { stall, pass }
}

describe("makeStallWatch", () => {
  it("judges nothing before a period of waiting has passed, and says how long is left", () => {
    const { stall, pass } = watchOnClock()
    stall.waiting()
    pass(400)
    expect(stall.judge(0)).toBeUndefined()
    expect(stall.untilJudged()).toBe(600)
    pass(600)
    expect(stall.judge(0)).toBe("no data for 1s")
  })

  it("does not count a handler's time: only the waits between chunks add up to a period", () => {
    const { stall, pass } = watchOnClock()
    stall.waiting()
    pass(600)
    stall.arrived()
    // A handler (stdout pushing back) holds the transfer far longer than a period.
    pass(10_000)
    expect(stall.judge(10)).toBeUndefined()
    stall.waiting()
    pass(300)
    expect(stall.judge(10)).toBeUndefined()
    expect(stall.untilJudged()).toBe(100)
    pass(100)
    expect(stall.judge(10)).toBe(`stalled: 10 bytes in 1s, below the floor of ${STALL_FLOOR_BYTES} bytes per request_timeout_seconds`)
  })

  it("a period that brought the floor passes, and the next must bring the floor again", () => {
    const { stall, pass } = watchOnClock()
    stall.waiting()
    pass(1_000)
    expect(stall.judge(STALL_FLOOR_BYTES)).toBeUndefined()
    // A new period began at the judgement, counted from the bytes then on the wire.
    expect(stall.untilJudged()).toBe(1_000)
    pass(1_000)
    expect(stall.judge(STALL_FLOOR_BYTES + 1)).toBe("stalled: 1 bytes in 1s, below the floor of 1024 bytes per request_timeout_seconds")
  })

  it("is never due in less than a millisecond", () => {
    const { stall, pass } = watchOnClock()
    stall.waiting()
    pass(5_000)
    expect(stall.untilJudged()).toBe(1)
  })
})
