// Deterministic generation of a tenant's history: taxonomy first, then feedback with summaries,
// predictions and NPS responses spread over the hours of the span, with later updates.
import { CORE_OBJECTS, TENANT_OBJECTS } from "./catalog.js"
import { Dataset, type Rec } from "./dataset.js"
import { hashOf, rngFor } from "./hash.js"
import { HOUR, MINUTE } from "./timeFormat.js"
import type { Scale } from "./types.js"

interface Sizes {
  feedback: number
  taxonomy: [number, number, number, number, number] // l1, l2, l3, theme, subtheme
}

export function sizesFor(scale: Scale): Sizes {
  const small: Sizes["taxonomy"] = [2, 4, 6, 8, 12]
  const large: Sizes["taxonomy"] = [4, 10, 20, 40, 80]
  if (scale === "tiny") return { feedback: 60, taxonomy: small }
  if (scale === "demo") return { feedback: 1000, taxonomy: large }
  if (scale === "bench") return { feedback: 20000, taxonomy: large }
  const n = Math.max(0, Math.floor(scale))
  return { feedback: n, taxonomy: n < 200 ? small : large }
}

const TAXONOMY_CHAIN = ["product_taxonomy_l1", "product_taxonomy_l2", "product_taxonomy_l3", "theme", "subtheme"] as const

class Gen {
  readonly hours: number
  /** active (non-quiet) hour indexes, ascending */
  readonly active: number[] = []

  constructor(
    readonly ds: Dataset,
    readonly spanStart: number,
    spanEnd: number
  ) {
    this.hours = Math.max(0, Math.round((spanEnd - spanStart) / HOUR))
    for (let h = 0; h < this.hours; h++) {
      const quiet = hashOf(ds.seed, "quiet", h) % 5 === 0 && h !== 0 && h !== this.hours - 1
      if (!quiet) this.active.push(h)
    }
  }

  at(hour: number, minute: number): number {
    return this.spanStart + hour * HOUR + minute * MINUTE
  }

  hourOf(t: number): number {
    return Math.floor((t - this.spanStart) / HOUR)
  }

  /** a random active hour after `hour`, or undefined */
  laterHour(hour: number, r: number): number | undefined {
    let lo = 0
    let hi = this.active.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.active[mid] ?? 0) <= hour) lo = mid + 1
      else hi = mid
    }
    const n = this.active.length - lo
    return n <= 0 ? undefined : this.active[lo + Math.floor(r * n)]
  }

  /** update `rec` at a random minute of a random later active hour */
  updateLater(rec: Rec, after: number, r: () => number): number | undefined {
    const h = this.laterHour(this.hourOf(after), r())
    if (h === undefined) return undefined
    const t = this.at(h, Math.floor(r() * 60))
    this.ds.update(rec, t)
    return t
  }

  /** a time `minutes` after t, kept inside t's hour */
  sameHour(t: number, minutes: number): number {
    const hourEnd = this.spanStart + (this.hourOf(t) + 1) * HOUR
    return Math.min(t + minutes * MINUTE, hourEnd - MINUTE)
  }

  taxonomy(sizes: Sizes["taxonomy"]): void {
    const seed = this.ds.seed
    TAXONOMY_CHAIN.forEach((objectId, level) => {
      const count = sizes[level] ?? 0
      const parentCount = level === 0 ? 0 : (sizes[level - 1] ?? 0)
      for (let i = 0; i < count; i++) {
        const rec = this.ds.create(objectId, this.at(0, level + 1 + (i % 10)), parentCount === 0 ? -1 : i % parentCount, 0)
        const r = rngFor(seed, "taxupd", objectId, i)
        if (r() < 0.25) {
          const t = this.updateLater(rec, rec.versions[0]?.t ?? 0, r)
          if (t !== undefined && r() < 0.3) this.updateLater(rec, t, r)
        }
      }
    })
    const subthemes = sizes[4]
    for (let k = 0; k < subthemes; k++) this.ds.create("product_taxonomy_hierarchy", this.at(0, 7 + (k % 10)), k, 0)
  }

  feedback(count: number): void {
    if (this.active.length === 0) return
    const seed = this.ds.seed
    const r = rngFor(seed, "feedback-times")
    const times: number[] = []
    for (let i = 0; i < count; i++) {
      const h = this.active[Math.floor(r() * this.active.length)] ?? 0
      times.push(this.at(h, Math.floor(r() * 60)))
    }
    times.sort((a, b) => a - b)
    for (const [i, t] of times.entries()) this.oneFeedback(i, t)
  }

  private oneFeedback(i: number, t: number): void {
    const seed = this.ds.seed
    const r = rngFor(seed, "fbupd", i)
    const fb = this.ds.create("feedback_record", t, -1, 0)
    const updates: number[] = []
    const minute = new Date(t).getUTCMinutes()
    if (i % 10 === 3 && minute < 59) {
      const u = t + (1 + Math.floor(r() * (59 - minute))) * MINUTE
      this.ds.update(fb, u)
      updates.push(u)
    }
    const x = r()
    if (x < 0.25) {
      const u = this.updateLater(fb, updates.at(-1) ?? t, r)
      if (u !== undefined) {
        updates.push(u)
        if (x < 0.08) {
          const u2 = this.updateLater(fb, u, r)
          if (u2 !== undefined) updates.push(u2)
        }
      }
    }
    const nSum = 1 + (hashOf(seed, "nsum", i) % 3 === 0 ? 1 : 0)
    for (let j = 0; j < nSum; j++) {
      const s = this.ds.create("feedback_summary", this.sameHour(t, j + 1), i, j)
      for (const u of updates) if (r() < 0.5) this.ds.update(s, u)
    }
    const nEnv = 1 + (hashOf(seed, "nenv", i) % 2)
    for (let j = 0; j < nEnv; j++) {
      const env = this.ds.create("product_feedback_envelope", this.sameHour(t, j + 2), i, j)
      for (const u of updates) if (r() < 0.3) this.ds.update(env, u)
      if (r() < 0.2) this.updateLater(env, env.versions.at(-1)?.t ?? t, r)
    }
    if (i % 3 === 0) {
      const nps = this.ds.create("nps_response", this.sameHour(t, 3), i, 0)
      if (r() < 0.1) this.updateLater(nps, t, r)
    }
  }
}

/** Builds the dataset of a tenant: history over [spanStart, spanEnd), all from the seed. */
export function generateDataset(seed: string, scale: Scale, spanStart: number, spanEnd: number): Dataset {
  const ds = new Dataset(seed)
  for (const def of [...CORE_OBJECTS, ...TENANT_OBJECTS]) ds.define(def)
  const sizes = sizesFor(scale)
  const gen = new Gen(ds, spanStart, spanEnd)
  if (gen.hours > 0) {
    gen.taxonomy(sizes.taxonomy)
    gen.feedback(sizes.feedback)
  }
  for (const d of ds.objects.values()) d.baseCount = d.records.length
  return ds
}
