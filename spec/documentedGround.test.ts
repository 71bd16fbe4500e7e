// Documented ground only (issue 20): src/ changes no V8 flag once the process runs and reads no
// private field of a dependency. Node's documentation of v8.setFlagsFromString: "Changing
// settings after the VM has started may result in unpredictable behavior, including crashes and
// data loss; or it may simply do nothing." A flag that pays its way is set at process start (the
// image's NODE_OPTIONS); a dependency's undocumented field may be renamed by any release.
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src")

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

/** Comments go: a module may explain why it does not do something. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1")

const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/setFlagsFromString/, "changes a V8 flag at run time (v8.setFlagsFromString)"],
  [/["']node:vm["']|["']vm["']/, "imports node:vm (its contexts were the way to a run-time `gc`)"],
  [/\brunIn(?:New|This)?Context\b/, "runs code in a vm context"],
  [/--expose[-_]gc|\.\s*gc\b|\[\s*["']gc["']\s*\]|\bgc\s*\(/, "reaches for V8's gc"],
  [/\.\s*source\b(?!\s*\()|\[\s*["']source["']\s*\]|\{\s*(?:readonly\s+)?source\??\s*:/, "reads a response's undocumented `source`"]
]

/** Every forbidden use in `text`, as `what (line N)`. */
const findings = (text: string): Array<string> => {
  const lines = code(text).split("\n")
  return lines.flatMap((line, i) => FORBIDDEN.filter(([pattern]) => pattern.test(line)).map(([, what]) => `${what} (line ${i + 1})`))
}

describe("src/ stands on documented ground (issue 20)", () => {
  it("no file changes a V8 flag, reaches for gc or reads NodeHttpClient's private `source`", () => {
    const found = sources(SRC).flatMap((file) => findings(readFileSync(file, "utf8")).map((f) => `${relative(SRC, file)}: ${f}`))
    expect(found).toEqual([])
  })

  it("would catch each of them: the code this issue removed, and its variants", () => {
    const removed = [
      'import { setFlagsFromString } from "node:v8"\nsetFlagsFromString("--expose-gc")',
      'import { runInNewContext } from "node:vm"\nconst gc = runInNewContext("gc")',
      "const existing = (globalThis as { gc?: unknown }).gc",
      "collect?.({ type: \"minor\" }); gc({ type: 'minor' })",
      "const source = (response as { readonly source?: unknown }).source",
      'const s = response["source"]',
      "v8.setFlagsFromString('--semi-space-growth-factor=1')"
    ]
    for (const text of removed) expect(findings(text), text).not.toEqual([])
    // and not what is allowed: a comment about it, a source map, a word in a string
    expect(findings("// setFlagsFromString is not used: see the Dockerfile\nconst map = sourceMapOf(url)")).toEqual([])
  })
})

describe("src/ reads the environment only through Effect's Config", () => {
  // Settings and test knobs are read once, where the layers are built (config/timing.ts): a
  // `process.env` read elsewhere is a knob no test or document knows of, and, on the hot path, a
  // lookup a file (one slipped in with a measurement switch).
  const ENV = /\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*["']env["']\s*\]/

  it("no file of src/ reads process.env", () => {
    const found = sources(SRC).flatMap((file) =>
      code(readFileSync(file, "utf8"))
        .split("\n")
        .flatMap((line, i) => (ENV.test(line) ? [`${relative(SRC, file)}:${i + 1}`] : []))
    )
    expect(found).toEqual([])
  })

  it("would catch one", () => {
    expect(ENV.test("if (!process.env.E2) yield* read(file)")).toBe(true)
    expect(ENV.test('const knob = process["env"]["X"]')).toBe(true)
    expect(ENV.test('Config.string("SOURCE_ENTERPRET_X")')).toBe(false)
  })
})
