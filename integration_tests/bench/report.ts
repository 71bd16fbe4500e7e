// The Markdown report: machine, throughput of the connector and the baselines on the same bytes
// with each ratio, the targets, peak RSS against file size, `spec` cold start, export requests,
// and (with --cpu-prof) where the connector's CPU goes. docs/benchmark.md quotes it.
import { replicaSection } from "./timeToReplica.js"
import { type Measurement, median } from "./measure.js"
import type { Backfill, BackfillRead } from "./exportRequests.js"
import { type BenchResults, MB, MiB, type RssPair, type Runner, recordsPerCpuSecond, recordsPerSecond, runtimeLabel } from "./results.js"
import { checkTargets } from "./targets.js"

const RUNNER_NAMES: Record<Runner, string> = {
  connector: "**connector** `read`",
  node: "bare Node: csv-parse + JSON.stringify",
  python: "Python stdlib: csv.DictReader + json.dumps",
  orjson: "Python csv.DictReader + orjson.dumps",
  orjsonLocal: "Python csv.DictReader + orjson.dumps, **local disk**",
  // with the Node and its NODE_OPTIONS: "on Node 24.21.0, image NODE_OPTIONS (...)" / "on Node 24.21.0, no flags"
  connectorImage: "**connector** `read`, --node, image NODE_OPTIONS",
  connectorImageBare: "**connector** `read`, --node, no flags"
}

const fixed = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? "n/a" : n.toFixed(digits))
const int = (n: number): string => Math.round(n).toLocaleString("en-US")
const mb = (bytes: number | undefined): string =>
  fixed(bytes === undefined ? undefined : bytes / MB, bytes !== undefined && bytes < 10 * MB ? 1 : 0)
/** Memory in MiB (2^20 bytes), the unit of issue 20's targets. */
const mib = (bytes: number | undefined): string => fixed(bytes === undefined ? undefined : bytes / MiB, 0)
const seconds = (ms: number | undefined): string => fixed(ms === undefined ? undefined : ms / 1000, 2)

const row = (cells: ReadonlyArray<string>): string => `| ${cells.join(" | ")} |`
const table = (head: ReadonlyArray<string>, align: ReadonlyArray<"l" | "r">, rows: ReadonlyArray<ReadonlyArray<string>>): string[] => [
  row(head),
  row(align.map((a) => (a === "r" ? "---:" : "---"))),
  ...rows.map(row)
]

const throughputRow = (object: string, runner: Runner, m: Measurement, inputBytes: number, connector: Measurement): string[] => {
  const rps = recordsPerSecond(m)
  const ratio = recordsPerSecond(connector) / rps
  const perCpu = recordsPerCpuSecond(m)
  const ours = recordsPerCpuSecond(connector)
  const cpuRatio = perCpu === undefined || ours === undefined ? "n/a" : `${(ours / perCpu).toFixed(2)}x`
  return [
    object,
    RUNNER_NAMES[runner],
    int(m.records),
    seconds(m.wallMs),
    seconds(m.cpuMs),
    int(rps),
    perCpu === undefined ? "n/a" : int(perCpu),
    fixed(inputBytes / MB / (m.wallMs / 1000), 1),
    mib(m.peakRssBytes),
    mb(m.stdoutBytes),
    runner === "connector" ? "1.00x" : `${ratio.toFixed(2)}x`,
    runner === "connector" ? "1.00x" : cpuRatio
  ]
}

