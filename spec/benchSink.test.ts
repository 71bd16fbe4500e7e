// The benchmark's counting sink (integration_tests/bench/sink.ts): its counts are what the
// benchmark compares runners by, so they must not depend on where the child's writes split.
import { describe, expect, it } from "vitest"
import { CountingSink } from "../integration_tests/bench/sink.js"

const lines = [
  '{"type":"RECORD","record":{"stream":"s","data":{"a":"x"}}}',
  '{"type":"STATE","state":{"type":"STREAM"}}',
  "",
  '{"type":"REC',
  '{"type":"RECORD"',
  '{"type":"RECORX","record":{}}',
  '{"type":"TRACE","trace":{"type":"ERROR","error":{"message":"line\\nbreak é"}}}',
  '{"type":"RECORD","record":{"stream":"s","data":{"a":"y"}}}'
]
const output = Buffer.from(`${lines.join("\n")}\n`)

const sinkOf = (chunks: ReadonlyArray<Buffer>) => {
  const sink = new CountingSink()
  for (const chunk of chunks) sink.push(chunk)
  return { sink, complete: sink.end() }
}

describe("CountingSink", () => {
  it("counts lines and RECORDs and keeps every other line whole, wherever the output is split", () => {
    const splits: Array<Array<Buffer>> = [[output], Array.from(output, (_, i) => output.subarray(i, i + 1))]
    for (let cut = 1; cut < output.length; cut++) splits.push([output.subarray(0, cut), output.subarray(cut)])
    for (const chunks of splits) {
      const { sink, complete } = sinkOf(chunks)
      expect(sink.bytes).toBe(output.length)
      expect(sink.lines).toBe(lines.length)
      // A line that is the RECORD prefix and no more counts as one: the prefix is all the sink reads.
      expect(sink.records).toBe(3)
      // The empty line is counted but not kept.
      expect(sink.otherLines).toEqual(
        lines.filter((line, i) => line !== "" && i !== 0 && i !== lines.length - 1 && line !== '{"type":"RECORD"')
      )
      expect(complete).toBe(true)
    }
  })

  it("a line exactly as long as the prefix, and one cut off without a newline", () => {
    const { sink, complete } = sinkOf([Buffer.from('{"type":"RECORD"\n{"type":"RECORD","rec')])
    expect(sink.records).toBe(1)
    expect(sink.lines).toBe(1)
    expect(complete).toBe(false)
    expect(sinkOf([Buffer.from('{"type":"REC')]).complete).toBe(false)
  })
})
