#!/usr/bin/env node
// `npm run bench`: the connector's throughput and memory against baselines measured in the same
// run on the same bytes (see the issue "Throughput and memory" and docs/benchmark.md).
//
// 1. The emulator generates (once; reused later) large bench objects into a directory on disk.
// 2. Per object: the connector's `read` (the machine's Node, no flags; with --node also the image's
//    Node with the image's NODE_OPTIONS, and bare), a bare Node pipeline, Python's standard library and
//    Python csv + orjson (the Python CDK's serialiser), one after another, each a child process whose stdout goes into a counting sink; their record
//    counts must agree (a benchmark that compares different work fails).
// 3. Peak RSS of `read` for a single file of --base-mb against one of --big-mb (with --node on the
//    image's Node with its NODE_OPTIONS, then bare; else on the machine's Node, bare).
// 4. `spec` cold start against `node -e 0`; export requests of a year's backfill (adaptive and daily
//    windows) against the floor.
// 5. A Markdown report to --out (and stdout).
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { repoRoot } from "../acceptance/acceptance.js"
import { imageFacts } from "../acceptance/dockerfile.js"
import { type Emulator, isoMinutes, isoSeconds, startEmulator } from "../emulator/index.js"
import { measureColdStart } from "./coldStart.js"
import {
  type ConnectorInputs,
  type Discovered,
  connectorEntry,
  discoverStreams,
  inputsFor,
  measureRead,
  useConnector
} from "./connector.js"
import { exportPlan, writePlan } from "./exportPlan.js"
import { measureBackfill } from "./exportRequests.js"
import { machine } from "./machine.js"
import { type Measurement, cpuPairs, hasGnuTime, measureChild, repeated, stopAll } from "./measure.js"
import { type BenchOptions, type Part, USAGE, parseOptions } from "./options.js"
import { summariseProfile } from "./profile.js"
import { measureReplicaRow, replicaOnly } from "./timeToReplica.js"
import { renderReport } from "./report.js"
import {
  type BenchResults,
  type CpuPerMbPairs,
  MB,
  MiB,
  type ObjectResult,
  type RssPair,
  type RssPoint,
  type Runtime,
  type RuntimeRun,
  runtimeLabel
} from "./results.js"

const NOW = "2025-12-15T10:30Z"
/** Export URLs a page of the bench emulator (issue 19's replica tenant: 24). */
const BENCH_FILES_PER_PAGE = 24
/**
 * The many-small-files object is read again from an emulator that serves 2 files a page, its own
 * default and the smallest page a tenant's answers were seen to hold: a page then costs an export
 * request every 2 files (500 for the object's 1000), and the page's cost weighs on CPU per MB as
 * much as the files' own (2026-12-04: 1.58x at 2 a page against 1.44x at 24, measured alone).
 */
const SMALL_PAGE = 2
/** The bench emulator's requests a minute: never the limit (the connector's is REQUESTS_PER_MINUTE, 600). */
const BENCH_EMULATOR_LIMIT = 100_000
const HOUR = 3_600_000
const started = performance.now()
const progress = (line: string): void => {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}

const NODE_BASELINE = fileURLToPath(new URL("./baselines/nodePipeline.js", import.meta.url))
/** baselines/nodeFloor.ts, bundled by build:integration (it imports the connector's encoder). */
const NODE_FLOOR = fileURLToPath(new URL("./baselines/nodeFloor.js", import.meta.url))
const pythonBaseline = (): string => join(repoRoot(), "integration_tests", "bench", "baselines", "python_baseline.py")
const orjsonBaseline = (): string => join(repoRoot(), "integration_tests", "bench", "baselines", "python_orjson_baseline.py")

interface Window {
  start: string
  end: string
  /** `_ab_export_window_end` */
  windowEnd: string
}

/** A Node to run the connector's `read` under, and the NODE_OPTIONS to give it ("": none). */
interface RunOn {
  readonly path: string
  readonly runtime: Runtime
}

/** The machine's Node (the one running the bench), no flags. */
const machineNode: RunOn = {
  path: process.execPath,
  runtime: { node: process.versions.node, image: false, nodeOptions: "" }
}
/**
 * --node (the image's Node 24): with the Dockerfile's NODE_OPTIONS, as the image runs it, and
 * bare, as npx, tap-enterpret and the pip wheel run it when nobody sets the flag.
 */
