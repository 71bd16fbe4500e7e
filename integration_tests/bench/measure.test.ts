// measure.ts cpuPairs: the reads of a few large files and of many small ones taken in turn, each
// pair's ratio of CPU per MB, and the median pair's judged.
import { describe, expect, it } from "vitest"
import { type Measurement, cpuPairs } from "./measure.js"

const read = (label: string, cpuMs: number | undefined, records: number): Measurement => ({
  label,
  code: 0,
  signal: null,
  wallMs: 10,
  cpuMs,
  peakRssBytes: undefined,
  method: cpuMs === undefined ? "wall-only" : "gnu-time",
  stdoutBytes: 100,
  records,
  lines: records,
  completeLines: true,
  otherLines: [],
  stderrTail: ""
})

/** Reads that log their order and give the next of `cpu` each. */
const reader = (name: string, cpu: ReadonlyArray<number | undefined>, log: string[], records = 7) => {
  let n = 0
  return () => {
    log.push(name)
    return Promise.resolve(read(name, cpu[n++], records))
  }
}

describe("cpuPairs", () => {
  it("takes the reads in turn, few then many, then many then few, and judges the median pair's ratio per MB", async () => {
    const log: string[] = []
    // 100 MB of few large files against 200 MB of small ones: per MB, half the small files' CPU.
    const pairs = await cpuPairs(
      3,
      { bytes: 100, read: reader("few", [1000, 1200, 900], log) },
      { bytes: 200, read: reader("many", [3000, 2400, 3600], log) }
    )
    expect(log).toEqual(["few", "many", "many", "few", "few", "many"])
    expect(pairs?.ratios).toEqual([1.5, 1, 2])
    expect(pairs?.ratio).toBe(1.5)
    expect(pairs?.fewCpuMs).toEqual([1000, 1200, 900])
    expect(pairs?.few.cpuMs).toBe(1000)
    expect(pairs?.many.cpuMs).toBe(3000)
  })

  it("is undefined where CPU is not measured, and refuses reads that did different work", async () => {
    const log: string[] = []
    expect(await cpuPairs(1, { bytes: 1, read: reader("few", [undefined], log) }, { bytes: 1, read: reader("many", [5], log) })).toBe(
      undefined
    )
    let records = 7
    const changing = () => Promise.resolve(read("many", 5, records++))
    await expect(cpuPairs(2, { bytes: 1, read: reader("few", [1, 1], log) }, { bytes: 1, read: changing })).rejects.toThrow(
      /different record counts \(7, 8\)/
    )
  })
})
