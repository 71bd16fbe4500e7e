// Command-line options of `npm run bench -- [options]`.

export const USAGE = `Usage: npm run bench -- [options]   (or: node build/integration_tests/bench/bench.js [options])

  --small            a few MB per object and a ~40 MB RSS file: the whole run in well under a minute
  --feedback-mb N    CSV size of the feedback-like object (default 200; small 4)
  --feedback-files N files of the feedback-like object (default 20; small 4)
  --wide-mb N        CSV size of the wide object, 60 short columns (default 200; small 4)
  --wide-files N     files of the wide object (default 8; small 2)
  --many-mb N        CSV size of the many-small-files object, feedback-like (default: --feedback-mb's,
                     200; small 4): its CPU per MB is compared with the feedback object's few large
                     files, fairly only at equal bytes (start-up weighs per MB as 1 / size)
  --many-files N     its files (default: one per 0.2 MB, Enterpret's hourly files: 1000; small 20)
  --node PATH        also run the connector's \`read\` under this Node, the image's Node 24:
                     --node "$(npx -y -p node@24 which node)"; two rows beside the machine's Node:
                     with the Dockerfile's NODE_OPTIONS (as the image runs it) and with none (as npx,
                     tap-enterpret and the pip wheel run it). The memory targets and the RSS pair
                     are then measured on it with the image's NODE_OPTIONS, and bare
  --only LIST        run only these parts, comma-separated: throughput (feedback, wide, many small
                     files), rss, spec, backfill, replica (replica alone replaces its section of
                     --out in place)
  --keep-data        keep the generated CSV in --bench-dir for the next run (default: removed at
                     the end; \`rm -rf <os tmpdir>/source-enterpret-bench\` cleans a kept one)
  --base-mb N        the smaller single file of the RSS-flatness pair (default 50; small 8)
  --big-mb N         the larger single file of the RSS-flatness pair (default 1024; small 40)
  --repeat N         run each measured thing N times and report medians (default 1)
  --pairs N          pairs of reads, a few large files and many small ones taken in turn, for
                     each CPU-per-MB ratio (the median pair's is judged; default 3; small 1)
  --spec-runs N      runs of \`spec\` and of \`node -e 0\` for the cold-start medians (default 10; small 5)
  --backfill-days N  days of the year-long tenant the export-request count reads (default 365; small 120)
  --skip-python      leave out the Python standard-library baseline
  --skip-rss         leave out the RSS-flatness pair
  --skip-replica     leave out the time-to-replica row (issue 19: ~1-3 minutes)
  --cpu-prof DIR     also run the connector on the feedback object under node --cpu-prof, write the
                     profile to DIR and summarise its top functions in the report
  --connector FILE   the connector's entry point (default dist/main.js of this repository)
  --bench-dir DIR    where the emulator generates the CSV files (default: <os tmpdir>/source-enterpret-bench;
                     removed at the end unless --keep-data, and reused when kept)
  --out FILE         the Markdown report (default integration_tests/bench/RESULTS.md)
  --json FILE        also write the raw results as JSON (with --only replica: that row alone)
  --help             this text`

/** Size of a many-small-files file by default: Enterpret's hourly files are about 0.2 MB. */
export const MANY_FILE_MB = 0.2

export const PARTS = ["throughput", "rss", "spec", "backfill", "replica"] as const
export type Part = (typeof PARTS)[number]

export interface BenchOptions {
  small: boolean
  feedbackMb: number
  feedbackFiles: number
  wideMb: number
  wideFiles: number
  baseMb: number
  bigMb: number
  repeat: number
  pairs: number
  specRuns: number
  backfillDays: number
  skipPython: boolean
  skipRss: boolean
  skipReplica: boolean
  only: "replica" | undefined
  /** the parts to run; undefined: all */
  parts: ReadonlySet<Part> | undefined
  /** default: feedbackMb (equal bytes, so that CPU per MB compares like with like) */
  manyMb: number
  /** default: one file per MANY_FILE_MB */
  manyFiles: number
  node: string | undefined
  keepData: boolean
  cpuProfDir: string | undefined
  connector: string | undefined
  benchDir: string | undefined
  out: string | undefined
  json: string | undefined
  help: boolean
}

