// The targets, each as a ratio measured in this run and whether it was met.
import type { Backfill } from "./exportRequests.js"
import type { Measurement } from "./measure.js"
import { type BenchResults, MB, MiB, type Runtime, recordsPerCpuSecond, recordsPerSecond, runtimeLabel } from "./results.js"

export interface TargetCheck {
  readonly target: string
  readonly measured: string
  /** undefined when this run could not measure it */
  readonly met: boolean | undefined
}

/**
 * Issue 20: "peak RSS under 150 MiB on Node 24, flat from 50 MB to 1 GB", as the image runs it
 * (its Node 24 with its NODE_OPTIONS, --node); measured on the machine's Node without --node.
 */
export const RSS_LIMIT_MIB = 150
/**
 * Bare, as npx, tap-enterpret and the pip wheel run Node (no flag): the bound
 * integration_tests/e2e/memory.test.ts holds, reported beside the image's.
 */
export const RSS_BARE_LIMIT_MIB = 256
/** Against Python csv + orjson, the floor of a Python CDK connector: records/s, and records per CPU second. */
export const ORJSON_RATIO = 2
export const ORJSON_CPU_RATIO = 1.5
/** "flat": the larger file may cost at most this much more peak RSS than the smaller one */
export const RSS_FLAT_RATIO = 1.25
export const SPEC_RATIO = 3
export const NODE_RATIO = 0.8
/** Issue #10's targets for a year's first sync. */
export const BACKFILL_FLOOR_RATIO = 2
export const BACKFILL_DAILY_SHARE = 0.1
export const BACKFILL_MOST_WITHOUT_CHECKPOINT = 3

const x = (ratio: number): string => `${ratio.toFixed(2)}x`

/** Issue 20: a small file costs little beyond its bytes. */
const MANY_FILES_RATIO = 1.5
/** The many-files and the feedback object count as equal bytes within this share (the generator rounds to rows). */
const EQUAL_BYTES = 0.05

const sameRuntime = (a: Runtime, b: Runtime): boolean => a.node === b.node && a.image === b.image && a.nodeOptions === b.nodeOptions

/** Every connector `read` of the run with the runtime it ran on. */
const connectorRuns = (r: BenchResults): Array<{ runtime: Runtime; run: Measurement }> => [
  ...r.objects.map((o) => ({ runtime: r.machineRuntime, run: o.connector })),
  ...r.objects.flatMap((o) => [o.connectorImage, o.connectorImageBare].filter((x) => x !== undefined)),
  ...(r.cpuPerMb ?? [])
    .filter((pairs) => pairs.reader === "connector")
    .flatMap((pairs) => [pairs.few, pairs.many].map((run) => ({ runtime: pairs.runtime, run }))),
  ...[r.rss, r.rssBare].flatMap((pair) =>
    pair === undefined ? [] : [pair.base.run, pair.big.run].map((run) => ({ runtime: pair.runtime, run }))
  )
]

const peakCheck = (target: string, runs: ReadonlyArray<Measurement>, limitMiB: number, strict: boolean): TargetCheck => {
  const peaks = runs.map((m) => m.peakRssBytes)
  if (runs.length === 0 || !peaks.every((p): p is number => p !== undefined)) return { target, measured: "not measured", met: undefined }
  const worst = Math.max(...peaks) / MiB
  return { target, measured: `${worst.toFixed(0)} MiB`, met: strict ? worst < limitMiB : worst <= limitMiB }
}