export const renderReport = (r: BenchResults): string => {
  const m = r.machine
  const out: string[] = []
  out.push("### Benchmark results", "")
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB RAM, ${m.os}; Node ${m.node}; ` +
      `Python ${m.python ?? "not installed"}. Measured ${m.date} with \`${r.invocation}\` ` +
      `(${r.repeat === 1 ? "one run of each" : `median of ${r.repeat} runs of each`}, one after another; ` +
      `CPU time and peak RSS ${r.measureMethod}; MB = 10^6 bytes, MiB = 2^20 bytes). ` +
      `Load average (1 min): ${m.load.toFixed(2)} at the start, ${r.loadAtEnd.toFixed(2)} at the end (the benchmark's own ` +
      `processes, a runner, the emulator and the sink, count in the second)` +
      // The benchmark alone keeps two cores busy to a load of 1.3-2.1 at its end (runs of
      // 2026-11-30), so the end counts as busy only past the cores plus a half; the start, before
      // any of its own processes, past half the cores.
      (m.load > m.cores / 2 || r.loadAtEnd > m.cores + 0.5
        ? ": **the machine was busy with other work; absolute numbers are skewed, ratios less so**."
        : "."),
    ""
  )
  out.push(
    "Throughput: one stream, one hour-long export window over loopback HTTP from the emulator, stdout into a counting sink. " +
      "Every runner downloads the same signed URLs and writes the same RECORD envelopes (with `_ab_export_window_end` and `_ab_source_file_url`); " +
      "record counts are checked equal. *connector ÷ this* is the connector's records/s divided by that row's; " +
      "*per CPU s* divides records per CPU second (user + system time of every thread), what a record costs whatever the cores. " +
      `The connector's rows run on ${runtimeLabel(r.machineRuntime)} (NODE_OPTIONS set empty)` +
      (r.objects.some((o) => o.connectorImage !== undefined)
        ? "; the --node rows on the image's Node, once with the image's NODE_OPTIONS (the Dockerfile's ENV, as the image runs it) " +
          "and once with no flags (as npx, tap-enterpret and the pip wheel run it)."
        : "."),
    ""
  )
  const rows: string[][] = []
  for (const o of r.objects) {
    const label = `${o.object} (${o.kind}, ${mb(o.inputBytes)} MB in ${o.files} files)`
    rows.push(throughputRow(label, "connector", o.connector, o.inputBytes, o.connector))
    rows.push(throughputRow(label, "node", o.node, o.inputBytes, o.connector))
    if (o.python !== undefined) rows.push(throughputRow(label, "python", o.python, o.inputBytes, o.connector))
    if (o.orjson !== undefined) rows.push(throughputRow(label, "orjson", o.orjson, o.inputBytes, o.connector))
    if (o.orjsonLocal !== undefined) rows.push(throughputRow(label, "orjsonLocal", o.orjsonLocal, o.inputBytes, o.connector))
    for (const [runner, other] of [
      ["connectorImage", o.connectorImage],
      ["connectorImageBare", o.connectorImageBare]
    ] as const) {
      if (other === undefined) continue
      const cells = throughputRow(label, runner, other.run, o.inputBytes, o.connector)
      cells[1] = `**connector** \`read\` on ${runtimeLabel(other.runtime)}`
      rows.push(cells)
    }
  }
  out.push(
    ...table(
      [
        "object",
        "runner",
        "records",
        "wall s",
        "CPU s",
        "records/s",
        "records/CPU s",
        "input MB/s",
        "peak RSS MiB",
        "output MB",
        "connector ÷ this",
        "per CPU s"
      ],
      ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
      rows
    ),
    ""
  )
  if (r.pythonSkipped !== undefined) out.push(`Python baseline: ${r.pythonSkipped}.`, "")
  if (r.orjsonSkipped !== undefined) out.push(`Python csv + orjson baseline: ${r.orjsonSkipped}.`, "")

  out.push("Targets (ratios from this run):", "")
  out.push(
    ...table(
      ["target", "measured", "result"],
      ["l", "r", "l"],
      checkTargets(r).map((c) => [c.target, c.measured, c.met === undefined ? "not measured" : c.met ? "met" : "**missed**"])
    ),
    ""
  )

  if (r.rss !== undefined) out.push(...rssSection(r.rss))
  if (r.rssBare !== undefined) out.push(...rssSection(r.rssBare))

  const pairs = r.cpuPerMb ?? []
  if (pairs.length > 0) {
    const first = pairs[0]!
    out.push(
      `CPU per MB of ${first.manyFiles} small files against ${first.fewFiles} larger ones (${mb(first.manyBytes)} and ${mb(first.fewBytes)} MB), ` +
        "from pairs of reads taken in turn (few then many, then many then few), each pair's ratio from reads seconds apart, the " +
        "median judged. The floor is a read in Node with nothing but plain `node:http` and the connector's own encoder and " +
        "envelope (`baselines/nodeFloor.ts`, on the machine's Node): the least a Node connector can hope for. The CPU " +
        "columns are each side's median read, so their quotient can differ from the median pair's ratio.",
      "",
      ...table(
        ["reader", "files a page", "CPU s per 100 MB, small files", "CPU s per 100 MB, larger ones", "ratio (median pair)", "each pair"],
        ["l", "r", "r", "r", "r", "l"],
        pairs.map((p) => {
          const per100 = (cpuMs: ReadonlyArray<number>, bytes: number) => (median(cpuMs) / 1000 / (bytes / MB)) * 100
          return [
            `${p.reader === "connector" ? "**connector** `read`" : "floor"}, ${runtimeLabel(p.runtime)}`,
            String(p.filesPerPage),
            fixed(per100(p.manyCpuMs, p.manyBytes), 2),
            fixed(per100(p.fewCpuMs, p.fewBytes), 2),
            `${fixed(p.ratio, 2)}x`,
            p.ratios.map((ratio) => `${fixed(ratio, 2)}x`).join(", ")
          ]
        })
      ),
      ""
    )
  }

  const c = r.coldStart
  if (c !== undefined) {
    out.push(`\`spec\` cold start (median of ${c.runs} runs each, alternating):`, "")
    out.push(
      ...table(
        ["command", "median ms"],
        ["l", "r"],
        [
          ["`node -e 0`", fixed(c.nodeMs, 1)],
          ["`node dist/main.js spec`", fixed(c.specMs, 1)],
          ["ratio", `${c.ratio.toFixed(2)}x`]
        ]
      ),
      ""
    )
  }

  if (r.backfill !== undefined) out.push(...backfillSection(r.backfill))
  if (r.replica !== undefined) out.push("", ...replicaSection(r.replica))

  for (const p of r.profiles) {
    const s = p.summary
    out.push(
      `CPU profile of the connector's \`read\` of ${p.object} (\`node --cpu-prof\`, ${seconds(s.totalMs)} s sampled; self time):`,
      ""
    )
    out.push(
      ...table(
        ["function (source)", "self ms", "share"],
        ["l", "r", "r"],
        s.functions.map((f) => [`\`${f.name.replace(/\|/g, "\\|")}\``, fixed(f.selfMs, 0), `${(f.share * 100).toFixed(1)}%`])
      ),
      ""
    )
    out.push(
      ...table(
        ["by source", "self ms", "share"],
        ["l", "r", "r"],
        s.sources.map((f) => [`\`${f.name.replace(/\|/g, "\\|")}\``, fixed(f.selfMs, 0), `${(f.share * 100).toFixed(1)}%`])
      ),
      ""
    )
  }
  out.push(`Whole benchmark: ${seconds(r.totalMs)} s.`, "")
  return out.join("\n")
}

