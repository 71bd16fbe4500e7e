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
