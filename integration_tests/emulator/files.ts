// Export files of a window: rows grouped by hour (split into parts of at most rowsPerFile rows),
// an occasional header-only file, rendered identically however often they are asked for.
import { renderCsv, styleFor, type Cell } from "./csvWrite.js"
import type { Dataset, Selected } from "./dataset.js"
import { hashOf } from "./hash.js"
import { HOUR, floorHour } from "./timeFormat.js"
import { rowFor } from "./values.js"

/**
 * What an export request saw, carried in its cursor and file URLs so that every page and file of
 * the answer is rendered from the same view of the data.
 */
export interface Snapshot {
  /** The exported object. */
  objectId: string
  /** The window [startMs, endMs), epoch ms. */
  startMs: number
  endMs: number
  /** The emulator's clock when the first page was asked for: later rows are not in it. */
  nowMs: number
  /** The dataset revision then (deltas applied so far). */
  revision: number
  /** 1 when the malformed-row fault was armed for the object: one row of a file gets an extra cell. */
  malformed: 0 | 1
}

export interface FileEntry {
  hour: number
  part: number
  rows: Selected[]
}

class Lru<V> {
  private readonly map = new Map<string, V>()
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k)
    if (v !== undefined) {
      this.map.delete(k)
      this.map.set(k, v)
    }
    return v
  }
  set(k: string, v: V): void {
    this.map.set(k, v)
    if (this.map.size > this.max) {
      const first = this.map.keys().next()
      if (first.done !== true) this.map.delete(first.value)
    }
  }
}

/** From the hour `atMs` on, files of an object carry `add` (after their other columns) and not `drop`. */
export interface ColumnChange {
  readonly atMs: number
  readonly add: ReadonlyArray<string>
  readonly drop: ReadonlyArray<string>
}

export class FileStore {
  private readonly lists = new Lru<FileEntry[]>(64)
  private rendered = new Lru<Buffer>(256)
  private readonly columnChanges = new Map<string, ColumnChange[]>()

  constructor(
    private readonly ds: Dataset,
    private readonly rowsPerFile: number,
    private readonly span: { start: number; end: number },
    /** whether a quiet hour sometimes yields a header-only file (not in the year-long tenant) */
    private readonly headerOnlyFiles = true
  ) {}

  list(snap: Snapshot): FileEntry[] {
    const key = JSON.stringify(snap)
    const cached = this.lists.get(key)
    if (cached !== undefined) return cached
    const files = this.compute(snap)
    this.lists.set(key, files)
    return files
  }

  private compute(snap: Snapshot): FileEntry[] {
    const rows = this.ds.select(snap.objectId, snap.startMs, snap.endMs, snap.nowMs, snap.revision)
    if (rows.length === 0) return []
    const byHour = new Map<number, Selected[]>()
    for (const row of rows) {
      const h = floorHour(row.ver.t)
      const list = byHour.get(h)
      if (list === undefined) byHour.set(h, [row])
      else list.push(row)
    }
    const files: FileEntry[] = []
    const from = Math.max(snap.startMs, this.span.start)
    const to = Math.min(snap.endMs, floorHour(snap.nowMs) + HOUR)
    for (let hour = from; hour < to; hour += HOUR) {
      const hourRows = byHour.get(hour)
      if (hourRows === undefined) {
        // an hour without changes sometimes still yields a file with only the header
        if (this.headerOnlyFiles && hour < this.span.end && hashOf(this.ds.seed, "header-only", snap.objectId, hour) % 4 === 0) {
          files.push({ hour, part: 0, rows: [] })
        }
        continue
      }
      for (let i = 0, part = 0; i < hourRows.length; i += this.rowsPerFile, part++) {
        files.push({ hour, part, rows: hourRows.slice(i, i + this.rowsPerFile) })
      }
    }
    // hours outside [span.start, ...) added by hooks
    for (const [hour, hourRows] of byHour) {
      if (hour >= from && hour < to) continue
      for (let i = 0, part = 0; i < hourRows.length; i += this.rowsPerFile, part++) {
        files.push({ hour, part, rows: hourRows.slice(i, i + this.rowsPerFile) })
      }
    }
    files.sort((a, b) => a.hour - b.hour || a.part - b.part)
    return files
  }

  /** Files of `objectId` from the hour `change.atMs` on get other columns (Enterpret's are dynamic). */
  changeColumns(objectId: string, change: ColumnChange): void {
    const changes = [...(this.columnChanges.get(objectId) ?? []), { ...change, atMs: floorHour(change.atMs) }]
    this.columnChanges.set(
      objectId,
      changes.sort((a, b) => a.atMs - b.atMs)
    )
    // Files already rendered keep their old header in the cache: render again.
    this.rendered = new Lru<Buffer>(256)
  }

  /** The header of a file of `objectId` for the hour `hourMs`. */
  columnsAt(objectId: string, hourMs: number): string[] {
    let columns = [...this.ds.data(objectId).def.columns]
    for (const change of this.columnChanges.get(objectId) ?? []) {
      if (change.atMs > hourMs) break
      columns = [...columns.filter((c) => !change.drop.includes(c)), ...change.add.filter((c) => !columns.includes(c))]
    }
    return columns
  }

  /** One version's cells under the header of `hourMs`: added columns get a value naming the record. */
  private cellsAt(objectId: string, hourMs: number, rec: Selected["rec"], ver: Selected["ver"]): { columns: string[]; cells: Cell[] } {
    const base = this.ds.data(objectId).def.columns
    const baseCells = rowFor(this.ds, objectId, rec, ver)
    if (!this.columnChanges.has(objectId)) return { columns: base, cells: baseCells }
    const columns = this.columnsAt(objectId, hourMs)
    const cells = columns.map((c) => {
      const i = base.indexOf(c)
      return i >= 0 ? (baseCells[i] ?? null) : `${c} of ${rec.id} v${ver.n}`
    })
    return { columns, cells }
  }

  /** The bytes of file `index` of a snapshot, or undefined when there is no such file. */
  render(snap: Snapshot, index: number): Buffer | undefined {
    const key = `${JSON.stringify(snap)}#${index}`
    const cached = this.rendered.get(key)
    if (cached !== undefined) return cached
    const entry = this.list(snap)[index]
    if (entry === undefined) return undefined
    const columns = this.columnsAt(snap.objectId, entry.hour)
    const rows: Cell[][] = entry.rows.map(({ rec, ver }) => this.cellsAt(snap.objectId, entry.hour, rec, ver).cells)
    if (snap.malformed === 1 && rows.length > 0) {
      const bad = rows[Math.floor(rows.length / 2)]
      bad?.push("unexpected extra cell")
    }
    const style = styleFor(this.ds.seed, snap.objectId, entry.hour, entry.part)
    const buf = Buffer.from(renderCsv(columns, rows, style), "utf8")
    this.rendered.set(key, buf)
    return buf
  }

  /** Ground truth: record_id → header → value, for [s, e) as of now and the current revision. */
  truth(objectId: string, s: number, e: number, now: number): Map<string, Record<string, string | null>> {
    const out = new Map<string, Record<string, string | null>>()
    for (const { rec, ver } of this.ds.select(objectId, s, e, now, this.ds.rev)) {
      const { columns, cells } = this.cellsAt(objectId, floorHour(ver.t), rec, ver)
      const row: Record<string, string | null> = {}
      for (const [i, c] of columns.entries()) row[c] = cells[i] ?? null
      out.set(rec.id, row)
    }
    return out
  }
}
