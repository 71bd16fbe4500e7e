// The signed URLs of one object's export window, fetched from the emulator's export endpoint the
// way the connector fetches them (following cursors), for the baselines to download: they read
// the same files over the same loopback HTTP as the connector, and emit the same envelopes.
import { writeFileSync } from "node:fs"

export interface PlanFile {
  /** the signed URL */
  readonly url: string
  /** `_ab_source_file_url`: the URL without its signature */
  readonly fileUrl: string
}

/** What a baseline reads and what it puts in each record besides the CSV's cells. */
export interface ExportPlan {
  readonly stream: string
  /** `_ab_export_window_end`, RFC 3339 */
  readonly windowEnd: string
  readonly files: ReadonlyArray<PlanFile>
  /** export responses it took (the first page and one more per cursor) */
  readonly pages: number
}

export interface ExportTarget {
  readonly baseUrl: string
  readonly token: string
}

const page = (value: unknown): { files: string[]; cursor: string | undefined } => {
  const o = (typeof value === "object" && value !== null ? value : {}) as { files?: unknown; cursor?: unknown }
  if (!Array.isArray(o.files)) throw new Error(`export answered without files: ${JSON.stringify(value).slice(0, 300)}`)
  return { files: o.files.map(String), cursor: typeof o.cursor === "string" && o.cursor !== "" ? o.cursor : undefined }
}

/** Every signed URL of `[startTime, endTime)` for `objectID`, following cursors. */
export const exportPlan = async (
  api: ExportTarget,
  objectID: string,
  startTime: string,
  endTime: string,
  windowEnd: string
): Promise<ExportPlan> => {
  const files: PlanFile[] = []
  let cursor: string | undefined
  let pages = 0
  for (;;) {
    if (++pages > 100_000) throw new Error(`export of ${objectID}: too many pages`)
    const response = await fetch(`${api.baseUrl}/external/v2/export`, {
      method: "POST",
      headers: { Authorization: `Bearer ${api.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ objectID, startTime, endTime, ...(cursor === undefined ? {} : { cursor }) })
    })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`export of ${objectID}: HTTP ${response.status}: ${text.slice(0, 300)}`)
    const answer = page(JSON.parse(text) as unknown)
    for (const url of answer.files) {
      const q = url.indexOf("?")
      files.push({ url, fileUrl: q < 0 ? url : url.slice(0, q) })
    }
    cursor = answer.cursor
    if (cursor === undefined) break
  }
  return { stream: objectID, windowEnd, files, pages }
}

export const writePlan = (path: string, plan: ExportPlan): void => writeFileSync(path, JSON.stringify(plan))
