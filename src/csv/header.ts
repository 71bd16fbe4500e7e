import { ADDED_FIELDS } from "../output/recordFields.js"

/**
 * Column names as they become record keys and schema properties. An empty name, a repeated one
 * or one of the fields the connector adds would make two values share a key and lose one, so
 * they get positional names instead.
 */
export const columnNames = (header: ReadonlyArray<string | null>): ReadonlyArray<string> => {
  const seen = new Set<string>(ADDED_FIELDS)
  return header.map((raw, index) => {
    let name = raw === null || raw.trim() === "" ? `column_${index + 1}` : raw
    // The positional name may itself be taken (a header `a_3,a,a`): extend it until it is free.
    while (seen.has(name)) name = `${name}_${index + 1}`
    seen.add(name)
    return name
  })
}