let imageNode: { readonly flagged: RunOn; readonly bare: RunOn } | undefined

const describe = (m: Measurement): string =>
  `${m.records} records in ${(m.wallMs / 1000).toFixed(2)} s, CPU ${m.cpuMs === undefined ? "n/a" : `${(m.cpuMs / 1000).toFixed(2)} s`}, ` +
  `peak RSS ${m.peakRssBytes === undefined ? "n/a" : `${(m.peakRssBytes / MiB).toFixed(0)} MiB`}`

const readOn = (on: RunOn, label: string, inputs: ConnectorInputs): Promise<Measurement> =>
  measureRead(`${label} (${runtimeLabel(on.runtime)})`, inputs, [], on.path, on.runtime.nodeOptions)

const checkBaseline = (m: Measurement): Measurement => {
  if (m.code !== 0 || m.signal !== null || !m.completeLines) {
    throw new Error(`${m.label} failed (exit ${m.signal ?? String(m.code)}): ${m.stderrTail.slice(-2000)}`)
  }
  return m
}

/**
 * The floor of a read in Node (baselines/nodeFloor.ts) over the same emulator, object and window
 * as the connector's: plain node:http, the connector's own encoder and envelope, nothing else.
 * Its CPU per MB on many small files against a few large ones is the most a Node connector can
 * hope for there, so the many-small-files target is read beside it (machine's Node, no flags).
 */
const floorRead = async (emu: Emulator, object: string, window: Window, label: string): Promise<Measurement> =>
  checkBaseline(
    await measureChild(process.execPath, [NODE_FLOOR, emu.baseUrl, emu.token, object, window.start, window.end], {
      label,
      env: { NODE_OPTIONS: "" },
      timeoutMs: 60 * 60_000
    })
  )

/**
 * Issue 20's CPU per MB of many small files against a few large ones, on `emu` at its page size:
 * the connector on the machine's Node and (with --node) on the image's as the image runs it, and
 * the floor of a read in Node, each from --pairs pairs of reads taken in turn (measure.ts
 * cpuPairs), their records checked against the throughput part's.
 */
const measureCpuPerMb = async (
  emu: Emulator,
  discovered: Discovered,
  few: ObjectResult,
  many: ObjectResult,
  filesPerPage: number,
  window: Window,
  o: BenchOptions
): Promise<CpuPerMbPairs[]> => {
  const label = `${many.object} against ${few.object} at ${filesPerPage} files a page`
  const shape = { filesPerPage, fewFiles: few.files, manyFiles: many.files, fewBytes: few.inputBytes, manyBytes: many.inputBytes }
  const measured: CpuPerMbPairs[] = []
  const pairs = async (
    reader: CpuPerMbPairs["reader"],
    runtime: Runtime,
    read: (object: string) => Promise<Measurement>
  ): Promise<void> => {
    progress(`${label}: ${o.pairs} pair(s) of reads in turn, ${reader} on ${runtimeLabel(runtime)}`)
    const result = await cpuPairs(
      o.pairs,
      { bytes: few.inputBytes, read: () => read(few.object) },
      { bytes: many.inputBytes, read: () => read(many.object) }
    )
    if (result === undefined) return
    if (result.few.records !== few.connector.records || result.many.records !== many.connector.records) {
      throw new Error(
        `${label}: ${reader} read ${result.few.records} and ${result.many.records} records, against ${few.connector.records} and ${many.connector.records}`
      )
    }
    progress(`${label}: ${reader}: ${result.ratios.map((ratio) => `${ratio.toFixed(2)}x`).join(", ")}; median ${result.ratio.toFixed(2)}x`)
    measured.push({ reader, runtime, ...shape, ...result })
  }
  /**
   * Each of the connector's reads does the throughput part's work: the same records and the same
   * bytes on stdout (at another page size too), checked read by read, whether or not CPU is measured.
   */
  const connector = (on: RunOn) => async (object: string) => {
    const read = await readOn(on, `connector read ${object} at ${filesPerPage} a page`, inputsFor(discovered, [object], "full_refresh"))
    const before = object === few.object ? few.connector : many.connector
    if (read.records !== before.records || read.stdoutBytes !== before.stdoutBytes) {
      throw new Error(
        `${label}: a read of ${object} on ${runtimeLabel(on.runtime)} wrote ${read.records} records in ${read.stdoutBytes} bytes, against ${before.records} in ${before.stdoutBytes} in the throughput part`
      )
    }
    return read
  }
  await pairs("connector", machineNode.runtime, connector(machineNode))
  if (imageNode !== undefined) await pairs("connector", imageNode.flagged.runtime, connector(imageNode.flagged))
  await pairs("floor", machineNode.runtime, (object) => floorRead(emu, object, window, `node floor ${object} at ${filesPerPage} a page`))
  return measured
}

