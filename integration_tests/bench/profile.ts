// Summary of a V8 CPU profile (`node --cpu-prof`): self time by function and by source file, with
// the minified bundle's positions mapped back to src/ through its source maps.
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { SourceMap } from "node:module"
import { basename, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileEntry {
  /** function name and where it is, e.g. `encode (src/csv/recordEncoder.ts:84)` */
  readonly name: string
  readonly selfMs: number
  readonly share: number
}

export interface ProfileSummary {
  readonly file: string
  readonly totalMs: number
  readonly functions: ReadonlyArray<ProfileEntry>
  readonly sources: ReadonlyArray<ProfileEntry>
}

const maps = new Map<string, SourceMap | undefined>()

const sourceMapOf = (url: string): SourceMap | undefined => {
  if (!maps.has(url)) {
    let map: SourceMap | undefined
    try {
      const path = `${fileURLToPath(url)}.map`
      if (existsSync(path)) map = new SourceMap(JSON.parse(readFileSync(path, "utf8")) as ConstructorParameters<typeof SourceMap>[0])
    } catch {
      map = undefined
    }
    maps.set(url, map)
  }
  return maps.get(url)
}

/** The frame's place in the original sources, when the bundle's source map knows it. */
const original = (frame: CallFrame, root: string): { name: string; source: string } => {
  const fallbackSource =
    frame.url === "" ? "(native)" : frame.url.startsWith("file:") ? relative(root, fileURLToPath(frame.url)) : frame.url
  const fallback = { name: `${frame.functionName || "(anonymous)"} (${fallbackSource}:${frame.lineNumber + 1})`, source: fallbackSource }
  if (!frame.url.startsWith("file:")) {
    return frame.url === ""
      ? { name: frame.functionName || "(anonymous)", source: frame.functionName.startsWith("(") ? frame.functionName : "(native)" }
      : fallback
  }
  const map = sourceMapOf(frame.url)
  if (map === undefined) return fallback
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number; name?: string }
  if (entry.originalSource === undefined) return fallback
  const source = entry.originalSource.replace(/^.*?(node_modules\/|src\/)/, "$1")
  const name = entry.name ?? frame.functionName
  return { name: `${name || "(anonymous)"} (${source}:${(entry.originalLine ?? 0) + 1})`, source }
}

const top = (totals: Map<string, number>, totalMs: number, count: number): ProfileEntry[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, selfMs]) => ({ name, selfMs, share: totalMs === 0 ? 0 : selfMs / totalMs }))

/** Summarises the newest .cpuprofile in `dir`. */
export const summariseProfile = (dir: string, root: string, count = 15): ProfileSummary => {
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()
    .at(-1)
  if (newest === undefined) throw new Error(`no .cpuprofile in ${dir}`)
  const file = join(dir, newest)
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfById = new Map<number, number>()
  for (const [i, id] of profile.samples.entries()) selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  const functions = new Map<string, number>()
  const sources = new Map<string, number>()
  let totalMs = 0
  for (const [id, ms] of selfById) {
    const node = byId.get(id)
    if (node === undefined) continue
    const where = original(node.callFrame, root)
    functions.set(where.name, (functions.get(where.name) ?? 0) + ms)
    const group = where.source.startsWith("node_modules/")
      ? where.source
          .split("/")
          .slice(0, where.source.startsWith("node_modules/@") ? 3 : 2)
          .join("/")
      : where.source
    sources.set(group, (sources.get(group) ?? 0) + ms)
    totalMs += ms
  }
  return { file: basename(file), totalMs, functions: top(functions, totalMs, count), sources: top(sources, totalMs, count) }
}