export const checkTargets = (r: BenchResults): TargetCheck[] => {
  const checks: TargetCheck[] = []
  for (const o of r.objects) {
    const ours = recordsPerSecond(o.connector)
    if (o.python === undefined) {
      checks.push({ target: `${o.object}: read records/s ≥ Python stdlib baseline`, measured: "not measured", met: undefined })
    } else {
      const ratio = ours / recordsPerSecond(o.python)
      checks.push({ target: `${o.object}: read records/s ≥ Python stdlib baseline`, measured: x(ratio), met: ratio >= 1 })
    }
    const orjsonTarget = `${o.object}: read records/s ≥ ${ORJSON_RATIO}x Python csv + orjson`
    const orjsonCpuTarget = `${o.object}: read records per CPU second ≥ ${ORJSON_CPU_RATIO}x Python csv + orjson`
    if (o.orjson === undefined) {
      checks.push(
        { target: orjsonTarget, measured: "not measured", met: undefined },
        { target: orjsonCpuTarget, measured: "not measured", met: undefined }
      )
    } else {
      const ratio = ours / recordsPerSecond(o.orjson)
      checks.push({ target: orjsonTarget, measured: x(ratio), met: ratio >= ORJSON_RATIO })
      const oursPerCpu = recordsPerCpuSecond(o.connector)
      const theirsPerCpu = recordsPerCpuSecond(o.orjson)
      if (oursPerCpu === undefined || theirsPerCpu === undefined)
        checks.push({ target: orjsonCpuTarget, measured: "not measured", met: undefined })
      else
        checks.push({ target: orjsonCpuTarget, measured: x(oursPerCpu / theirsPerCpu), met: oursPerCpu / theirsPerCpu >= ORJSON_CPU_RATIO })
    }
    const vsNode = ours / recordsPerSecond(o.node)
    checks.push({
      target: `${o.object}: read records/s ≥ ${NODE_RATIO}x bare Node pipeline`,
      measured: x(vsNode),
      met: vsNode >= NODE_RATIO
    })
  }
  // Memory (issue 20): the image's runtime (its Node 24 with its NODE_OPTIONS) when --node gave
  // it, else the machine's Node, bare, and the label says which; and every bare run against the
  // looser bound of a Node started without any flag.
  const runs = connectorRuns(r)
  const flagged = runs.find((x) => x.runtime.image && x.runtime.nodeOptions !== "")?.runtime
  const primary = flagged ?? r.machineRuntime
  checks.push(
    peakCheck(
      `read peak RSS < ${RSS_LIMIT_MIB} MiB on ${runtimeLabel(primary)}${flagged === undefined ? " (no --node: not the image's runtime)" : ""} (every run)`,
      runs.filter((x) => sameRuntime(x.runtime, primary)).map((x) => x.run),
      RSS_LIMIT_MIB,
      true
    )
  )
  const bare = runs.filter((x) => x.runtime.nodeOptions === "")
  const bareNodes = [...new Set(bare.map((x) => `Node ${x.runtime.node}${x.runtime.image ? "" : " (this machine's)"}`))]
  checks.push(
    peakCheck(
      `read peak RSS ≤ ${RSS_BARE_LIMIT_MIB} MiB without any flag, as npx and tap-enterpret run it (every bare run: ${bareNodes.join(", ")})`,
      bare.map((x) => x.run),
      RSS_BARE_LIMIT_MIB,
      false
    )
  )
  if (r.rss !== undefined && r.rss.base.run.peakRssBytes !== undefined && r.rss.big.run.peakRssBytes !== undefined) {
    const ratio = r.rss.big.run.peakRssBytes / r.rss.base.run.peakRssBytes
    const sizes = `${(r.rss.big.inputBytes / MB).toFixed(0)} MB vs ${(r.rss.base.inputBytes / MB).toFixed(0)} MB file`
    checks.push({
      target: `peak RSS flat in file size (${sizes}, ≤ ${RSS_FLAT_RATIO}x) on ${runtimeLabel(r.rss.runtime)}`,
      measured: x(ratio),
      met: ratio <= RSS_FLAT_RATIO
    })
  } else checks.push({ target: "peak RSS flat in file size", measured: "not measured", met: undefined })
  if (r.coldStart !== undefined)
    checks.push({
      target: `spec cold start ≤ ${SPEC_RATIO}x \`node -e 0\``,
      measured: x(r.coldStart.ratio),
      met: r.coldStart.ratio <= SPEC_RATIO
    })
  // Issue 20: many small files, CPU per MB within 1.5x of a few large ones'. Judged on the median
  // of pairs of reads taken in turn (measure.ts cpuPairs), at each page size, on each runtime (the
  // two differ: 2026-12-03, 1.72x on Node 20 bare, 1.29x on Node 24 with the image's flag).
  for (const pairs of r.cpuPerMb ?? []) {
    if (pairs.reader !== "connector") continue
    // Compared at equal bytes (issue 20): at half the bytes, the process's start-up weighs twice as much per MB.
    const equal = Math.abs(pairs.manyBytes - pairs.fewBytes) <= EQUAL_BYTES * Math.max(pairs.manyBytes, pairs.fewBytes)
    const mbOf = (bytes: number) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`
    const shape = equal
      ? `${pairs.manyFiles} against ${pairs.fewFiles} files, ${mbOf(pairs.fewBytes)} each`
      : `${pairs.manyFiles} files of ${mbOf(pairs.manyBytes)} against ${pairs.fewFiles} of ${mbOf(pairs.fewBytes)}: **unequal bytes** (set by --many-mb or --feedback-mb), so start-up weighs differently per MB`
    const on = sameRuntime(pairs.runtime, r.machineRuntime) ? "" : `, on ${runtimeLabel(pairs.runtime)}`
    const each = pairs.ratios.length > 1 ? ` (median of ${pairs.ratios.length} pairs: ${pairs.ratios.map(x).join(", ")})` : ""
    checks.push({
      target: `many small files, ${pairs.filesPerPage} a page: CPU per MB ≤ ${MANY_FILES_RATIO}x a few large files' (${shape})${on}`,
      measured: `${x(pairs.ratio)}${each}`,
      met: pairs.ratio <= MANY_FILES_RATIO
    })
  }
  for (const o of r.objects) {
    if (o.orjsonLocal === undefined) continue
    const half = `${o.object}: read wall time ≤ half of Python csv + orjson from local disk`
    checks.push({
      target: half,
      measured: x(o.connector.wallMs / o.orjsonLocal.wallMs),
      met: o.connector.wallMs * 2 <= o.orjsonLocal.wallMs
    })
    // The image's Node as the image runs it: with its NODE_OPTIONS.
    if (o.connectorImage !== undefined) {
      const ratio = o.connectorImage.run.wallMs / o.orjsonLocal.wallMs
      checks.push({ target: `${half}, on ${runtimeLabel(o.connectorImage.runtime)}`, measured: x(ratio), met: ratio <= 0.5 })
    }
  }
  if (r.backfill !== undefined) checks.push(...backfillChecks(r.backfill))
  return checks
}