const benchObject = async (
  emu: Emulator,
  discovered: Discovered,
  id: string,
  kind: "feedback" | "wide",
  many: boolean,
  window: Window,
  o: BenchOptions,
  python: boolean,
  orjson: boolean,
  scratch: string
): Promise<ObjectResult> => {
  const files = emu.benchFiles().filter((f) => f.objectId === id)
  const inputBytes = files.reduce((n, f) => n + f.bytes, 0)
  const inputs = inputsFor(discovered, [id], "full_refresh")
  const plan = await exportPlan(emu, id, window.start, window.end, window.windowEnd)
  if (plan.files.length !== files.length)
    throw new Error(`export of ${id} listed ${plan.files.length} files, the emulator has ${files.length}`)
  const planPath = join(scratch, `${id}.plan.json`)
  writePlan(planPath, plan)
  // The same plan with each file's copy on local disk (the URL's `-part-N` is the emulator's Nth file).
  const localPlanPath = join(scratch, `${id}.local.plan.json`)
  writePlan(localPlanPath, {
    ...plan,
    files: plan.files.map((f) => {
      const part = Number(/-part-(\d+)\./.exec(f.fileUrl)?.[1] ?? Number.NaN)
      const local = files[part]
      if (local === undefined) throw new Error(`${id}: no local file for ${f.fileUrl}`)
      return { ...f, path: local.path }
    })
  })

  progress(`${id}: connector read (${(inputBytes / MB).toFixed(0)} MB in ${files.length} files)`)
  const connector = await repeated(o.repeat, () => readOn(machineNode, `connector read ${id}`, inputs))
  progress(`${id}: connector (${runtimeLabel(machineNode.runtime)}): ${describe(connector)}`)
  const onImage = async (on: RunOn): Promise<RuntimeRun> => {
    progress(`${id}: connector read on ${runtimeLabel(on.runtime)}`)
    const run = await repeated(o.repeat, () => readOn(on, `connector read ${id}`, inputs))
    progress(`${id}: connector on ${runtimeLabel(on.runtime)}: ${describe(run)}`)
    return { runtime: on.runtime, run }
  }
  const connectorImage = imageNode === undefined ? undefined : await onImage(imageNode.flagged)
  const connectorImageBare = imageNode === undefined ? undefined : await onImage(imageNode.bare)
  progress(`${id}: bare Node pipeline`)
  const node = await repeated(o.repeat, async () =>
    checkBaseline(
      await measureChild(process.execPath, [NODE_BASELINE, planPath], {
        label: `node baseline ${id}`,
        env: { NODE_OPTIONS: "" },
        timeoutMs: 60 * 60_000
      })
    )
  )
  progress(`${id}: node: ${describe(node)}`)
  let py: Measurement | undefined
  if (python) {
    progress(`${id}: Python stdlib baseline`)
    py = await repeated(o.repeat, async () =>
      checkBaseline(await measureChild("python3", [pythonBaseline(), planPath], { label: `python baseline ${id}`, timeoutMs: 60 * 60_000 }))
    )
    progress(`${id}: python: ${describe(py)}`)
  }
  let pyOrjson: Measurement | undefined
  if (orjson) {
    progress(`${id}: Python csv + orjson baseline`)
    pyOrjson = await repeated(o.repeat, async () =>
      checkBaseline(
        await measureChild("python3", [orjsonBaseline(), planPath], { label: `python orjson baseline ${id}`, timeoutMs: 60 * 60_000 })
      )
    )
    progress(`${id}: python orjson: ${describe(pyOrjson)}`)
  }
  let orjsonLocal: Measurement | undefined
  if (orjson) {
    progress(`${id}: Python csv + orjson from local disk`)
    orjsonLocal = await repeated(o.repeat, async () =>
      checkBaseline(
        await measureChild("python3", [orjsonBaseline(), localPlanPath, "--local"], {
          label: `python orjson local-disk baseline ${id}`,
          timeoutMs: 60 * 60_000
        })
      )
    )
    progress(`${id}: python orjson, local disk: ${describe(orjsonLocal)}`)
  }
  const counts = [
    connector,
    node,
    ...[py, pyOrjson, orjsonLocal, connectorImage?.run, connectorImageBare?.run].filter((m): m is Measurement => m !== undefined)
  ]
  if (connector.records === 0 || counts.some((m) => m.records !== connector.records)) {
    throw new Error(`${id}: the runners did not do the same work: ${counts.map((m) => `${m.label} ${m.records} records`).join(", ")}`)
  }
  return {
    object: id,
    kind,
    many,
    files: files.length,
    inputBytes,
    connector,
    node,
    python: py,
    orjson: pyOrjson,
    orjsonLocal,
    connectorImage,
    connectorImageBare
  }
}

