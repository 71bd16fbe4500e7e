// `npm run bench -- --small` works: it runs the built connector and the baselines on the same
// bytes, checks they emitted the same records, and writes the report. A benchmark, not a test of
// speed: nothing here compares a number with a target (CI machines are not timed).
// `npm test` runs it smaller still (1-2 MB objects, an 8 MB RSS file, a 14-day backfill: the
// backfill's 840 daily export requests were most of the 23 s), and leaves the time to replica to
// the test that runs it alone (5 s); SOURCE_ENTERPRET_LONG_TESTS=1 (set by .ci/run) runs `--small`
// as documented.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import type { BenchResults } from "../bench/results.js"
import { LONG_TESTS } from "../support/long.js"

const BENCH = fileURLToPath(new URL("../../build/integration_tests/bench/bench.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "source-enterpret-bench-test-"))
const python = spawnSync("python3", ["--version"]).status === 0
const orjson = python && spawnSync("python3", ["-c", "import orjson"]).status === 0

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SHORTER = [
  "--feedback-mb",
  "2",
  "--wide-mb",
  "1",
  // the feedback object's bytes, as the bench's default (issue 20: CPU per MB at equal bytes)
  "--many-mb",
  "2",
  "--many-files",
  "10",
  "--base-mb",
  "2",
  "--big-mb",
  "8",
  "--spec-runs",
  "2",
  "--backfill-days",
  "14"
]

const run = (args: ReadonlyArray<string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t
    })
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t
    })
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** The cells of the Markdown table rows whose first cell starts with `first`. */
const rows = (markdown: string, first: string): string[][] =>
  markdown
    .split("\n")
    .filter((line) => line.startsWith(`| ${first}`))
    .map((line) => line.slice(2, -2).split(" | "))

const numberIn = (cell: string | undefined): number => Number((cell ?? "").replace(/[,x]/g, ""))

/** Time to replica (issue 19): every record once (the bench checks it), counted against the floors. */
const expectReplica = (markdown: string, results: BenchResults) => {
  expect(markdown).toContain("### Time to replica")
  const replica = results.replica!
  expect(replica.reads.map((r) => r.connections)).toEqual([4])
  for (const r of replica.reads) {
    expect(r.records).toBe(replica.expectedRecords)
    expect(r.requests).toBeGreaterThanOrEqual(replica.requestFloor)
    expect(r.floorMs).toBeGreaterThan(0)
    expect(r.mostWithoutCheckpoint).toBeLessThanOrEqual(3)
  }
  expect(replica.discoverRequests).toBeGreaterThan(0)
}

