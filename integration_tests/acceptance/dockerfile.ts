// A small reader of the Dockerfile's instructions, for the tests that check the image without a
// Docker engine (metadata.test.ts, docker.test.ts).
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { repoRoot } from "./acceptance.js"

export interface Instruction {
  readonly keyword: string
  readonly args: string
}

/** The instructions in order, continuation lines joined, comments and parser directives dropped. */
export const dockerfileInstructions = (text = readFileSync(join(repoRoot(), "Dockerfile"), "utf8")): Instruction[] => {
  const out: Instruction[] = []
  let pending = ""
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (pending === "" && (line === "" || line.startsWith("#"))) continue
    if (line.startsWith("#")) continue
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `
      continue
    }
    const full = (pending + line).trim()
    pending = ""
    const space = full.search(/\s/)
    out.push({ keyword: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() })
  }
  return out
}

/** `key="value" key2=value2` (LABEL, ENV) as a map. */
export const keyValues = (args: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const m of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const value = m[2]!
    out[m[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value
  }
  return out
}

export interface ImageFacts {
  /** ARG values declared before the first FROM */
  readonly globalArgs: Record<string, string>
  /** FROM lines, with ${ARG} resolved */
  readonly stages: ReadonlyArray<{ image: string; name?: string }>
  /** instructions of the last stage */
  readonly final: ReadonlyArray<Instruction>
  readonly labels: Record<string, string>
  readonly env: Record<string, string>
  readonly entrypoint: ReadonlyArray<string>
  readonly user: string | undefined
  readonly workdir: string | undefined
}

export const imageFacts = (instructions = dockerfileInstructions()): ImageFacts => {
  const globalArgs: Record<string, string> = {}
  const stages: Array<{ image: string; name?: string }> = []
  let final: Instruction[] = []
  for (const ins of instructions) {
    if (ins.keyword === "ARG" && stages.length === 0) Object.assign(globalArgs, keyValues(ins.args))
    if (ins.keyword === "FROM") {
      const [image, as, name] = ins.args.split(/\s+/)
      const resolved = (image ?? "").replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs[arg] ?? "")
      stages.push(as?.toUpperCase() === "AS" && name !== undefined ? { image: resolved, name } : { image: resolved })
      final = []
    } else {
      final.push(ins)
    }
  }
  const labels: Record<string, string> = {}
  const env: Record<string, string> = {}
  let entrypoint: string[] = []
  let user: string | undefined
  let workdir: string | undefined
  for (const ins of final) {
    if (ins.keyword === "LABEL") Object.assign(labels, keyValues(ins.args))
    if (ins.keyword === "ENV") Object.assign(env, keyValues(ins.args))
    if (ins.keyword === "ENTRYPOINT") entrypoint = JSON.parse(ins.args) as string[]
    if (ins.keyword === "USER") user = ins.args
    if (ins.keyword === "WORKDIR") workdir = ins.args
  }
  return { globalArgs, stages, final, labels, env, entrypoint, user, workdir }
}
