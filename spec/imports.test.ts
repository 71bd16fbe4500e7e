import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src")

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

/** Each module's relative imports (static, `import type` included, and dynamic), as source paths. */
const importGraph = (): Map<string, Array<string>> => {
  const graph = new Map<string, Array<string>>()
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8")
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) =>
      resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts"))
    )
    graph.set(file, targets)
  }
  return graph
}

/** Every cycle found by a depth-first walk, each as the chain of modules that closes it. */
const cycles = (graph: Map<string, Array<string>>): Array<Array<string>> => {
  const found: Array<Array<string>> = []
  const state = new Map<string, "open" | "done">()
  const path: Array<string> = []
  const visit = (node: string) => {
    state.set(node, "open")
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next].map((f) => relative(SRC, f)))
      else if (state.get(next) === undefined && graph.has(next)) visit(next)
    }
    path.pop()
    state.set(node, "done")
  }
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node)
  return found
}

/** The engine's folders: they know no protocol. */
const ENGINE = ["config", "enterpret", "csv", "sync", "discover", "output"]
/** The protocol doors, each standing on the engine. */
const DOORS = ["airbyte", "singer"]

const topFolder = (file: string): string => relative(SRC, file).split("/")[0]!

/** Imports that run from an engine file up into a door, or from one door into the other. */
const upwardImports = (graph: Map<string, Array<string>>): Array<string> =>
  [...graph].flatMap(([file, targets]) =>
    targets
      .filter((target) => {
        const from = topFolder(file)
        const to = topFolder(target)
        return DOORS.includes(to) && (ENGINE.includes(from) || (DOORS.includes(from) && from !== to))
      })
      .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`)
  )

describe("src/ module graph", () => {
  it("has no import from the engine up into a door, nor between the doors", () => {
    expect(upwardImports(importGraph())).toEqual([])
  })

  it("finds an upward import when there is one (the check itself works)", () => {
    const graph = new Map([
      [join(SRC, "sync/read.ts"), [join(SRC, "airbyte/messages.ts")]],
      [join(SRC, "singer/cli.ts"), [join(SRC, "airbyte/output.ts"), join(SRC, "sync/read.ts")]],
      [join(SRC, "airbyte/run.ts"), [join(SRC, "sync/read.ts")]]
    ])
    expect(upwardImports(graph)).toEqual(["sync/read.ts -> airbyte/messages.ts", "singer/cli.ts -> airbyte/output.ts"])
  })

  it("every folder of src/ is the engine's or a door's", () => {
    const folders = [
      ...new Set(
        sources(SRC)
          .map(topFolder)
          .filter((name) => !name.endsWith(".ts"))
      )
    ]
    expect(folders.filter((name) => !ENGINE.includes(name) && !DOORS.includes(name) && name !== "bundle")).toEqual([])
  })

  it("has no import circle", () => {
    expect(cycles(importGraph())).toEqual([])
  })

  it("finds a circle when there is one (the check itself works)", () => {
    const graph = new Map([
      ["/a.ts", ["/b.ts"]],
      ["/b.ts", ["/c.ts"]],
      ["/c.ts", ["/a.ts"]],
      ["/d.ts", ["/a.ts"]]
    ])
    expect(cycles(graph)).toHaveLength(1)
  })

  it("resolves every relative import to a file in src/", () => {
    const graph = importGraph()
    const missing = [...graph.values()].flat().filter((target) => !graph.has(target))
    expect(missing).toEqual([])
  })
})
