// Large benchmark objects: generated once into a directory with streamed writes (never held in
// memory), then served from disk. Deterministic from the seed and the object's spec.
import { createWriteStream, existsSync, statSync, writeFileSync, mkdirSync } from "node:fs"
import { once } from "node:events"
import { rename } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BENCH_FEEDBACK_COLUMNS, wideColumns } from "./catalog.js"
import { encodeCell, type Cell } from "./csvWrite.js"
import { hashOf, hex8, prng } from "./hash.js"
import { MESSAGE_HAZARDS, longText } from "./values.js"
import type { BenchFile, BenchObjectSpec } from "./types.js"

const CHUNK = 1 << 20
const CHANNELS = ["Support", "Reviews", "Survey", "Calls", "Social"]
const WORDS = ["alpha", "beta", "gamma", "delta", "épsilon", "zeta", "η", "theta", "007", "x,y"]

/** Encoded cells to pick from: each value once plain (when allowed) and once quoted anyway. */
function pool(values: ReadonlyArray<Cell>): string[] {
  const out: string[] = []
  for (const v of values) out.push(encodeCell(v, false), encodeCell(v, v !== null))
  return out
}

function pickStr(items: ReadonlyArray<string>, r: () => number): string {
  return items[Math.floor(r() * items.length)] ?? ""
}

function feedbackPools(): Record<"text" | "channel" | "lang" | "csat" | "code", string[]> {
  const texts: Cell[] = [...MESSAGE_HAZARDS]
  for (let i = 0; i < 24; i++) texts.push(`${MESSAGE_HAZARDS[i % MESSAGE_HAZARDS.length] ?? ""} ${longText(40 + i * 37)}`)
  for (let i = 0; i < 3; i++) texts.push(longText(2_000 + i * 3_000))
  const codes: Cell[] = []
  for (let i = 0; i < 200; i++) codes.push(String(i * 7).padStart(3, "0"))
  return {
    text: pool(texts),
    channel: pool([...CHANNELS, null]),
    lang: pool(["en", "en", "fr", "ja", "", null]),
    csat: pool(["1", "2", "3", "4", "5", "", null]),
    code: pool(codes)
  }
}

function widePool(): string[] {
  const values: Cell[] = [null, ""]
  for (let i = 0; i < 120; i++) values.push(`${WORDS[i % WORDS.length] ?? ""}${i}`)
  return pool(values)
}

async function writeFile(
  path: string,
  spec: BenchObjectSpec,
  seed: string,
  part: number,
  target: number,
  eventTime: string
): Promise<void> {
  const tmp = `${path}.partial`
  const out = createWriteStream(tmp)
  const eol = part % 2 === 1 ? "\r\n" : "\n"
  const header = spec.kind === "feedback" ? BENCH_FEEDBACK_COLUMNS : wideColumns()
  const r = prng(hashOf(seed, "bench", spec.id, part))
  const fp = feedbackPools()
  const wp = widePool()
  const prefix = `${spec.id}_${part}_${hex8(hashOf(seed, spec.id, part))}_`
  let lines: string[] = [(part === 0 ? "\uFEFF" : "") + header.map((h) => encodeCell(h, false)).join(",") + eol]
  let chars = 0
  let bytes = Buffer.byteLength(lines[0] ?? "")
  for (let row = 1; bytes < target; row++) {
    let line: string
    if (spec.kind === "feedback") {
      line = `${prefix}${row},${eventTime},${pickStr(fp.channel, r)},${pickStr(fp.text, r)},${pickStr(fp.lang, r)},${pickStr(fp.csat, r)},${pickStr(fp.code, r)}${eol}`
    } else {
      const cells = [`${prefix}${row}`]
      for (let c = 1; c < header.length; c++) cells.push(pickStr(wp, r))
      line = cells.join(",") + eol
    }
    bytes += Buffer.byteLength(line)
    chars += line.length
    lines.push(line)
    if (chars >= CHUNK) {
      if (!out.write(lines.join(""))) await once(out, "drain")
      lines = []
      chars = 0
    }
  }
  out.end(lines.join(""))
  await once(out, "finish")
  await rename(tmp, path)
}

/** Generates (or reuses) the files of each bench object; returns them in object then part order. */
export async function prepareBench(
  seed: string,
  specs: BenchObjectSpec[],
  dir: string | undefined,
  eventTime: string
): Promise<BenchFile[]> {
  const root = dir ?? join(tmpdir(), "enterpret-emulator-bench")
  mkdirSync(root, { recursive: true })
  const files: BenchFile[] = []
  for (const spec of specs) {
    const parts = Math.max(1, Math.floor(spec.files))
    const perFile = Math.max(1, Math.floor(spec.bytes / parts))
    for (let part = 0; part < parts; part++) {
      const key = hex8(hashOf(seed, spec.id, spec.kind, perFile, part, eventTime))
      const path = join(root, `${spec.id}-${spec.kind}-${part}-${key}.csv`)
      const done = `${path}.done`
      if (!existsSync(done) || !existsSync(path)) {
        await writeFile(path, spec, seed, part, perFile, eventTime)
        writeFileSync(done, "")
      }
      files.push({ objectId: spec.id, path, bytes: statSync(path).size })
    }
  }
  return files
}