/** Issue #10's targets, measured on the year-long tenant. */
export const backfillChecks = (b: Backfill): TargetCheck[] => {
  const checks: TargetCheck[] = []
  checks.push({
    target: `backfill: adaptive export requests ≤ ${BACKFILL_FLOOR_RATIO}x the floor (one window per object)`,
    measured: `${b.adaptive.requests} vs ${b.floor}: ${x(b.adaptive.requests / b.floor)}`,
    met: b.adaptive.requests <= BACKFILL_FLOOR_RATIO * b.floor
  })
  checks.push({
    target: `backfill: adaptive export requests ≤ ${BACKFILL_DAILY_SHARE * 100}% of fixed daily windows`,
    measured: `${b.adaptive.requests} vs ${b.daily.requests}: ${((100 * b.adaptive.requests) / b.daily.requests).toFixed(1)}%`,
    met: b.adaptive.requests <= BACKFILL_DAILY_SHARE * b.daily.requests
  })
  checks.push({
    target: `backfill: a checkpoint at least every ${BACKFILL_MOST_WITHOUT_CHECKPOINT} export requests of each stream`,
    measured: `at most ${b.adaptive.mostWithoutCheckpoint}`,
    met: b.adaptive.mostWithoutCheckpoint <= BACKFILL_MOST_WITHOUT_CHECKPOINT
  })
  checks.push({
    target: "backfill with window_hours 24: export requests = windows + further pages",
    measured: `${b.daily.requests} for ${b.dailyWindows} + ${b.dailyExtraPages}`,
    met: b.daily.requests === b.dailyWindows + b.dailyExtraPages
  })
  return checks
}
