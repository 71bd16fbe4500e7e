import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseCliArgs, parseSize } from "./cliArgs.js"

const exec = promisify(execFile)
const out = mkdtempSync(join(tmpdir(), "emu-cli-"))
const CLI = join(out, "cli.js")

beforeAll(() => {
  // `npm run emulator` runs the compiled program (build/integration_tests/emulator/cli.js); compiling
  // the whole project takes long, so the test transpiles the emulator's modules alone, as tsc would.
  const here = dirname(fileURLToPath(import.meta.url))
  writeFileSync(join(out, "package.json"), '{"type":"module"}')
  for (const f of readdirSync(here).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts"))) {
    const js = ts.transpileModule(readFileSync(join(here, f), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true }
    })
    writeFileSync(join(out, f.replace(/\.ts$/, ".js")), js.outputText)
  }
})
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe("command line arguments", () => {
  it("parses the documented options", () => {
    const cfg = parseCliArgs([
      "--port",
      "8080",
      "--seed",
      "demo",
      "--storage-port=9000",
      "--scale",
      "tiny",
      "--days",
      "7",
      "--gzip",
      "--export-rpm",
      "5",
      "--objects-rpm",
      "30",
      "--minute-ms",
      "1000",
      "--bench",
      "big:feedback:1G:8",
      "--fault-rate",
      "0.1",
      "--fault-kinds",
      "429,cut"
    ])
    expect(cfg.options).toMatchObject({
      port: 8080,
      seed: "demo",
      storagePort: 9000,
      scale: "tiny",
      days: 7,
      gzip: true,
      rateLimits: { exportPerMinute: 5, objectsPerMinute: 30, minuteMs: 1000 },
      bench: { objects: [{ id: "big", kind: "feedback", bytes: 1024 ** 3, files: 8 }] }
    })
    expect(cfg.randomFaults).toEqual({ rate: 0.1, kinds: ["429", "cut"] })
    expect(parseCliArgs([]).options).toMatchObject({ port: 8080, scale: "demo" })
    expect(parseSize("500M")).toBe(500 * 1024 ** 2)
    expect(() => parseCliArgs(["--nope"])).toThrow(/unknown option/)
    expect(() => parseCliArgs(["--port"])).toThrow(/needs a value/)
  })
})

describe("npm run emulator", () => {
  it("prints its base URL, token and a curl example that works, and stops on SIGINT", async () => {
    const child = spawn(process.execPath, [CLI, "--port", "0", "--seed", "demo", "--scale", "tiny", "--quiet"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let text = ""
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString()
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${text}`)), 15_000)
      child.stdout.on("data", () => {
        if (text.includes("Serving")) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.on("exit", () => reject(new Error(`exited: ${text}`)))
    })
    const base = /base URL:\s+(\S+)/.exec(text)?.[1] ?? ""
    const token = /token:\s+(\S+)/.exec(text)?.[1] ?? ""
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/export$/)
    const res = await fetch(`${base}/external/v2/objects`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: "{}" })
    expect(res.status).toBe(200)
    const curl = text.slice(text.indexOf("curl -X POST", text.indexOf("/external/v2/export") - 200))
    const exportCmd = curl.slice(curl.indexOf("curl -X POST"), curl.indexOf("\n\n")).trim()
    expect(exportCmd).toContain("/external/v2/export")
    const { stdout } = await exec("bash", ["-c", exportCmd])
    expect(JSON.parse(stdout)).toHaveProperty("files")
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    child.kill("SIGINT")
    expect(await exited).toBe(0)
  })

  it("explains a bad option and exits non-zero; --help prints usage", async () => {
    const bad = await exec(process.execPath, [CLI, "--what"]).catch((e: { code: number; stderr: string }) => e)
    expect("code" in bad ? bad.code : 0).toBe(2)
    expect(bad.stderr).toContain("unknown option")
    const help = await exec(process.execPath, [CLI, "--help"])
    expect(help.stdout).toContain("--port")
  })
})