const positive = (flag: string, raw: string | undefined): number => {
  const n = Number(raw)
  if (raw === undefined || raw === "" || !Number.isFinite(n) || n <= 0) {
    throw new Error(`${flag} needs a positive number, got ${raw === undefined ? "nothing" : JSON.stringify(raw)}`)
  }
  return n
}

const text = (flag: string, raw: string | undefined): string => {
  if (raw === undefined || raw === "" || raw.startsWith("--")) throw new Error(`${flag} needs a value`)
  return raw
}

export const parseOptions = (argv: ReadonlyArray<string>): BenchOptions => {
  const small = argv.includes("--small")
  const o: BenchOptions = {
    small,
    feedbackMb: small ? 4 : 200,
    feedbackFiles: small ? 4 : 20,
    wideMb: small ? 4 : 200,
    wideFiles: small ? 2 : 8,
    baseMb: small ? 8 : 50,
    bigMb: small ? 40 : 1024,
    repeat: 1,
    pairs: small ? 1 : 3,
    specRuns: small ? 5 : 10,
    backfillDays: small ? 120 : 365,
    skipPython: false,
    skipRss: false,
    skipReplica: false,
    only: undefined,
    parts: undefined,
    manyMb: Number.NaN,
    manyFiles: Number.NaN,
    node: undefined,
    keepData: false,
    cpuProfDir: undefined,
    connector: undefined,
    benchDir: undefined,
    out: undefined,
    json: undefined,
    help: false
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? ""
    const value = (): string => argv[++i] ?? ""
    switch (flag) {
      case "--small":
        break
      case "--feedback-mb":
        o.feedbackMb = positive(flag, value())
        break
      case "--feedback-files":
        o.feedbackFiles = Math.round(positive(flag, value()))
        break
      case "--wide-mb":
        o.wideMb = positive(flag, value())
        break
      case "--wide-files":
        o.wideFiles = Math.round(positive(flag, value()))
        break
      case "--base-mb":
        o.baseMb = positive(flag, value())
        break
      case "--big-mb":
        o.bigMb = positive(flag, value())
        break
      case "--repeat":
        o.repeat = Math.round(positive(flag, value()))
        break
      case "--pairs":
        o.pairs = Math.round(positive(flag, value()))
        break
      case "--spec-runs":
        o.specRuns = Math.round(positive(flag, value()))
        break
      case "--backfill-days":
        o.backfillDays = Math.round(positive(flag, value()))
        break
      case "--skip-python":
        o.skipPython = true
        break
      case "--skip-rss":
        o.skipRss = true
        break
      case "--skip-replica":
        o.skipReplica = true
        break
      case "--only": {
        const parts = text(flag, value()).split(",")
        const unknown = parts.filter((p) => !(PARTS as ReadonlyArray<string>).includes(p))
        if (unknown.length > 0) throw new Error(`--only takes ${PARTS.join(", ")}; got ${unknown.join(", ")}`)
        o.parts = new Set(parts as Array<Part>)
        if (parts.length === 1 && parts[0] === "replica") o.only = "replica"
        break
      }
      case "--many-mb":
        o.manyMb = positive(flag, value())
        break
      case "--many-files":
        o.manyFiles = Math.round(positive(flag, value()))
        break
      case "--node":
        o.node = text(flag, value())
        break
      case "--keep-data":
        o.keepData = true
        break
      case "--cpu-prof":
        o.cpuProfDir = text(flag, value())
        break
      case "--connector":
        o.connector = text(flag, value())
        break
      case "--bench-dir":
        o.benchDir = text(flag, value())
        break
      case "--out":
        o.out = text(flag, value())
        break
      case "--json":
        o.json = text(flag, value())
        break
      case "--help":
      case "-h":
        o.help = true
        break
      default:
        throw new Error(`unknown option ${JSON.stringify(flag)}\n\n${USAGE}`)
    }
  }
  // Issue 20: at 100 MB against the feedback object's 200 MB, the many-files object's start-up
  // weighed twice as much per MB; at the same bytes only the files differ.
  if (Number.isNaN(o.manyMb)) o.manyMb = o.feedbackMb
  if (Number.isNaN(o.manyFiles)) o.manyFiles = Math.max(1, Math.round(o.manyMb / MANY_FILE_MB))
  return o
}
