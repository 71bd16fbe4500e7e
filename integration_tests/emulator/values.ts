// Cell values of a record version: deterministic from (seed, object, record, version), spread with
// every CSV hazard. null is an absent value (an unquoted empty cell); "" is an empty string.
import type { Dataset, Rec, Version } from "./dataset.js"
import { hashOf, pick, rngFor } from "./hash.js"
import { DAY, MINUTE, isoSeconds } from "./timeFormat.js"

export type Cell = string | null

const LONG_UNIT = 'Long feedback, with "quotes", commas, a newline\nand non-ASCII: café, 日本語, 🚀. '

export function longText(chars: number): string {
  return LONG_UNIT.repeat(Math.ceil(chars / LONG_UNIT.length)).slice(0, chars)
}

/** One of each hazard; the index cycles over them so that every small tenant has them all. */
export const MESSAGE_HAZARDS: ReadonlyArray<Cell> = [
  "Login fails after 2FA setup",
  "App crashes when opening settings, then again on restart",
  'He said "it\'s broken" and left',
  "Line one\nLine two\nLine three",
  "First line\r\nSecond line, with a comma",
  "Ça ne marche pas — 日本語のテキスト — Ünïcödé 🚀",
  "",
  null,
  "007",
  "  padded with spaces  ",
  '"',
  "NULL",
  "a,b,c",
  "Trailing backslash \\",
  "=SUM(A1:A2)",
  "tab\tseparated\tvalues",
  '"Quoted at both ends"'
]

const CHANNELS: ReadonlyArray<Cell> = ["Support", "Reviews", "Survey", "Calls", "Social", null]
const LANGUAGES: ReadonlyArray<Cell> = ["en", "en", "fr", "ja", "de", "pt-BR", "", null]
const TIERS: ReadonlyArray<Cell> = ["Free", "Pro", "Enterprise", null]
const CSAT: ReadonlyArray<Cell> = ["1", "2", "3", "4", "5", "", null]
const SEGMENTS: ReadonlyArray<Cell> = ["SMB", "Mid-Market", "Enterprise, Strategic", '"Key" account', null]
const WORDS = ["Billing", "Login", "Performance", "Mobile app", "Search", "Onboarding", "Exports", "Pricing"]
const SUMMARY_EXTRAS = ["", ", with a comma", ' — "quoted"', "\nsecond line", " (résumé, naïve)"]

function messageText(rec: Rec, ver: Version): Cell {
  if (rec.idx % 25 === 11) return longText(20_000 + (rec.idx % 3) * 40_000 + ver.n)
  const base = MESSAGE_HAZARDS[(rec.idx * 7 + ver.n * 3) % MESSAGE_HAZARDS.length] ?? null
  return ver.n === 0 || base === null || base === "" ? base : `${base} (edit ${ver.n})`
}

function created(rec: Rec): number {
  return rec.versions[0]?.t ?? 0
}

function taxonomyName(ds: Dataset, objectId: string, rec: Rec, ver: Version): string {
  const word = WORDS[hashOf(ds.seed, objectId, rec.idx) % WORDS.length] ?? "Topic"
  return ver.n === 0 ? `${word} ${rec.idx + 1}` : `${word} ${rec.idx + 1} (renamed ${ver.n})`
}

/** [l1, l2, l3, theme, subtheme] record ids of a hierarchy row */
function pathIds(ds: Dataset, hierarchyIdx: number): Cell[] {
  const chain = ["subtheme", "theme", "product_taxonomy_l3", "product_taxonomy_l2", "product_taxonomy_l1"]
  const ids: Cell[] = []
  let idx = ds.rec("product_taxonomy_hierarchy", hierarchyIdx).parent
  for (const objectId of chain) {
    if (idx < 0 || idx >= ds.data(objectId).records.length) {
      ids.push(null)
      idx = -1
      continue
    }
    const rec = ds.rec(objectId, idx)
    ids.push(rec.id)
    idx = rec.parent
  }
  return ids.reverse()
}

function parentId(ds: Dataset, objectId: string, rec: Rec): Cell {
  const parentObject = ds.data(objectId).def.parentObject
  if (parentObject === undefined || rec.parent < 0) return null
  return ds.idOf(parentObject, rec.parent)
}

/** Cells of one version of a record, in the order of the object's columns. */
export function rowFor(ds: Dataset, objectId: string, rec: Rec, ver: Version): Cell[] {
  const r = rngFor(ds.seed, objectId, rec.idx, ver.n)
  const fixed = rngFor(ds.seed, objectId, rec.idx, "fixed")
  const updated = isoSeconds(ver.t)
  switch (objectId) {
    case "feedback_record": {
      const code = fixed()
      return [
        rec.id,
        isoSeconds(created(rec) - Math.floor(fixed() * 200) * DAY - Math.floor(fixed() * 1440) * MINUTE),
        pick(CHANNELS, r()),
        messageText(rec, ver),
        pick(LANGUAGES, r()),
        pick(TIERS, r()),
        String(Math.floor(code * 1000)).padStart(code < 0.5 ? 3 : 4, "0"),
        pick(CSAT, r()),
        pick(SEGMENTS, r()),
        updated
      ]
    }
    case "feedback_summary":
      return [
        rec.id,
        parentId(ds, objectId, rec),
        String(rec.aux),
        `Summary ${rec.aux + 1} of the feedback, version ${ver.n + 1}${pick(SUMMARY_EXTRAS, r())}`,
        updated
      ]
    case "product_feedback_envelope": {
      const paths = ds.data("product_taxonomy_hierarchy").baseCount
      const path = paths === 0 ? [null, null, null, null, null] : pathIds(ds, hashOf(ds.seed, "path", rec.idx, ver.n) % paths)
      return [rec.id, parentId(ds, objectId, rec), ...path, (0.5 + r() * 0.5).toFixed(3), updated]
    }
    case "product_taxonomy_hierarchy":
      return [rec.id, ...pathIds(ds, rec.idx)]
    case "product_taxonomy_l1":
    case "product_taxonomy_l2":
    case "product_taxonomy_l3":
    case "theme":
    case "subtheme": {
      const name = taxonomyName(ds, objectId, rec, ver)
      const description = r() < 0.2 ? null : `Feedback about ${name.toLowerCase()}, e.g. "${name}" issues`
      const cells: Cell[] = [rec.id, name, description, isoSeconds(created(rec)), updated]
      if (objectId !== "product_taxonomy_l1") cells.splice(3, 0, parentId(ds, objectId, rec))
      return cells
    }
    case "nps_response":
      return [
        rec.id,
        parentId(ds, objectId, rec),
        String(Math.floor(r() * 11)),
        r() < 0.3 ? null : pick(MESSAGE_HAZARDS, r()),
        isoSeconds(created(rec) - Math.floor(fixed() * 3) * DAY),
        pick(["B2B", "B2C", "", null], r())
      ]
    case "support_ticket_tag":
      return [rec.id, `T-${String(rec.idx + 1).padStart(6, "0")}`, pick(WORDS, r()), isoSeconds(created(rec))]
    default:
      throw new Error(`emulator: no value generator for ${objectId}`)
  }
}
