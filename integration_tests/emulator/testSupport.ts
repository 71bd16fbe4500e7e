// Helpers for the emulator's own tests (and for anyone's): call the API, follow cursors, parse CSV
// the way a correct reader does (BOM dropped, unquoted empty → null, "" → "").
import { parse } from "csv-parse/sync"
import type { Emulator } from "./types.js"

export interface ApiAnswer {
  status: number
  headers: Headers
  text: string
  json: unknown
}

export async function callApi(
  emu: Pick<Emulator, "baseUrl" | "token">,
  endpoint: "objects" | "export",
  body: unknown,
  /** null: no Authorization header */
  token: string | null = emu.token
): Promise<ApiAnswer> {
  const res = await fetch(`${emu.baseUrl}/external/v2/${endpoint}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text) as unknown
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

export interface ExportPage {
  files: string[]
  cursor?: string
}

export function asPage(v: unknown): ExportPage {
  const o = v as { files?: unknown; cursor?: unknown }
  if (!Array.isArray(o.files)) throw new Error(`not an export page: ${JSON.stringify(v)}`)
  return { files: o.files.map(String), ...(typeof o.cursor === "string" ? { cursor: o.cursor } : {}) }
}

/** Every file URL of a window, following cursors. */
export async function exportAll(emu: Emulator, objectID: string, startTime: string, endTime?: string): Promise<string[]> {
  const files: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 10_000; i++) {
    const body = { objectID, startTime, ...(endTime ? { endTime } : {}), ...(cursor ? { cursor } : {}) }
    const a = await callApi(emu, "export", body)
    if (a.status !== 200) throw new Error(`export ${a.status}: ${a.text}`)
    const page = asPage(a.json)
    files.push(...page.files)
    cursor = page.cursor
    if (cursor === undefined) return files
  }
  throw new Error("too many pages")
}

export interface Csv {
  header: string[]
  rows: Array<Record<string, string | null>>
}

export function parseCsv(text: string | Buffer): Csv {
  const records = parse(text, {
    bom: true,
    relax_column_count: false,
    cast: (value, ctx) => (ctx.quoting ? value : value === "" ? null : value)
  }) as Array<Array<string | null>>
  const [head, ...rest] = records
  const header = (head ?? []).map((h) => h ?? "")
  const rows = rest.map((cells) => {
    const row: Record<string, string | null> = {}
    for (const [i, h] of header.entries()) row[h] = cells[i] ?? null
    return row
  })
  return { header, rows }
}

export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`download ${res.status}: ${await res.text()}`)
  return Buffer.from(await res.arrayBuffer())
}

/** What a replica of the window holds after upserting every file's rows in order. */
export async function replicaOf(
  emu: Emulator,
  objectID: string,
  start: string,
  end: string
): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>()
  for (const url of await exportAll(emu, objectID, start, end)) {
    for (const row of parseCsv(await download(url)).rows) out.set(String(row.record_id), row)
  }
  return out
}

/** Rate limits high enough not to matter in tests that are not about them. */
export const NO_LIMITS = { exportPerMinute: 1_000_000, objectsPerMinute: 1_000_000 }
