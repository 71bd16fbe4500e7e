// What the numbers were measured on: the report names the machine, since ratios travel and
// absolute numbers do not.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os"

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
  /** e.g. "3.11.7"; undefined when python3 is not installed */
  readonly python: string | undefined
  /** e.g. "3.8.3"; undefined when python3 cannot import orjson */
  readonly orjson: string | undefined
  readonly date: string
  /** the 1-minute load average when the run started: other work on the machine skews every number */
  readonly load: number
}

const cpuModel = (): string => {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => /^model name\s*:/.test(l))
    if (line !== undefined) return line.replace(/^model name\s*:\s*/, "").trim()
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model.trim() ?? "unknown CPU"
}

export const pythonVersion = (): string | undefined => {
  const probe = spawnSync("python3", ["--version"], { encoding: "utf8" })
  if (probe.status !== 0) return undefined
  return `${probe.stdout}${probe.stderr}`.trim().replace(/^Python\s+/, "")
}

export const orjsonVersion = (): string | undefined => {
  const probe = spawnSync("python3", ["-c", "import orjson; print(orjson.__version__)"], { encoding: "utf8" })
  return probe.status === 0 ? probe.stdout.trim() : undefined
}

export const machine = (): Machine => ({
  cpu: cpuModel(),
  cores: availableParallelism(),
  memoryGiB: totalmem() / 1024 ** 3,
  os: `${type()} ${release()}`,
  node: process.version,
  python: pythonVersion(),
  orjson: orjsonVersion(),
  date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  load: loadavg()[0] ?? 0
})
