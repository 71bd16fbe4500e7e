// Runs one child process as the thing being measured: stdout into a counting sink, and its wall
// time, CPU time (user + system) and peak RSS. CPU and peak RSS come from GNU time (`/usr/bin/time
// -f`, exact, read when the child has exited) when it is installed; otherwise from sampling
// /proc/<pid>/status (VmHWM, VmRSS) and /proc/<pid>/stat (utime + stime) while the child runs;
// where neither exists, only wall time and the counts are reported.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CountingSink } from "./sink.js"

export type MeasureMethod = "gnu-time" | "proc" | "wall-only"

export interface Measurement {
  readonly label: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly wallMs: number
  /** user + system CPU of the child; undefined when it cannot be measured here */
  readonly cpuMs: number | undefined
  readonly peakRssBytes: number | undefined
  readonly method: MeasureMethod
  readonly stdoutBytes: number
  readonly records: number
  readonly lines: number
  /** whether stdout ended with a newline (or was empty) */
  readonly completeLines: boolean
  /** stdout lines that are not RECORDs (STATE, TRACE, LOG, or a baseline's summary), 1 MiB at most */
  readonly otherLines: ReadonlyArray<string>
  readonly stderrTail: string
}

export interface MeasureOptions {
  readonly label: string
  readonly env?: Record<string, string>
  readonly cwd?: string
  readonly timeoutMs?: number
  /** Leave out GNU time even when it is installed (the /proc sampler still runs). */
  readonly noGnuTime?: boolean
}

const TIME_BIN = "/usr/bin/time"
const TIME_MARK = "BENCH_TIME"
const SAMPLE_MS = 20
const STDERR_TAIL = 8 * 1024

/** Process groups of the children running now (each measured child leads its own group). */
const running = new Set<number>()

/** Ends every measured child still running (and GNU time around it): for Ctrl-C of the benchmark. */
export const stopAll = (): void => {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  running.clear()
}

let gnuTime: boolean | undefined
/** Whether GNU time (with -f and -o) is installed. */
export const hasGnuTime = (): boolean => {
  if (gnuTime === undefined) {
    if (!existsSync(TIME_BIN)) gnuTime = false
    else {
      const probe = spawnSync(TIME_BIN, ["-f", `${TIME_MARK} %e %U %S %M`, "true"], { encoding: "utf8" })
      gnuTime = probe.status === 0 && new RegExp(`${TIME_MARK} [\\d.]+ [\\d.]+ [\\d.]+ \\d+`).test(probe.stderr)
    }
  }
  return gnuTime
}

let clockTicks: number | undefined
const ticksPerSecond = (): number => {
  if (clockTicks === undefined) {
    const probe = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" })
    const n = Number(probe.stdout?.trim())
    clockTicks = probe.status === 0 && Number.isFinite(n) && n > 0 ? n : 100
  }
  return clockTicks
}

/** The latest /proc figures of one process; undefined when /proc does not have them. */
interface ProcSample {
  hwmBytes: number | undefined
  cpuMs: number | undefined
}

const readProc = (pid: number): ProcSample | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status) ?? /^VmRSS:\s+(\d+) kB/m.exec(status)
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return {
      hwmBytes: hwm === null ? undefined : Number(hwm[1]) * 1024,
      cpuMs: Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / ticksPerSecond() : undefined
    }
  } catch {
    return undefined
  }
}

/** The process GNU time started (its only child), once it exists. */
const childOf = (pid: number): number | undefined => {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]
    const n = Number(first)
    return first !== undefined && first !== "" && Number.isInteger(n) ? n : undefined
  } catch {
    return undefined
  }
}

