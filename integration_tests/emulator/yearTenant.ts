// The year-long tenant (issue #10): a year of history over seven objects shaped like a real
// tenant's, where what costs is export requests, not bytes. Two dense objects get a file every
// day (a nightly batch), one medium object a file about every sixth day, three taxonomy-like
// objects change a handful of times a year, and one object never has any data. Deterministic
// from the seed, like the standard tenant.
import { CORE_OBJECTS, type ObjectDef, TENANT_OBJECTS } from "./catalog.js"
import { Dataset, type Rec } from "./dataset.js"
import { hashOf, rngFor } from "./hash.js"
import { DAY, HOUR, MINUTE } from "./timeFormat.js"

/** The tenant's objects, in listing order: dense, dense, medium, sparse x3, empty. */
export const YEAR_OBJECT_IDS = [
  "feedback_record",
  "product_feedback_envelope",
  "feedback_summary",
  "product_taxonomy_l1",
  "product_taxonomy_l2",
  "product_taxonomy_l3",
  "support_ticket_tag"
] as const

/** Files a page for this tenant unless the options say otherwise: a year of daily files is 61 pages. */
export const YEAR_FILES_PER_PAGE = 6

export const yearCatalog = (): ObjectDef[] => {
  const all = [...CORE_OBJECTS, ...TENANT_OBJECTS]
  return YEAR_OBJECT_IDS.map((id) => all.find((d) => d.id === id)!)
}

/** The hour of day at which each object's nightly batch lands (one file per batch). */
const BATCH_HOUR = { feedback_record: 2, product_feedback_envelope: 3, feedback_summary: 4, taxonomy: 5 } as const
const TAXONOMY = [
  ["product_taxonomy_l1", 4],
  ["product_taxonomy_l2", 10],
  ["product_taxonomy_l3", 20]
] as const

export function generateYear(seed: string, spanStart: number, spanEnd: number): Dataset {
  const ds = new Dataset(seed)
  // Every object is defined (values look parents up), but only YEAR_OBJECT_IDS are listed.
  for (const def of [...CORE_OBJECTS, ...TENANT_OBJECTS]) ds.define(def)
  const days = Math.floor((spanEnd - spanStart) / DAY)
  if (days <= 0) return ds
  const at = (day: number, hour: number, minute: number) => spanStart + day * DAY + hour * HOUR + minute * MINUTE

  // Taxonomy: created on the first day, then renamed in two to four batches over the year.
  TAXONOMY.forEach(([objectId, count], level) => {
    const recs: Rec[] = []
    for (let i = 0; i < count; i++) {
      const parent = level === 0 ? -1 : i % (TAXONOMY[level - 1]?.[1] ?? 1)
      recs.push(ds.create(objectId, at(0, BATCH_HOUR.taxonomy, level * 10 + (i % 10)), parent, 0))
    }
    const r = rngFor(seed, "year-taxonomy", objectId)
    const batches = 2 + (hashOf(seed, "year-batches", objectId) % 3)
    for (let b = 0; b < batches; b++) {
      const day = 1 + Math.floor(r() * (days - 1))
      for (const rec of recs) if (r() < 0.3) ds.update(rec, at(day, BATCH_HOUR.taxonomy, Math.floor(r() * 60)))
    }
  })

  // Feedback: a nightly batch of 2-6 records, each with one or two predictions in the next hour's
  // batch; about one record in ten is updated again in a later night's batch.
  const feedback: Rec[] = []
  for (let day = 0; day < days; day++) {
    const r = rngFor(seed, "year-feedback", day)
    const count = 2 + (hashOf(seed, "year-count", day) % 5)
    for (let k = 0; k < count; k++) {
      const minute = Math.floor((k * 60) / count)
      const fb = ds.create("feedback_record", at(day, BATCH_HOUR.feedback_record, minute), -1, 0)
      feedback.push(fb)
      const predictions = 1 + (hashOf(seed, "year-env", fb.idx) % 2)
      for (let j = 0; j < predictions; j++)
        ds.create("product_feedback_envelope", at(day, BATCH_HOUR.product_feedback_envelope, minute), fb.idx, j)
    }
    if (day > 0 && r() < 0.5) {
      const old = feedback[Math.floor(r() * (feedback.length - count))]
      if (old !== undefined) ds.update(old, at(day, BATCH_HOUR.feedback_record, 59))
    }
    // Summaries are made in a weekly-ish batch: every sixth day, of the feedback since the last.
    if (day % 6 === hashOf(seed, "year-summary") % 6) {
      const recent = feedback.slice(-3)
      for (const [j, fb] of recent.entries()) ds.create("feedback_summary", at(day, BATCH_HOUR.feedback_summary, j), fb.idx, 0)
    }
  }
  for (const d of ds.objects.values()) d.baseCount = d.records.length
  return ds
}