describe("npm run bench -- --small", () => {
  it("measures the connector and the baselines on the same records and writes the Markdown report", async () => {
    const out = join(dir, "RESULTS.md")
    const json = join(dir, "results.json")
    const data = join(dir, "data")
    // The short form leaves the time-to-replica part to the next test, which runs it alone.
    const short = [...SHORTER, "--only", "throughput,rss,spec,backfill"]
    const result = await run(["--small", ...(LONG_TESTS ? [] : short), "--bench-dir", data, "--out", out, "--json", json], 115_000)
    expect(result.code, result.stderr).toBe(0)
    // The generated CSV is gone once the run ends (issue 20: it left 1.7 GB in /tmp); --keep-data keeps it.
    expect(existsSync(data)).toBe(false)
    const markdown = readFileSync(out, "utf8")
    expect(result.stdout).toBe(markdown)
    expect(markdown).toMatch(/^Machine: .+, \d+ cores, .*Node v\d+/m)

    const runners = [
      "**connector** `read`",
      "bare Node: csv-parse + JSON.stringify",
      ...(python ? ["Python stdlib: csv.DictReader + json.dumps"] : []),
      ...(orjson ? ["Python csv.DictReader + orjson.dumps", "Python csv.DictReader + orjson.dumps, **local disk**"] : [])
    ]
    for (const object of ["bench_feedback", "bench_wide", "bench_many"]) {
      const table = rows(markdown, `${object} (`)
      expect(table.map((cells) => cells[1])).toEqual(runners)
      // records, wall s, CPU s, records/s, records/CPU s, input MB/s, peak RSS MB, output MB, ratio, ratio per CPU s
      const records = table.map((cells) => numberIn(cells[2]))
      expect(new Set(records).size).toBe(1)
      for (const cells of table) {
        for (const i of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
          // CPU times and peak RSS MB are "n/a" where neither GNU time nor /proc exists
          if ([4, 6, 8, 11].includes(i) && cells[i] === "n/a") continue
          expect(numberIn(cells[i]), `${object}: ${cells.join(" | ")}`).toBeGreaterThan(0)
        }
      }
    }
    for (const file of ["bench_50mb", "bench_big"]) {
      const [cells] = rows(markdown, `${file} |`)
      expect(cells).toHaveLength(7)
      for (const i of [1, 2, 3, 4, 5]) expect(numberIn(cells?.[i])).toBeGreaterThan(0)
      if (cells?.[6] !== "n/a") expect(numberIn(cells?.[6])).toBeGreaterThan(0)
    }
    expect(markdown).toMatch(/^Peak RSS ratio, .*: (\d+\.\d\dx|n\/a)\.$/m)
    expect(numberIn(rows(markdown, "`node -e 0`")[0]?.[1])).toBeGreaterThan(0)
    expect(numberIn(rows(markdown, "`node dist/main.js spec`")[0]?.[1])).toBeGreaterThan(0)
    if (!orjson) expect(markdown).toMatch(/^Python csv \+ orjson baseline: skipped/m)
    for (const target of [
      "read records/s ≥ Python stdlib baseline",
      "read records/s ≥ 2x Python csv + orjson",
      "read records per CPU second ≥ 1.5x Python csv + orjson",
      "read records/s ≥ 0.8x bare Node pipeline",
      "peak RSS flat",
      "spec cold start",
      "backfill: adaptive export requests ≤",
      "backfill with window_hours 24",
      "many small files, 24 a page: CPU per MB",
      "many small files, 2 a page: CPU per MB",
      ...(orjson ? ["read wall time ≤ half of Python csv + orjson from local disk"] : [])
    ]) {
      expect(markdown).toContain(target)
    }

    const results = JSON.parse(readFileSync(json, "utf8")) as BenchResults
    expect(results.objects.map((o) => o.object)).toEqual(["bench_feedback", "bench_wide", "bench_many"])
    expect(results.objects.map((o) => o.files)).toEqual([4, 2, LONG_TESTS ? 20 : 10])
    for (const o of results.objects) {
      const runs = [o.connector, o.node, ...[o.python, o.orjson, o.orjsonLocal].filter((m) => m !== undefined)]
      expect(runs).toHaveLength(2 + (python ? 1 : 0) + (orjson ? 2 : 0))
      for (const m of runs) {
        expect(m.records).toBe(o.connector.records)
        expect(m.wallMs).toBeGreaterThan(0)
        expect(m.stdoutBytes).toBeGreaterThan(o.inputBytes)
        if (m.cpuMs !== undefined) expect(m.cpuMs).toBeGreaterThan(0)
        if (m.peakRssBytes !== undefined) expect(m.peakRssBytes).toBeGreaterThan(1_000_000)
      }
      expect(o.connector.records).toBeGreaterThan(1000)
    }
    // CPU per MB from pairs of reads in turn: the connector and the floor at 24 and at 2 files a
    // page, each pair's reads the same records as the throughput part's (the connector's the same
    // bytes too).
    const many = results.objects.find((o) => o.many === true)!
    expect(results.filesPerPage).toBe(24)
    const few = results.objects.find((o) => o.object === "bench_feedback")!
    const pairs = results.cpuPerMb ?? []
    expect(pairs.map((p) => [p.reader, p.filesPerPage])).toEqual([
      ["connector", 24],
      ["floor", 24],
      ["connector", 2],
      ["floor", 2]
    ])
    for (const p of pairs) {
      // --small's one pair (measure.ts cpuPairs' order and medians have unit tests)
      expect(p.ratios).toHaveLength(1)
      expect(p.fewCpuMs).toHaveLength(1)
      expect(p.few.records).toBe(few.connector.records)
      expect(p.many.records).toBe(many.connector.records)
      expect(p).toMatchObject({ fewFiles: few.files, manyFiles: many.files, fewBytes: few.inputBytes, manyBytes: many.inputBytes })
      if (p.reader === "connector") expect(p.many.stdoutBytes).toBe(many.connector.stdoutBytes)
      expect(p.ratio).toBeGreaterThan(0)
    }
    expect(rows(markdown, "**connector** `read`, Node").map((cells) => cells[1])).toEqual(["24", "2"])
    expect(rows(markdown, "floor, Node").map((cells) => cells[1])).toEqual(["24", "2"])
    expect(results.rss?.big.inputBytes).toBeGreaterThan(results.rss?.base.inputBytes ?? Infinity)
    const b = results.backfill!
    expect(b.dailyWindows).toBe(b.streams * b.days)
    expect(b.daily.requests).toBe(b.dailyWindows + b.dailyExtraPages)
    expect(b.adaptive.requests).toBeGreaterThanOrEqual(b.floor)
    expect(b.adaptive.records).toBeGreaterThan(0)
    expect(results.coldStart?.specMs).toBeGreaterThan(0)
    expect(results.coldStart?.nodeMs).toBeGreaterThan(0)
    if (LONG_TESTS) expectReplica(markdown, results)
    else expect(markdown).not.toContain("### Time to replica")
  }, 120_000)

  it("--only replica measures the time-to-replica row alone and replaces its section of --out, keeping the rest", async () => {
    const out = join(dir, "ONLY.md")
    writeFileSync(out, "# Before\n\n<!-- time to replica: begin -->\nold figures\n<!-- time to replica: end -->\n\n# After\n")
    const json = join(dir, "only.json")
    const result = await run(["--small", "--only", "replica", "--out", out, "--json", json], 60_000)
    expect(result.code, result.stderr).toBe(0)
    const markdown = readFileSync(out, "utf8")
    expectReplica(markdown, JSON.parse(readFileSync(json, "utf8")) as BenchResults)
    expect(markdown).toMatch(/^# Before\n\n<!-- time to replica: begin -->\n### Time to replica\n/)
    expect(markdown).not.toContain("old figures")
    expect(markdown).toMatch(/<!-- time to replica: end -->\n\n# After\n$/)
    expect(rows(markdown, "4 |")).toHaveLength(1)
  }, 70_000)
})