/**
 * The many-small-files object against the few large files, from an emulator serving SMALL_PAGE
 * files a page, on the same generated files (the emulator finds them in the bench folder): their
 * CPU per MB (measureCpuPerMb), every read's records and output bytes checked against the read at
 * BENCH_FILES_PER_PAGE.
 */
const cpuPerMbAtSmallPages = async (
  few: ObjectResult,
  many: ObjectResult,
  options: Parameters<typeof startEmulator>[0],
  window: Window,
  o: BenchOptions
): Promise<CpuPerMbPairs[]> => {
  const emu = await startEmulator({ ...options, filesPerPage: SMALL_PAGE })
  let discovered: Discovered | undefined
  try {
    discovered = await discoverStreams({
      baseUrl: emu.baseUrl,
      token: emu.token,
      streams: [few.object, many.object],
      startDate: window.start,
      endDate: window.end,
      windowHours: 1,
      syncMode: "full_refresh"
    })
    return await measureCpuPerMb(emu, discovered, few, many, SMALL_PAGE, window, o)
  } finally {
    await emu.close()
    if (discovered !== undefined) rmSync(discovered.dir, { recursive: true, force: true })
  }
}

const rssPoint = async (emu: Emulator, discovered: Discovered, id: string, o: BenchOptions, on: RunOn): Promise<RssPoint> => {
  const inputBytes = emu
    .benchFiles()
    .filter((f) => f.objectId === id)
    .reduce((n, f) => n + f.bytes, 0)
  const inputs = inputsFor(discovered, [id], "full_refresh")
  progress(`${id}: connector read of one ${(inputBytes / MB).toFixed(0)} MB file on ${runtimeLabel(on.runtime)}`)
  const run = await repeated(o.repeat, () => readOn(on, `connector read ${id}`, inputs))
  if (run.records === 0) throw new Error(`${id}: no records`)
  progress(`${id}: ${describe(run)}`)
  return { object: id, inputBytes, run }
}

const rssPair = async (emu: Emulator, discovered: Discovered, o: BenchOptions, on: RunOn): Promise<RssPair> => ({
  runtime: on.runtime,
  base: await rssPoint(emu, discovered, "bench_50mb", o, on),
  big: await rssPoint(emu, discovered, "bench_big", o, on)
})

const profileRun = async (discovered: Discovered, id: string, dir: string) => {
  const inputs = inputsFor(discovered, [id], "full_refresh")
  const profileDir = join(dir, id)
  rmSync(profileDir, { recursive: true, force: true })
  mkdirSync(profileDir, { recursive: true })
  progress(`${id}: connector read under --cpu-prof (into ${profileDir})`)
  await measureRead(`connector read ${id} (profiled)`, inputs, ["--cpu-prof", "--cpu-prof-dir", profileDir])
  return { object: id, summary: summariseProfile(profileDir, repoRoot()) }
}

