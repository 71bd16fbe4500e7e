// Runs the built connector (`node dist/main.js`) as Airbyte would, and checks its stdout.
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type AirbyteMessage, parseMessage } from "./protocol.js"

/** A file of the repository's dist/, from the sources (vitest) or from their compiled copy in build/. */
const findDist = (file: string): string => {
  for (const up of [`../../dist/${file}`, `../../../dist/${file}`]) {
    const candidate = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(candidate)) return candidate
  }
  return fileURLToPath(new URL(`../../dist/${file}`, import.meta.url))
}

export const MAIN = findDist("main.js")
/** The Singer tap's bin, `tap-enterpret`. */
export const TAP = findDist("tap.js")

/** Short minute and retry base so that fault tests run in seconds (see CONTRIBUTING.md, "Set-up"). */
export const FAST_ENV = { SOURCE_ENTERPRET_RATE_WINDOW_MS: "1000", SOURCE_ENTERPRET_RETRY_BASE_MS: "50" }

export interface CliRun<Message = AirbyteMessage> {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly messages: ReadonlyArray<Message>
}

export interface RunOptions<Message = AirbyteMessage> {
  readonly env?: Record<string, string>
  /** Node's own options, before the entry point (e.g. `--import` of a probe). */
  readonly nodeArgs?: ReadonlyArray<string>
  readonly timeoutMs?: number
  /** Called with the child and each message as it arrives, e.g. to kill it at a chosen point. */
  readonly onMessage?: (message: Message, child: ChildProcess) => void
}

export const runCli = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<CliRun> =>
  runEntry(MAIN, args, parseMessage, options)

/**
 * Runs a built entry point with these arguments; every stdout line must be a message `parse`
 * accepts (it throws otherwise, and the run fails naming the line).
 */
export const runEntry = <Message>(
  entry: string,
  args: ReadonlyArray<string>,
  parse: (line: string) => Message,
  options: RunOptions<Message> = {}
): Promise<CliRun<Message>> => runCommand(process.execPath, [...(options.nodeArgs ?? []), entry], args, parse, options)

/**
 * Runs `command` with `prefix` and then the connector's `args` (e.g. the `tap-enterpret` console
 * script of a Python venv, with no prefix); stdout is checked as in runEntry.
 */
export const runCommand = <Message>(
  command: string,
  prefix: ReadonlyArray<string>,
  args: ReadonlyArray<string>,
  parse: (line: string) => Message,
  options: RunOptions<Message> = {}
): Promise<CliRun<Message>> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], {
      env: { ...process.env, ...FAST_ENV, ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const messages: Array<Message> = []
    let stdout = ""
    let stderr = ""
    let partial = ""
    let failure: Error | undefined
    const timer = setTimeout(() => {
      failure = new Error(`connector ${args[0]} timed out after ${options.timeoutMs ?? 60_000} ms; stderr: ${stderr}`)
      child.kill("SIGKILL")
    }, options.timeoutMs ?? 60_000)
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (text: string) => {
      stdout += text
      const lines = (partial + text).split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) {
        if (line === "") continue
        try {
          const message = parse(line)
          messages.push(message)
          options.onMessage?.(message, child)
        } catch (error) {
          failure ??= error as Error
        }
      }
    })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (text: string) => {
      stderr += text
    })
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (partial !== "") failure ??= new Error(`stdout ended without a newline: ${partial.slice(0, 200)}`)
      if (failure !== undefined) reject(failure)
      else resolve({ code, signal, stdout, stderr, messages })
    })
  })

/** The temporary folders of this test process's runs, removed when it exits (1,500 were left in /tmp by a day of runs). */
const inputDirs: Array<string> = []
process.once("exit", () => {
  for (const dir of inputDirs) rmSync(dir, { recursive: true, force: true })
})

/** Writes JSON files for one run into a fresh temporary folder and returns their paths. */
export const writeInputs = (files: Record<string, unknown>): Record<string, string> => {
  const dir = mkdtempSync(join(tmpdir(), "source-enterpret-test-"))
  inputDirs.push(dir)
  const paths: Record<string, string> = {}
  for (const [name, value] of Object.entries(files)) {
    const path = join(dir, `${name}.json`)
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value))
    paths[name] = path
  }
  return paths
}

export const ofType = (messages: ReadonlyArray<AirbyteMessage>, type: string) => messages.filter((m) => m.type === type)
