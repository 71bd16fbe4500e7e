// Command-line options of `npm run emulator`.
import type { BenchObjectSpec, EmulatorOptions, RandomFaultKind, Scale } from "./types.js"

export const USAGE = `Usage: npm run emulator -- [options]

  --port N              API port (default 8080; 0 = any free port)
  --storage-port N      signed-URL (S3-like) port (default: any free port)
  --seed S              data seed (default "demo")
  --scale S             tiny | demo | bench | <number of feedback records> (default demo)
  --tenant T            standard | year (issue #10: 7 objects over a year, dense, sparse and empty;
                        365 days and 6 files a page by default) | replica (issue 19: 5 objects over
                        60 days, two hourly, one 6-hourly, one sparse, one empty; 24 files a page,
                        ~184 kB a file: ~575 MB) (default standard)
  --file-bytes SIZE     replica tenant: the size of each file (default 184K)
  --days N              days of history before now (default 3; year tenant 365)
  --now TIME            start the clock at TIME (e.g. 2025-12-15T10:30Z) instead of the real time
  --token T             the API token (default: derived from the seed)
  --gzip                serve CSV gzip-compressed to clients that accept it
  --url-ttl SECONDS     lifetime of signed URLs (default 900)
  --files-per-page N    files per export response (default 2; year tenant 6)
  --objects-page-size N objects per objects response (default 4)
  --rows-per-file N     most rows in one CSV file (default 40)
  --export-rpm N        export requests a minute (default 10)
  --objects-rpm N       objects requests a minute (default 60)
  --minute-ms N         length of a rate-limit "minute" in ms (default 60000)
  --file-bandwidth SIZE the file host's bandwidth per connection, a second (e.g. 4M: 4 MiB/s;
                        default unlimited)
  --file-latency MS     the file host's wait before the first byte of each download (default 0)
  --bench ID:KIND:SIZE:FILES  add a large generated object (KIND feedback|wide, SIZE like 500M or 2G); repeatable
  --bench-dir DIR       where bench files are generated (default: the OS temp dir)
  --fault-rate R        inject a random fault into this share of requests (0..1)
  --fault-kinds LIST    comma-separated: 429,5xx,reset,cut,expire,slow (default all)
  --fault-seed S        seed of the random faults
  --quiet               do not log requests to stderr
  --help                show this help`

export interface CliConfig {
  options: EmulatorOptions
  randomFaults?: { rate: number; seed?: string; kinds?: RandomFaultKind[] }
  quiet: boolean
  help: boolean
}

const SIZE = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i

export function parseSize(s: string): number {
  const m = SIZE.exec(s)
  if (m === null) throw new Error(`not a size: ${s} (try 500M or 2G)`)
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "").toLowerCase()] ?? 1
  return Math.round(Number(m[1]) * unit)
}

function int(flag: string, v: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number, got ${JSON.stringify(v)}`)
  return n
}

function scale(v: string): Scale {
  if (v === "tiny" || v === "demo" || v === "bench") return v
  return int("--scale", v)
}

function bench(v: string): BenchObjectSpec {
  const [id, kind, size, files] = v.split(":")
  if (id === undefined || id === "" || (kind !== "feedback" && kind !== "wide") || size === undefined) {
    throw new Error(`--bench needs ID:KIND:SIZE[:FILES] with KIND feedback or wide, got ${JSON.stringify(v)}`)
  }
  return { id, kind, bytes: parseSize(size), files: files === undefined ? 1 : int("--bench files", files) }
}

export function parseCliArgs(argv: string[]): CliConfig {
  const options: EmulatorOptions = { port: 8080, scale: "demo" }
  const cfg: CliConfig = { options, quiet: false, help: false }
  const rate: { rate?: number; seed?: string; kinds?: RandomFaultKind[] } = {}
  const limits: NonNullable<EmulatorOptions["rateLimits"]> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case "--help":
      case "-h":
        cfg.help = true
        break
      case "--quiet":
        cfg.quiet = true
        break
      case "--gzip":
        options.gzip = true
        break
      case "--port":
        options.port = int(flag, value())
        break
      case "--storage-port":
        options.storagePort = int(flag, value())
        break
      case "--seed":
        options.seed = value()
        break
      case "--scale":
        options.scale = scale(value())
        break
      case "--days":
        options.days = int(flag, value())
        break
      case "--tenant": {
        const t = value()
        if (t !== "standard" && t !== "year" && t !== "replica") {
          throw new Error(`--tenant must be standard, year or replica, got ${JSON.stringify(t)}`)
        }
        options.tenant = t
        break
      }
      case "--now":
        options.now = value()
        break
      case "--token":
        options.token = value()
        break
      case "--url-ttl":
        options.urlTtlSeconds = int(flag, value())
        break
      case "--files-per-page":
        options.filesPerPage = int(flag, value())
        break
      case "--objects-page-size":
        options.objectsPageSize = int(flag, value())
        break
      case "--rows-per-file":
        options.rowsPerFile = int(flag, value())
        break
      case "--export-rpm":
        limits.exportPerMinute = int(flag, value())
        break
      case "--objects-rpm":
        limits.objectsPerMinute = int(flag, value())
        break
      case "--minute-ms":
        limits.minuteMs = int(flag, value())
        break
      case "--file-bandwidth": {
        const bytes = parseSize(value())
        if (bytes <= 0) throw new Error(`${flag} needs a positive size a second, like 4M`)
        options.fileBandwidth = bytes
        break
      }
      case "--file-latency":
        options.fileLatencyMs = int(flag, value())
        break
      case "--file-bytes":
        options.replicaFileBytes = parseSize(value())
        break
      case "--bench":
        options.bench = { ...options.bench, objects: [...(options.bench?.objects ?? []), bench(value())] }
        break
      case "--bench-dir":
        options.bench = { objects: options.bench?.objects ?? [], dir: value() }
        break
      case "--fault-rate":
        rate.rate = int(flag, value())
        break
      case "--fault-seed":
        rate.seed = value()
        break
      case "--fault-kinds":
        rate.kinds = value()
          .split(",")
          .map((k) => k.trim()) as RandomFaultKind[]
        break
      default:
        throw new Error(`unknown option ${JSON.stringify(arg)} (see --help)`)
    }
  }
  if (Object.keys(limits).length > 0) options.rateLimits = limits
  if (rate.rate !== undefined)
    cfg.randomFaults = { rate: rate.rate, ...(rate.seed ? { seed: rate.seed } : {}), ...(rate.kinds ? { kinds: rate.kinds } : {}) }
  return cfg
}