const main = async (): Promise<void> => {
  const o = parseOptions(process.argv.slice(2))
  if (o.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  if (o.connector !== undefined) useConnector(resolve(o.connector))
  if (!existsSync(connectorEntry())) throw new Error(`${connectorEntry()} does not exist: run \`npm run build\` first`)
  const root = repoRoot()
  const out = resolve(o.out ?? join(root, "integration_tests", "bench", "RESULTS.md"))
  if (o.only === "replica") return replicaOnly(o, out, progress)
  const runs = (part: Part): boolean => o.parts === undefined || o.parts.has(part)
  if (o.node !== undefined) {
    const version = execFileSync(o.node, ["--version"], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } })
      .trim()
      .replace(/^v/, "")
    // The Dockerfile's ENV NODE_OPTIONS (--max-semi-space-size=1): how the image runs its Node 24.
    const flags = imageFacts().env.NODE_OPTIONS ?? ""
    if (flags === "") throw new Error("--node: the Dockerfile sets no NODE_OPTIONS to run the image's Node with")
    imageNode = {
      flagged: { path: o.node, runtime: { node: version, image: true, nodeOptions: flags } },
      bare: { path: o.node, runtime: { node: version, image: true, nodeOptions: "" } }
    }
  }
  const benchDir = resolve(o.benchDir ?? join(tmpdir(), "source-enterpret-bench"))
  const m = machine()
  const pythonSkipped = o.skipPython ? "skipped (--skip-python)" : m.python === undefined ? "skipped: python3 is not installed" : undefined
  const orjsonSkipped =
    pythonSkipped ??
    (m.orjson === undefined ? "skipped: python3 cannot import orjson (`pip install orjson` to measure against it)" : undefined)
  if (orjsonSkipped !== undefined) progress(`Python csv + orjson baseline ${orjsonSkipped}`)
  const scratch = mkdtempSync(join(tmpdir(), "source-enterpret-bench-run-"))

  const throughput = runs("throughput")
    ? [
        { id: "bench_feedback", kind: "feedback" as const, many: false, bytes: o.feedbackMb * MB, files: o.feedbackFiles },
        { id: "bench_wide", kind: "wide" as const, many: false, bytes: o.wideMb * MB, files: o.wideFiles },
        { id: "bench_many", kind: "feedback" as const, many: true, bytes: o.manyMb * MB, files: o.manyFiles }
      ]
    : []
  const skipRss = o.skipRss || !runs("rss")
  const objects = [
    ...throughput,
    ...(skipRss
      ? []
      : [
          { id: "bench_50mb", kind: "feedback" as const, many: false, bytes: o.baseMb * MB, files: 1 },
          { id: "bench_big", kind: "feedback" as const, many: false, bytes: o.bigMb * MB, files: 1 }
        ])
  ]
  progress(
    `emulator: preparing ${objects.map((b) => `${b.id} ${(b.bytes / MB).toFixed(0)} MB`).join(", ")} in ${benchDir} (generated once, then reused)`
  )
  const emulatorOptions = {
    seed: "bench",
    now: NOW,
    urlTtlSeconds: 24 * 3600,
    // 24 files a page, as issue 19's replica tenant: at the emulator's default of 2, the
    // many-small-files object (then 500 files) took 250 export requests a read, and two reads
    // within a minute (the machine's Node, then --node) passed the emulator's 600 a minute: the
    // second got 429s and waited ~56 s (58.9 s of wall time for 4 s of CPU on Node 24). At 24,
    // 1000 files are 42 requests a read.
    filesPerPage: BENCH_FILES_PER_PAGE,
    // The emulator's own limits far above the connector's REQUESTS_PER_MINUTE (600, in its config),
    // so that back-to-back reads never see a 429; each read still paces itself at 600 a minute.
    rateLimits: { exportPerMinute: BENCH_EMULATOR_LIMIT, objectsPerMinute: BENCH_EMULATOR_LIMIT },
    bench: { dir: benchDir, objects }
  }
  const emu = await startEmulator(emulatorOptions)
  let results: BenchResults
  let discovered: Discovered | undefined
  try {
    const end = emu.dataSpan.end.getTime()
    const window: Window = { start: isoMinutes(end - HOUR), end: isoMinutes(end), windowEnd: isoSeconds(end) }
    progress("connector discover of the bench objects")
    discovered = await discoverStreams({
      baseUrl: emu.baseUrl,
      token: emu.token,
      streams: objects.map((b) => b.id),
      startDate: window.start,
      endDate: window.end,
      windowHours: 1,
      syncMode: "full_refresh"
    })
    const measured: ObjectResult[] = []
    for (const b of throughput)
      measured.push(
        await benchObject(
          emu,
          discovered,
          b.id,
          b.kind,
          b.many,
          window,
          o,
          pythonSkipped === undefined,
          orjsonSkipped === undefined,
          scratch
        )
      )
    const manyResult = measured.find((r) => r.many === true)
    const fewResult = measured.find((r) => r.kind === "feedback" && r.many !== true)
    const both = manyResult === undefined || fewResult === undefined ? undefined : { few: fewResult, many: manyResult }
    const cpuPerMb = both === undefined ? [] : await measureCpuPerMb(emu, discovered, both.few, both.many, BENCH_FILES_PER_PAGE, window, o)
    const atSmallPages = both === undefined ? [] : await cpuPerMbAtSmallPages(both.few, both.many, emulatorOptions, window, o)
    // Issue 20's memory target is the image's: with --node the pair runs on its Node with its
    // NODE_OPTIONS, and once more bare; without --node, on the machine's Node, bare.
    const rss = skipRss ? undefined : await rssPair(emu, discovered, o, imageNode?.flagged ?? machineNode)
    const rssBare = skipRss || imageNode === undefined ? undefined : await rssPair(emu, discovered, o, imageNode.bare)
    let coldStart: BenchResults["coldStart"]
    if (runs("spec")) {
      progress("spec cold start")
      coldStart = await measureColdStart(o.specRuns)
      progress(`spec ${coldStart.specMs.toFixed(1)} ms, node -e 0 ${coldStart.nodeMs.toFixed(1)} ms`)
    }
    // The year-long tenant of issue #10: its last --backfill-days days.
    const days = o.backfillDays
    let backfill: BenchResults["backfill"]
    if (runs("backfill")) {
      progress(`export requests of a ${days}-day backfill over the year-long tenant, adaptive and daily windows`)
      backfill = await measureBackfill(days)
      progress(`export requests: adaptive ${backfill.adaptive.requests}, daily ${backfill.daily.requests}, floor ${backfill.floor}`)
    }
    const replica = o.skipReplica || !runs("replica") ? undefined : await measureReplicaRow(o, progress)
    const profiles = []
    if (o.cpuProfDir !== undefined) {
      for (const b of throughput) profiles.push(await profileRun(discovered, b.id, resolve(o.cpuProfDir)))
    }
    const args = process.argv.slice(2)
    results = {
      machine: m,
      invocation: `npm run bench${args.length === 0 ? "" : ` -- ${args.join(" ")}`}`,
      repeat: o.repeat,
      small: o.small,
      measureMethod: hasGnuTime() ? "from GNU time" : "sampled from /proc",
      pythonSkipped,
      orjsonSkipped,
      machineRuntime: machineNode.runtime,
      filesPerPage: BENCH_FILES_PER_PAGE,
      objects: measured,
      cpuPerMb: [...cpuPerMb, ...atSmallPages],
      rss,
      rssBare,
      coldStart,
      backfill,
      replica,
      profiles,
      totalMs: performance.now() - started,
      loadAtEnd: loadavg()[0] ?? 0
    }
  } finally {
    await emu.close()
    rmSync(scratch, { recursive: true, force: true })
    // The generated CSV (1.7 GB at the defaults) goes unless --keep-data asked to reuse it.
    if (!o.keepData) rmSync(benchDir, { recursive: true, force: true })
    if (discovered !== undefined) rmSync(discovered.dir, { recursive: true, force: true })
  }
  const markdown = renderReport(results)
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, markdown)
  if (o.json !== undefined) writeFileSync(resolve(o.json), `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(markdown)
  progress(`report written to ${out}`)
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stopAll()
    process.stderr.write(`bench: stopped by ${signal}\n`)
    process.exit(130)
  })
}

main().catch((error: unknown) => {
  stopAll()
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
