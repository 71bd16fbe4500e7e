import type { ParseResult } from "effect"

/**
 * How an error message may show a value the user gave. A value in the wrong field may be the
 * API token (pasted into start_date, base_url, objects, …), so only values of a few characters
 * are echoed whole; longer ones by their kind and length. `safe` lets a field show longer
 * values that no token looks like (a mistyped date); `instead` is a safe part to show (a URL's
 * origin).
 */
export const SHOWN_CHARACTERS = 10

export const shownValue = (value: unknown, safe?: RegExp, instead?: string): string => {
  const json = JSON.stringify(value) ?? String(value)
  if (json.length <= SHOWN_CHARACTERS + 2 || (typeof value === "string" && safe?.test(value) === true)) return json
  const kind =
    typeof value === "string" ? "a text" : Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`
  const length = typeof value === "string" ? value.length : json.length
  const hidden = `${kind} of ${length} characters (not shown: it may be a secret)`
  // A URL of a scheme without an origin (`foo:bar`) has the origin "null": nothing to show.
  return instead === undefined || instead === "null" ? hidden : `${JSON.stringify(instead)}… (the rest not shown)`
}

/**
 * Effect's own messages end with the value, e.g. `Expected string, actual 12345`; the value is
 * shown as `shownValue` would.
 */
export const withShortActual = (message: string): string => {
  const match = /^([\s\S]*?), actual ([\s\S]*)$/.exec(message)
  if (match === null) return message.length > 300 ? `${message.slice(0, 300)}…` : message
  const actual = match[2]!
  return `${match[1]}, got ${actual.length <= SHOWN_CHARACTERS + 2 ? actual : `a value of ${actual.length} characters (not shown: it may be a secret)`}`
}

/** Names shown in one message, each cut to NAME_CHARACTERS: a million unknown names make one short line. */
const LISTED_NAMES = 10
const NAME_CHARACTERS = 64

/** At most 10 names, each cut to 64 characters, then "and N more". */
export const shownNames = (names: ReadonlyArray<string>): string => {
  const shown = names.slice(0, LISTED_NAMES).map((name) => (name.length > NAME_CHARACTERS ? `${name.slice(0, NAME_CHARACTERS)}…` : name))
  return names.length > LISTED_NAMES ? `${shown.join(", ")} and ${names.length - LISTED_NAMES} more` : shown.join(", ")
}

/**
 * A Schema `message` for a field given a value of the wrong kind: what it must be, in words, and
 * the value as Effect's own messages end (shortened by withShortActual). Without it, a list's
 * message names its type (`Expected ReadonlyArray<ReadonlyArray<string>>`) or its title
 * (`Expected Objects`). A wrong element inside a right list keeps the element's own message.
 */
export const expectedKind =
  (what: string) =>
  (issue: ParseResult.ParseIssue): string =>
    `Expected ${what}, actual ${JSON.stringify(issue.actual) ?? String(issue.actual)}`