/** Peak RSS against file size on one runtime: the pair's table and its ratio. */
const rssSection = (pair: RssPair): string[] => {
  const { base, big } = pair
  const out: string[] = []
  out.push(`Peak RSS against file size on ${runtimeLabel(pair.runtime)}: the connector's \`read\` of one object made of a single file.`, "")
  out.push(
    ...table(
      ["file", "input MB", "records", "wall s", "records/s", "input MB/s", "peak RSS MiB"],
      ["l", "r", "r", "r", "r", "r", "r"],
      [base, big].map((p) => [
        p.object,
        mb(p.inputBytes),
        int(p.run.records),
        seconds(p.run.wallMs),
        int(recordsPerSecond(p.run)),
        fixed(p.inputBytes / MB / (p.run.wallMs / 1000), 1),
        mib(p.run.peakRssBytes)
      ])
    ),
    ""
  )
  const ratio =
    big.run.peakRssBytes !== undefined && base.run.peakRssBytes !== undefined ? big.run.peakRssBytes / base.run.peakRssBytes : undefined
  out.push(
    `Peak RSS ratio, ${mb(big.inputBytes)} MB file ÷ ${mb(base.inputBytes)} MB file (${runtimeLabel(pair.runtime)}): ${fixed(ratio, 2)}x.`,
    ""
  )
  return out
}

/** The backfill rows (issue #10): adaptive and daily windows against the floor. */
export const backfillSection = (b: Backfill): string[] => {
  const out: string[] = []
  const vsFloor = (n: number) => `${(n / b.floor).toFixed(2)}x`
  const vsDaily = (n: number) => `${((100 * n) / b.daily.requests).toFixed(1)}%`
  out.push(
    `Backfill: export requests of a first \`read\` of every stream over the emulator's year-long tenant ` +
      `(${b.days} days; ${b.streams} objects: two with a file a day, one about every sixth day, three that change a few ` +
      `times a year, one empty; ${b.files} files, ${b.filesPerPage} a page), counted in the emulator's log. The floor is ` +
      `the pages of one whole-range window per object (no checkpoint before the end).`,
    ""
  )
  const row = (name: string, read: BackfillRead): string[] => [
    name,
    String(read.requests),
    vsFloor(read.requests),
    vsDaily(read.requests),
    String(read.mostWithoutCheckpoint),
    String(read.checkpoints),
    String(read.refused),
    int(read.records),
    seconds(read.wallMs)
  ]
  out.push(
    ...table(
      [
        "windows",
        "export requests",
        "vs floor",
        "vs daily",
        "most requests without a checkpoint",
        "STATEs",
        "not 200",
        "records",
        "wall s"
      ],
      ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
      [
        ["floor: one window per object", String(b.floor), "1.00x", vsDaily(b.floor), "—", "—", "—", "—", "—"],
        row("**adaptive** (no `window_hours`)", b.adaptive),
        row(`fixed daily (\`window_hours\` 24): ${b.dailyWindows} windows + ${b.dailyExtraPages} further pages`, b.daily)
      ]
    ),
    ""
  )
  return out
}
