// A destination in miniature: upserts records by record_id, the latest export window winning,
// as the Export API document tells users to do, so tests compare it with the emulator's truth.
import type { AirbyteMessage } from "./protocol.js"

export type Row = Record<string, string | null>
export type Replica = Map<string, Map<string, Row>>

interface RecordPayload {
  stream: string
  data: Record<string, unknown>
}

export const recordsOf = (messages: ReadonlyArray<AirbyteMessage>): Array<RecordPayload> =>
  messages.filter((m) => m.type === "RECORD").map((m) => m.record as RecordPayload)

export const upsert = (replica: Replica, messages: ReadonlyArray<AirbyteMessage>): Replica => {
  for (const { stream, data } of recordsOf(messages)) {
    const rows = replica.get(stream) ?? new Map<string, Row>()
    replica.set(stream, rows)
    const id = data.record_id as string
    const previous = rows.get(id)
    const end = data._ab_export_window_end as string
    if (previous === undefined || (previous._ab_export_window_end as string) <= end) rows.set(id, data as Row)
  }
  return replica
}

/** A replica's rows without the two fields the connector adds, for comparison with the truth. */
export const withoutInjected = (rows: Map<string, Row> | undefined): Map<string, Row> => {
  const out = new Map<string, Row>()
  for (const [id, row] of rows ?? []) {
    const { _ab_export_window_end: _end, _ab_source_file_url: _url, ...rest } = row
    out.set(id, rest)
  }
  return out
}