const parseGnuTime = (path: string): { cpuMs: number; peakRssBytes: number } | undefined => {
  try {
    const line = readFileSync(path, "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${TIME_MARK} `))
    const [, , user, sys, maxKb] = line?.split(" ") ?? []
    const cpuMs = (Number(user) + Number(sys)) * 1000
    const peakRssBytes = Number(maxKb) * 1024
    return Number.isFinite(cpuMs) && Number.isFinite(peakRssBytes) && peakRssBytes > 0 ? { cpuMs, peakRssBytes } : undefined
  } catch {
    return undefined
  }
}

export const measureChild = (command: string, args: ReadonlyArray<string>, options: MeasureOptions): Promise<Measurement> =>
  new Promise((resolve, reject) => {
    const wrapped = options.noGnuTime !== true && hasGnuTime()
    const scratch = wrapped ? mkdtempSync(join(tmpdir(), "source-enterpret-bench-time-")) : undefined
    const timeFile = scratch === undefined ? undefined : join(scratch, "time.txt")
    const [file, argv] =
      timeFile === undefined ? [command, [...args]] : [TIME_BIN, ["-f", `${TIME_MARK} %e %U %S %M`, "-o", timeFile, command, ...args]]
    const sink = new CountingSink()
    let stderr = ""
    let timedOut = false
    const started = performance.now()
    // its own process group, so that a timeout ends GNU time and the child together
    const child = spawn(file, argv, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    const pid = child.pid
    if (pid !== undefined) running.add(pid)
    let last: ProcSample | undefined
    let target: number | undefined = wrapped ? undefined : pid
    const sample = (): void => {
      if (pid === undefined) return
      target ??= childOf(pid)
      if (target === undefined) return
      const now = readProc(target)
      if (now !== undefined) {
        last = {
          hwmBytes: Math.max(now.hwmBytes ?? 0, last?.hwmBytes ?? 0) || undefined,
          cpuMs: now.cpuMs ?? last?.cpuMs
        }
      }
    }
    const sampler = setInterval(sample, SAMPLE_MS)
    sample()
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            if (pid !== undefined) {
              try {
                process.kill(-pid, "SIGKILL")
              } catch {
                child.kill("SIGKILL")
              }
            }
          }, options.timeoutMs)
    child.stdout.on("data", (chunk: Buffer) => sink.push(chunk))
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL)
    })
    child.on("error", (error) => {
      if (pid !== undefined) running.delete(pid)
      clearInterval(sampler)
      if (timer !== undefined) clearTimeout(timer)
      reject(error)
    })
    child.on("exit", () => sample())
    child.on("close", (code, signal) => {
      const wallMs = performance.now() - started
      if (pid !== undefined) running.delete(pid)
      clearInterval(sampler)
      if (timer !== undefined) clearTimeout(timer)
      if (timedOut) {
        reject(new Error(`${options.label}: timed out after ${options.timeoutMs ?? 0} ms; stderr: ${stderr}`))
        return
      }
      const exact = timeFile === undefined ? undefined : parseGnuTime(timeFile)
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
      const method: MeasureMethod = exact !== undefined ? "gnu-time" : last?.hwmBytes !== undefined ? "proc" : "wall-only"
      resolve({
        label: options.label,
        // GNU time exits with the child's status (128 + N when a signal ended it)
        code,
        signal,
        wallMs,
        cpuMs: exact?.cpuMs ?? last?.cpuMs,
        peakRssBytes: exact?.peakRssBytes ?? last?.hwmBytes,
        method,
        stdoutBytes: sink.bytes,
        records: sink.records,
        lines: sink.lines,
        completeLines: sink.end(),
        otherLines: sink.otherLines,
        stderrTail: stderr
      })
    })
  })

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const medianOrUndefined = (values: ReadonlyArray<number | undefined>): number | undefined =>
  values.every((v): v is number => v !== undefined) ? median(values) : undefined

/** Repeated runs of the same thing as one: its wall time, CPU time and peak RSS are each the median of the runs. */
export const medianRun = (runs: ReadonlyArray<Measurement>): Measurement => {
  const first = runs[0]
  if (first === undefined) throw new Error("medianRun of no runs")
  for (const run of runs) {
    if (run.records !== first.records) {
      throw new Error(`${first.label}: repeated runs emitted different record counts (${runs.map((r) => r.records).join(", ")})`)
    }
  }
  return {
    ...first,
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: medianOrUndefined(runs.map((r) => r.cpuMs)),
    peakRssBytes: medianOrUndefined(runs.map((r) => r.peakRssBytes)),
    stdoutBytes: median(runs.map((r) => r.stdoutBytes))
  }
}

/** Runs `run` `times` times one after another and returns the median run. */
export const repeated = async (times: number, run: () => Promise<Measurement>): Promise<Measurement> => {
  const runs: Measurement[] = []
  for (let i = 0; i < Math.max(1, times); i++) runs.push(await run())
  return medianRun(runs)
}

/** CPU per MB of many small files against a few large ones, from reads taken in turn (`cpuPairs`). */
export interface CpuPairs {
  /** CPU of each read of the few large files, in the order taken (a pair's few read, then the next's) */
  readonly fewCpuMs: ReadonlyArray<number>
  readonly manyCpuMs: ReadonlyArray<number>
  /** each pair's CPU per MB of the many small files over the few large ones' */
  readonly ratios: ReadonlyArray<number>
  /** the median of `ratios`: what the target judges */
  readonly ratio: number
  /** the reads of each side as one (medianRun) */
  readonly few: Measurement
  readonly many: Measurement
}

/**
 * `pairs` pairs of reads, the few large files and the many small ones taken in turn (few then
 * many, then many then few, and so on), each pair's ratio of CPU per MB from reads seconds apart.
 * Taken minutes apart, as the throughput part reads each object, the machine's drift went into
 * the ratio: on 2026-12-04 the bare node:http floor alone read 1.06x and 1.51x 13 minutes apart,
 * and interleaved reads of the connector gave 1.40x to 1.58x, median 1.52x, where the separate
 * runs of that day said 1.41x, 1.60x and 1.67x. Undefined where CPU is not measured here.
 */
export const cpuPairs = async (
  pairs: number,
  few: { readonly bytes: number; readonly read: () => Promise<Measurement> },
  many: { readonly bytes: number; readonly read: () => Promise<Measurement> }
): Promise<CpuPairs | undefined> => {
  const fewRuns: Measurement[] = []
  const manyRuns: Measurement[] = []
  for (let i = 0; i < Math.max(1, pairs); i++) {
    if (i % 2 === 0) {
      fewRuns.push(await few.read())
      manyRuns.push(await many.read())
    } else {
      manyRuns.push(await many.read())
      fewRuns.push(await few.read())
    }
  }
  // The same records every time (medianRun throws otherwise).
  const fewRead = medianRun(fewRuns)
  const manyRead = medianRun(manyRuns)
  const fewCpuMs = fewRuns.map((m) => m.cpuMs)
  const manyCpuMs = manyRuns.map((m) => m.cpuMs)
  if (!fewCpuMs.every((v): v is number => v !== undefined) || !manyCpuMs.every((v): v is number => v !== undefined)) return undefined
  const ratios = manyCpuMs.map((cpu, i) => cpu / many.bytes / (fewCpuMs[i]! / few.bytes))
  return { fewCpuMs, manyCpuMs, ratios, ratio: median(ratios), few: fewRead, many: manyRead }
}
