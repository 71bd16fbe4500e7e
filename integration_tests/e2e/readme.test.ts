// The docs' shell recipe (docs/command-line.md, "Running from the shell"), run as written: `npx source-enterpret`
// from inside the clone, the configured catalog and the next state made by its `jq` lines, two
// reads, against the emulator. Only the config differs (the emulator's token and URL instead of
// YOUR_TOKEN).
import { execFile, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { repoRoot } from "../acceptance/acceptance.js"
import type { Emulator } from "../emulator/index.js"
import { FAST_ENV, ofType, runCli } from "../support/cli.js"
import { configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants, stateOf } from "../support/invariants.js"
import { type AirbyteMessage, parseMessage } from "../support/protocol.js"

const root = repoRoot()
const execFileAsync = promisify(execFile)

const RECIPE = /<!-- shell-recipe -->\n```sh\n([\s\S]*?)```\n<!-- \/shell-recipe -->/

/**
 * The commands of the shell-recipe block after the config it writes, continuation lines joined.
 * Exactly one page of README.md and docs/ holds such a block: docs/command-line.md.
 */
const recipe = (): string[] => {
  const pages = ["README.md", ...readdirSync(join(root, "docs")).map((f) => join("docs", f))].filter((p) => p.endsWith(".md"))
  const found = pages.flatMap((page) => {
    const block = RECIPE.exec(readFileSync(join(root, page), "utf8"))
    return block === null ? [] : [{ page, body: block[1]! }]
  })
  expect(found.map((f) => f.page)).toEqual(["docs/command-line.md"])
  const lines = found[0]!.body.split("\n")
  expect(lines[0]).toBe("npm ci && npm run build")
  expect(lines[1]).toBe("cat > config.json <<'JSON'")
  const end = lines.indexOf("JSON")
  expect(end).toBeGreaterThan(1)
  return lines
    .slice(end + 1)
    .join("\n")
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
}

const hasJq = spawnSync("jq", ["--version"]).status === 0

let emulator: Emulator
let work: string
beforeAll(async () => {
  emulator = await startTestEmulator()
  // Inside the clone (build/ is ignored by git), so that npx finds the package's own bin.
  mkdirSync(join(root, "build"), { recursive: true })
  work = mkdtempSync(join(root, "build", "readme-recipe-"))
})
afterAll(async () => {
  await emulator.close()
  rmSync(work, { recursive: true, force: true })
})

const lines = (file: string): AirbyteMessage[] =>
  readFileSync(join(work, file), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map(parseMessage)

describe("the docs' shell recipe", () => {
  it.skipIf(!hasJq)("checks, makes the configured catalog and the next state in one step each, and reads twice", async () => {
    const streams = ["feedback_record", "theme", "support_ticket_tag"]
    writeFileSync(join(work, "config.json"), JSON.stringify(configFor(emulator, { objects: streams })))
    const commands = recipe()
    expect(commands.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
      "npx source-enterpret check",
      "npx source-enterpret discover",
      "npx source-enterpret read",
      "jq -s '[.[]",
      "npx source-enterpret read"
    ])
    // As from a user's shell: without the npm_* variables of an enclosing npm or npx (CI runs this
    // file under `npx -p node@…`, whose npm_config_package would make the recipe's npx look there).
    const shellEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
    // Asynchronously: the emulator answers from this process's event loop.
    const run = async (command: string): Promise<string> => {
      const { stdout } = await execFileAsync("bash", ["-euo", "pipefail", "-c", command], {
        cwd: work,
        env: { ...shellEnv, ...FAST_ENV },
        encoding: "utf8"
      })
      return stdout
    }

    // check's one message goes to the terminal.
    const status = (await run(commands[0]!)).trim().split("\n").map(parseMessage)
    expect(status.map((m) => (m.connectionStatus as { status: string }).status)).toEqual(["SUCCEEDED"])

    // The catalog: every stream discover offers, incremental, with its cursor and key.
    await run(commands[1]!)
    const discover = await runCli(["discover", "--config", join(work, "config.json")])
    const discovered = (ofType(discover.messages, "CATALOG")[0]!.catalog as { streams: Array<{ name: string }> }).streams
    const catalog = JSON.parse(readFileSync(join(work, "catalog.json"), "utf8")) as { streams: Array<{ stream: unknown }> }
    expect(catalog.streams.map((s) => s.stream)).toEqual(discovered)
    expect(discovered.map((s) => s.name).sort()).toEqual([...streams].sort())
    for (const s of catalog.streams) {
      expect(s).toMatchObject({
        sync_mode: "incremental",
        destination_sync_mode: "append",
        cursor_field: ["_ab_export_window_end"],
        primary_key: [["record_id"]]
      })
    }

    // The first read, appended to messages.jsonl.
    await run(commands[2]!)
    const first = lines("messages.jsonl")
    expectReadInvariants(first)
    expect(new Set(ofType(first, "RECORD").map((m) => (m.record as { stream: string }).stream))).toEqual(
      new Set(["feedback_record", "theme"])
    )

    // The next state: each stream's last STATE of that read.
    await run(commands[3]!)
    const state = JSON.parse(readFileSync(join(work, "state.json"), "utf8")) as Array<{ stream: { stream_descriptor: { name: string } } }>
    expect(state.map((s) => s.stream.stream_descriptor.name).sort()).toEqual([...streams].sort())
    for (const entry of state) {
      const last = ofType(first, "STATE")
        .filter((m) => stateOf(m).stream === entry.stream.stream_descriptor.name)
        .at(-1)!
      expect(entry).toEqual(last.state)
    }

    // The second read resumes from it: at end_date already, it adds checkpoints and no record.
    await run(commands[4]!)
    const second = lines("messages.jsonl").slice(first.length)
    expectReadInvariants(second)
    expect(ofType(second, "RECORD")).toEqual([])
    expect(
      ofType(second, "STATE")
        .map((m) => stateOf(m).cursor)
        .sort()
    ).toEqual(state.map((s) => stateOf({ type: "STATE", state: s }).cursor).sort())
    expectNoSecret(emulator.token, readFileSync(join(work, "messages.jsonl"), "utf8"))
  })

  it.skipIf(spawnSync("git", ["-C", root, "rev-parse", "--git-dir"]).status !== 0)(
    "writes only files git ignores (and so Biome too), when run from the clone's root as the README says",
    () => {
      const block = RECIPE.exec(readFileSync(join(root, "docs/command-line.md"), "utf8"))![1]!
      const written = [...new Set([...block.matchAll(/>>?\s*([\w.-]+)/g)].map((m) => m[1]!))]
      // The config holds the token: a file left untracked beside the code is one `git add .` from a commit.
      expect(written.sort()).toEqual(["catalog.json", "config.json", "messages.jsonl", "state.json"])
      const ignored = spawnSync("git", ["-C", root, "check-ignore", "--no-index", ...written], { encoding: "utf8" })
      expect(ignored.stdout.trim().split("\n").sort()).toEqual(written)
    }
  )
})
