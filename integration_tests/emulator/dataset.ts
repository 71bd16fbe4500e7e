// The data model: records with versions in time, append-only, and queries "as of" a revision.
import type { ObjectDef } from "./catalog.js"
import { hashOf, hex8, permute32 } from "./hash.js"

/** One version of a record: ingested/updated at `t` (ms), added at dataset revision `rev`; `n` is its ordinal. */
export interface Version {
  t: number
  rev: number
  n: number
}

export interface Rec {
  idx: number
  id: string
  /** index of the referenced record in the def's parentObject, or -1 */
  parent: number
  /** object-specific small number (e.g. summary_index) */
  aux: number
  versions: Version[]
}

export interface ObjectData {
  def: ObjectDef
  records: Rec[]
  byId: Map<string, number>
  /** number of records generated at start (revision 0) */
  baseCount: number
}

export interface Selected {
  rec: Rec
  ver: Version
}

export class Dataset {
  /** bumped by every mutation; snapshots ignore versions of later revisions */
  rev = 0
  readonly objects = new Map<string, ObjectData>()

  constructor(readonly seed: string) {}

  define(def: ObjectDef): void {
    this.objects.set(def.id, { def, records: [], byId: new Map(), baseCount: 0 })
  }

  has(objectId: string): boolean {
    return this.objects.has(objectId)
  }

  data(objectId: string): ObjectData {
    const d = this.objects.get(objectId)
    if (d === undefined) throw new Error(`emulator: unknown object ${JSON.stringify(objectId)}`)
    return d
  }

  idOf(objectId: string, idx: number): string {
    const d = this.data(objectId)
    return `${d.def.prefix}_${hex8(permute32(idx, hashOf(this.seed, objectId)))}`
  }

  /** The record at `idx` of an object (throws when absent). */
  rec(objectId: string, idx: number): Rec {
    const r = this.data(objectId).records[idx]
    if (r === undefined) throw new Error(`emulator: no record ${idx} in ${objectId}`)
    return r
  }

  create(objectId: string, t: number, parent: number, aux: number): Rec {
    const d = this.data(objectId)
    const idx = d.records.length
    const rec: Rec = { idx, id: this.idOf(objectId, idx), parent, aux, versions: [{ t, rev: this.rev, n: 0 }] }
    d.records.push(rec)
    d.byId.set(rec.id, idx)
    return rec
  }

  update(rec: Rec, t: number): void {
    rec.versions.push({ t, rev: this.rev, n: rec.versions.length })
  }

  /** Test hook: `count` new records ingested at `at`. */
  addRecords(objectId: string, at: number, count: number): string[] {
    const d = this.data(objectId)
    this.rev++
    const parentCount = d.def.parentObject === undefined ? 0 : this.data(d.def.parentObject).records.length
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      const idx = d.records.length
      const h = hashOf(this.seed, "added", objectId, idx)
      const parent = parentCount === 0 ? -1 : h % parentCount
      ids.push(this.create(objectId, at, parent, h % 2).id)
    }
    return ids
  }

  /** Test hook: a new version, with new values, of each record at `at`. */
  updateRecords(objectId: string, recordIds: string[], at: number): void {
    const d = this.data(objectId)
    const recs = recordIds.map((id) => {
      const idx = d.byId.get(id)
      if (idx === undefined) throw new Error(`emulator: no record ${JSON.stringify(id)} in ${objectId}`)
      return this.rec(objectId, idx)
    })
    this.rev++
    for (const rec of recs) this.update(rec, at)
  }

  /**
   * Records having a version with time in [s, e) (and time <= now, revision <= rev), each in its latest
   * such version with time < e; sorted by that version's time, then by record index.
   */
  select(objectId: string, s: number, e: number, now: number, rev: number): Selected[] {
    const out: Selected[] = []
    for (const rec of this.data(objectId).records) {
      let best: Version | undefined
      let inWindow = false
      for (const v of rec.versions) {
        if (v.rev > rev || v.t > now || v.t >= e) continue
        if (v.t >= s) inWindow = true
        if (best === undefined || v.t > best.t || (v.t === best.t && v.n > best.n)) best = v
      }
      if (inWindow && best !== undefined) out.push({ rec, ver: best })
    }
    out.sort((a, b) => a.ver.t - b.ver.t || a.rec.idx - b.rec.idx)
    return out
  }
}
