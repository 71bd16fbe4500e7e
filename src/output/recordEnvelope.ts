import { FILE_URL_FIELD, WINDOW_END_FIELD } from "./recordFields.js"

/**
 * The text around a record's data cells, the same for every record of one file: `head` runs up to
 * and including the `{` that opens the data object, `tail` from just after the last cell's value
 * (the fields the connector adds, the closing braces and the newline). The CSV encoder writes
 * `head`, the cells as `"key":value` pairs, then `tail`, so the protocol that frames a record
 * (Airbyte's or Singer's) is chosen here and nowhere else.
 */
export interface RecordEnvelope {
  readonly head: string
  readonly tail: string
}

/** The added fields and the data object's closing brace, shared by every protocol. */
const addedFields = (windowEnd: string, fileUrl: string) =>
  `,${JSON.stringify(WINDOW_END_FIELD)}:${JSON.stringify(windowEnd)},${JSON.stringify(FILE_URL_FIELD)}:${JSON.stringify(fileUrl)}}`

/** `{"type":"RECORD","record":{"stream":S,"emitted_at":T,"data":{…}}}`, one line. */
export const airbyteRecordEnvelope = (stream: string, windowEnd: string, fileUrl: string, emittedAtMs: number): RecordEnvelope => ({
  head: `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"emitted_at":${emittedAtMs},"data":{`,
  tail: `${addedFields(windowEnd, fileUrl)}}}\n`
})

/**
 * Singer's `{"type":"RECORD","stream":S,"time_extracted":T,"record":{…}}`, one line (Singer SPEC:
 * `record` and `stream` required, `time_extracted` an RFC 3339 date-time).
 */
export const singerRecordEnvelope = (stream: string, windowEnd: string, fileUrl: string, extractedAtMs: number): RecordEnvelope => ({
  head: `{"type":"RECORD","stream":${JSON.stringify(stream)},"time_extracted":${JSON.stringify(new Date(extractedAtMs).toISOString())},"record":{`,
  tail: `${addedFields(windowEnd, fileUrl)}}\n`
})
