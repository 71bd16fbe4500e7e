// The image's steps without a Docker engine: pack the package as the build stage does, install the
// tarball as production into a fresh prefix as the runtime stage does (the same npm command, read
// from the Dockerfile), then run `spec` and a `read` against the emulator through the Dockerfile's
// ENTRYPOINT with /airbyte/... mapped to that prefix, from an unrelated working directory.
import { execFile, execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { repoRoot, runCommand } from "../acceptance/acceptance.js"
import { imageFacts } from "../acceptance/dockerfile.js"
import { FAST_ENV, writeInputs } from "../support/cli.js"
import { catalogFor, configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants } from "../support/invariants.js"
import { parseMessage } from "../support/protocol.js"

const root = repoRoot()
const image = imageFacts()
const IMAGE_PREFIX = "/airbyte/integration_code"

/** The runtime stage's `npm install ... /tmp/x.tgz` command, its arguments as written. */
const installArgs = (): string[] => {
  const command = image.final
    .filter((i) => i.keyword === "RUN")
    .flatMap((i) => i.args.split("&&").map((c) => c.trim()))
    .find((c) => c.startsWith("npm install "))
  if (command === undefined) throw new Error("the Dockerfile's runtime stage has no `npm install`")
  return command.split(/\s+/).slice(2)
}

let work: string
let prefix: string
let entrypoint: string[]

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "source-enterpret-image-"))
  prefix = join(work, "integration_code")
  // Build stage: npm pack (dist/ is already built by `npm run build`).
  const packed = execFileSync("npm", ["pack", "--pack-destination", work, "--silent"], { cwd: root, encoding: "utf8" })
    .trim()
    .split("\n")
    .at(-1)!
  // Runtime stage: the Dockerfile's own install command, its prefix moved into the temp folder.
  const args = installArgs().map((a) => (a === IMAGE_PREFIX ? prefix : a.endsWith(".tgz") ? join(work, packed) : a))
  expect(args).toContain(prefix)
  execFileSync("npm", ["install", ...args, "--prefer-offline"], { cwd: work, encoding: "utf8", stdio: "pipe" })
  entrypoint = image.entrypoint.map((a) => (a.startsWith(IMAGE_PREFIX) ? prefix + a.slice(IMAGE_PREFIX.length) : a))
  mkdirSync(join(work, "airbyte"))
}, 120_000)
afterAll(() => rmSync(work, { recursive: true, force: true }))

const runImage = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runCommand(entrypoint[0]!, [...entrypoint.slice(1), ...args], { cwd: join(work, "airbyte"), env: { NODE_ENV: "production", ...env } })

describe("the image's production install", () => {
  it("holds the bundle alone: dist/ chunks the bins need, no dependency, no source map", () => {
    const installed = join(prefix, "lib", "node_modules", "source-enterpret")
    const files = walk(installed)
      .map((f) => relative(installed, f))
      .sort()
    expect(files).toContain("dist/main.js")
    expect(files).toContain("package.json")
    expect(files).toContain("LICENSE")
    expect(files.filter((f) => !/^(dist\/[^/]+\.(js|LEGAL\.txt)|package\.json|README\.md|LICENSE)$/.test(f))).toEqual([])
    // Every chunk a file imports is there (the bundle splits at the bins' dynamic imports), and
    // every chunk there is one a bin reaches (no leftover of an earlier build).
    const reached = new Set<string>()
    const visit = (file: string) => {
      if (reached.has(file)) return
      reached.add(file)
      const text = readFileSync(join(installed, file), "utf8")
      // Static and dynamic imports, and the worker threads' entry (new URL("./…", import.meta.url)).
      for (const m of text.matchAll(/(?:from|import\(|new URL\()\s*"(\.\/[^"]+)"/g)) {
        expect(files, `${file} imports ${m[1]}`).toContain(join("dist", m[1]!))
        visit(join("dist", m[1]!))
      }
    }
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { bin: Record<string, string> }
    expect(Object.values(pkg.bin).sort()).toEqual(["dist/main.js", "dist/tap.js"])
    for (const bin of Object.values(pkg.bin)) visit(bin)
    expect(files.filter((f) => f.endsWith(".js"))).toEqual([...reached].sort())
    const bytes = files.reduce((sum, f) => sum + statSync(join(installed, f)).size, 0)
    expect(bytes).toBeLessThan(5_000_000)
  })

  it("leaves out the libraries no command calls: undici and the YAML parser (each cost memory on every run)", () => {
    const installed = join(prefix, "lib", "node_modules", "source-enterpret", "dist")
    const code = walk(installed)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n")
    expect(code).toContain("RECORD")
    // Error codes and class names that only these libraries define.
    expect(code).not.toContain("UND_ERR_")
    expect(code).not.toContain("YAMLParseError")
  })

  it("spec through the ENTRYPOINT prints one valid SPEC", async () => {
    const run = await runImage(["spec"])
    expect(run.code, run.stderr).toBe(0)
    expect(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => parseMessage(l).type)
    ).toEqual(["SPEC"])
  })

  it("installs tap-enterpret on PATH beside source-enterpret (what `npm install -g` gives Meltano)", async () => {
    const { stdout } = await promisify(execFile)(join(prefix, "bin", "tap-enterpret"), ["--about", "--format", "json"], { cwd: work })
    expect(JSON.parse(stdout)).toMatchObject({ name: "tap-enterpret", capabilities: ["catalog", "discover", "state", "about"] })
  })

  it("read through the ENTRYPOINT syncs from the emulator", async () => {
    const emulator = await startTestEmulator()
    try {
      const inputs = writeInputs({ config: configFor(emulator), catalog: catalogFor(["feedback_record", "theme"]) })
      const run = await runImage(["read", "--config", inputs.config!, "--catalog", inputs.catalog!], FAST_ENV)
      expect(run.code, run.stderr).toBe(0)
      const messages = run.stdout.trim().split("\n").map(parseMessage)
      expectReadInvariants(messages)
      expectNoSecret(emulator.token, run.stdout, run.stderr)
      const streams = new Set(messages.filter((m) => m.type === "RECORD").map((m) => (m.record as { stream: string }).stream))
      expect(streams).toEqual(new Set(["feedback_record", "theme"]))
    } finally {
      await emulator.close()
    }
  })
})
