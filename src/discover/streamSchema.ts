import type { ExportableObject } from "../enterpret/client.js"
import { FILE_URL_FIELD, WINDOW_END_FIELD as CURSOR_FIELD } from "../output/recordFields.js"

export const PRIMARY_KEY = "record_id"

/** One catalog stream for an exportable object, its properties from the CSV header. */
export const airbyteStream = (object: ExportableObject, header: ReadonlyArray<string>) => {
  // fromEntries defines own properties, so a column named __proto__ is a column like any other.
  const properties: Record<string, object> = Object.fromEntries([
    ...header.map((column) => [column, { type: ["null", "string"] }] as const),
    [CURSOR_FIELD, { type: "string", format: "date-time" }],
    [FILE_URL_FIELD, { type: "string" }]
  ])
  return {
    name: object.id,
    json_schema: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      title: object.name,
      ...(object.description ? { description: object.description } : {}),
      additionalProperties: true,
      properties
    },
    supported_sync_modes: ["full_refresh", "incremental"],
    source_defined_cursor: true,
    default_cursor_field: [CURSOR_FIELD],
    ...(header.includes(PRIMARY_KEY) ? { source_defined_primary_key: [[PRIMARY_KEY]] } : {}),
    is_resumable: true
  }
}
