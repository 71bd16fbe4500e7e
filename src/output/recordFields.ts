/** Fields the connector adds to every record (the contract's "Fields the connector adds"). */
export const WINDOW_END_FIELD = "_ab_export_window_end"
export const FILE_URL_FIELD = "_ab_source_file_url"
export const ADDED_FIELDS: ReadonlyArray<string> = [WINDOW_END_FIELD, FILE_URL_FIELD]
