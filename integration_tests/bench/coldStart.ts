// `spec` cold start: the median wall time of `node dist/main.js spec` against `node -e 0` (Node's
// own start-up, the floor), run alternately after one unmeasured warm-up of each.
import { connectorEntry } from "./connector.js"
import { median, measureChild } from "./measure.js"

export interface ColdStart {
  readonly runs: number
  readonly specMs: number
  readonly nodeMs: number
  /** specMs / nodeMs */
  readonly ratio: number
}

const once = async (label: string, args: ReadonlyArray<string>): Promise<number> => {
  const run = await measureChild(process.execPath, args, {
    label,
    // both bare: the bench's own NODE_OPTIONS never counts in either
    env: { NODE_OPTIONS: "" },
    timeoutMs: 60_000,
    noGnuTime: true
  })
  if (run.code !== 0) throw new Error(`${label} exited with ${String(run.code)}: ${run.stderrTail}`)
  if (label === "spec") {
    const [line] = run.otherLines
    const type = line === undefined ? undefined : (JSON.parse(line) as { type?: string }).type
    if (run.lines !== 1 || type !== "SPEC") throw new Error(`spec printed ${run.lines} lines, the first of type ${String(type)}`)
  }
  return run.wallMs
}

export const measureColdStart = async (runs: number): Promise<ColdStart> => {
  const spec = [connectorEntry(), "spec"]
  const bare = ["-e", "0"]
  await once("node -e 0", bare)
  await once("spec", spec)
  const specMs: number[] = []
  const nodeMs: number[] = []
  for (let i = 0; i < runs; i++) {
    nodeMs.push(await once("node -e 0", bare))
    specMs.push(await once("spec", spec))
  }
  const s = median(specMs)
  const n = median(nodeMs)
  return { runs, specMs: s, nodeMs: n, ratio: s / n }
}
