// The large tenant of issue 19's "time to replica": 60 days over five objects, where a first sync
// is bound by the export quota and the file host's bandwidth at once. Two objects get a file every
// hour, one every 6 hours, one a few times in the span, one never; every file holds about
// `fileBytes` of CSV (the default makes ~575 MB over 3,123 files). Files are rendered on demand
// from their object and hour (nothing is held: a file is built when it is downloaded), with
// record ids unique across the tenant, so that a replica can be checked by count and id.
import { CORE_OBJECTS, type ObjectDef, TENANT_OBJECTS } from "./catalog.js"
import { HOUR } from "./timeFormat.js"

/** The tenant's objects, in listing order: hourly, hourly, every 6 hours, sparse, empty. */
export const REPLICA_OBJECT_IDS = [
  "feedback_record",
  "product_feedback_envelope",
  "feedback_summary",
  "product_taxonomy_l1",
  "support_ticket_tag"
] as const

export const REPLICA_DAYS = 60
/** Files a page for this tenant unless the options say otherwise. */
export const REPLICA_FILES_PER_PAGE = 24
/** About 575 MB over the 3,123 files of 60 days. */
export const REPLICA_FILE_BYTES = 184_000
/** The sparse object's files: hours after the span's start. */
const SPARSE_HOURS = [5, 20 * 24 + 9, 45 * 24 + 17]

export const replicaCatalog = (): ObjectDef[] => {
  const all = [...CORE_OBJECTS, ...TENANT_OBJECTS]
  return REPLICA_OBJECT_IDS.map((id) => all.find((d) => d.id === id)!)
}

export const REPLICA_COLUMNS = ["record_id", "event_time", "channel", "message_text"]

/** Whether `objectId` has a file in the hour `hourMs` of a span starting at `spanStart`. */
const hasFile = (objectId: string, hourMs: number, spanStart: number): boolean => {
  const h = Math.round((hourMs - spanStart) / HOUR)
  switch (objectId) {
    case "feedback_record":
    case "product_feedback_envelope":
      return true
    case "feedback_summary":
      return h % 6 === 3
    case "product_taxonomy_l1":
      return SPARSE_HOURS.includes(h)
    default:
      return false
  }
}

/** The hours of `objectId`'s files in [startMs, endMs) ∩ [spanStart, spanEnd), in order. */
export const replicaFileHours = (objectId: string, startMs: number, endMs: number, span: { start: number; end: number }): number[] => {
  const hours: number[] = []
  const from = Math.max(span.start, Math.ceil(startMs / HOUR) * HOUR)
  const to = Math.min(span.end, endMs)
  if (objectId === "product_taxonomy_l1") {
    for (const h of SPARSE_HOURS) {
      const ms = span.start + h * HOUR
      if (ms >= from && ms < to) hours.push(ms)
    }
    return hours
  }
  for (let ms = from; ms < to; ms += HOUR) if (hasFile(objectId, ms, span.start)) hours.push(ms)
  return hours
}

const PREFIX: Record<string, string> = {
  feedback_record: "fbk",
  product_feedback_envelope: "env",
  feedback_summary: "fsum",
  product_taxonomy_l1: "l1"
}
const CHANNELS = ["Support", "Reviews", "Survey", "Calls", "Social"]
const FILLER = "The export window held this feedback, quoted, with a comma and ünïcödé; ".repeat(12)
/** Characters of message_text: rows of ~680 bytes, about what a feedback record with its text takes. */
const TEXT_CHARS = 600

/** Rows of a file of about `fileBytes`: at least one (the bytes a row takes, measured on 97 rows: the text cycles every 97). */
export const replicaRowsPerFile = (fileBytes: number): number => {
  const header = renderReplicaFile("feedback_record", 0, 0).length
  const rowBytes = (renderReplicaFile("feedback_record", 0, 97).length - header) / 97
  return Math.max(1, Math.round((fileBytes - header) / rowBytes))
}

/** The record ids of one file, in order. */
export const replicaRecordId = (objectId: string, hourMs: number, row: number): string =>
  `${PREFIX[objectId] ?? "rec"}_${new Date(hourMs).toISOString().slice(0, 13).replace(/[-:T]/g, "")}_${String(row).padStart(4, "0")}`

/** One file: header, then `rows` rows, LF-terminated. */
export const renderReplicaFile = (objectId: string, hourMs: number, rows: number): Buffer => {
  const eventTime = `${new Date(hourMs + 17 * 60_000).toISOString().slice(0, 19)}Z`
  const lines = [REPLICA_COLUMNS.join(",")]
  for (let i = 0; i < rows; i++) {
    const text = FILLER.slice(i % 97, (i % 97) + TEXT_CHARS)
    lines.push(`${replicaRecordId(objectId, hourMs, i)},${eventTime},${CHANNELS[i % CHANNELS.length]},"${text}"`)
  }
  return Buffer.from(`${lines.join("\n")}\n`, "utf8")
}
