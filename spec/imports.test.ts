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

describe("src/ module graph", () => {
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
