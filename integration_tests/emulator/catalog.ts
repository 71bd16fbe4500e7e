// The exportable objects: the nine core objects of the document plus tenant-specific ones.

export interface ObjectDef {
  id: string
  name: string
  description: string
  /** record_id prefix */
  prefix: string
  columns: string[]
  kind: "core" | "tenant" | "bench"
  /** the object whose record each record points at (feedback_record_id, parent_id, ...) */
  parentObject?: string
}

const TAXONOMY_COLUMNS = ["record_id", "name", "description", "created_at", "updated_at"]
const WITH_PARENT = ["record_id", "name", "description", "parent_id", "created_at", "updated_at"]

export const CORE_OBJECTS: ReadonlyArray<ObjectDef> = [
  {
    id: "feedback_record",
    name: "Feedback Record",
    description: "Feedback records for your tenant: reviews, support tickets, survey responses, call transcripts.",
    prefix: "fbk",
    kind: "core",
    columns: [
      "record_id",
      "event_time",
      "channel",
      "message_text",
      "language_code",
      "custom_plan_tier",
      "custom_account_code",
      "csat_score",
      "Customer Segment",
      "updated_at"
    ]
  },
  {
    id: "feedback_summary",
    name: "Feedback Summary",
    description: "Summaries of feedback records; a record can have several (one per chapter of a call).",
    prefix: "fsum",
    kind: "core",
    parentObject: "feedback_record",
    columns: ["record_id", "feedback_record_id", "summary_index", "summary_text", "updated_at"]
  },
  {
    id: "product_feedback_envelope",
    name: "Product Feedback Envelope",
    description: "Predicted taxonomy paths (predictions) on feedback records.",
    prefix: "env",
    kind: "core",
    parentObject: "feedback_record",
    columns: ["record_id", "feedback_record_id", "l1_id", "l2_id", "l3_id", "theme_id", "subtheme_id", "confidence", "updated_at"]
  },
  {
    id: "product_taxonomy_hierarchy",
    name: "Product Taxonomy Hierarchy",
    description: "Taxonomy paths: the ids of l1, l2, l3, theme and subtheme.",
    prefix: "path",
    kind: "core",
    parentObject: "subtheme",
    columns: ["record_id", "l1_id", "l2_id", "l3_id", "theme_id", "subtheme_id"]
  },
  {
    id: "product_taxonomy_l1",
    name: "Product Taxonomy L1",
    description: "Details for an L1 ID.",
    prefix: "l1",
    kind: "core",
    columns: TAXONOMY_COLUMNS
  },
  {
    id: "product_taxonomy_l2",
    name: "Product Taxonomy L2",
    description: "Details for an L2 ID.",
    prefix: "l2",
    kind: "core",
    parentObject: "product_taxonomy_l1",
    columns: WITH_PARENT
  },
  {
    id: "product_taxonomy_l3",
    name: "Product Taxonomy L3",
    description: "Details for an L3 ID.",
    prefix: "l3",
    kind: "core",
    parentObject: "product_taxonomy_l2",
    columns: WITH_PARENT
  },
  {
    id: "theme",
    name: "Theme",
    description: "Details for a Theme ID.",
    prefix: "thm",
    kind: "core",
    parentObject: "product_taxonomy_l3",
    columns: WITH_PARENT
  },
  {
    id: "subtheme",
    name: "Subtheme",
    description: "Details for a Subtheme ID.",
    prefix: "sub",
    kind: "core",
    parentObject: "theme",
    columns: WITH_PARENT
  }
]

export const TENANT_OBJECTS: ReadonlyArray<ObjectDef> = [
  {
    id: "nps_response",
    name: "NPS Response",
    description: "Tenant-specific: NPS survey responses linked to feedback records.",
    prefix: "nps",
    kind: "tenant",
    parentObject: "feedback_record",
    columns: ["record_id", "feedback_record_id", "score", "comment", "responded_at", "custom_segment"]
  },
  {
    id: "support_ticket_tag",
    name: "Support Ticket Tag",
    description: "Tenant-specific: tags on support tickets (no data has been exported yet).",
    prefix: "tag",
    kind: "tenant",
    columns: ["record_id", "ticket_id", "tag_name", "created_at"]
  }
]

export const BENCH_FEEDBACK_COLUMNS = [
  "record_id",
  "event_time",
  "channel",
  "message_text",
  "language_code",
  "csat_score",
  "custom_account_code"
]

export function wideColumns(): string[] {
  const cols = ["record_id"]
  for (let i = 1; i < 60; i++) cols.push(`c${String(i).padStart(2, "0")}`)
  return cols
}

export function benchDef(id: string, kind: "feedback" | "wide"): ObjectDef {
  return {
    id,
    name: `Benchmark ${kind} ${id}`,
    description: `Large generated ${kind} object for benchmarks.`,
    prefix: "bench",
    kind: "bench",
    columns: kind === "feedback" ? BENCH_FEEDBACK_COLUMNS : wideColumns()
  }
}
