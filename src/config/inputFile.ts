import { FileSystem } from "@effect/platform"
import { Effect, ParseResult, Schema } from "effect"
import { withShortActual } from "./shownValue.js"

/** A config, catalog or state file that cannot be used; always a `config_error` for Airbyte. */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  file: Schema.String,
  message: Schema.String
}) {}

/** Reads and parses a JSON file, naming the file and the problem when it cannot. */
export const readJsonFile = (path: string, what: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const fail = (problem: string) => new InputError({ file: path, message: `${what} file ${path} ${problem}` })
    const info = yield* fs.stat(path).pipe(Effect.mapError(() => fail("does not exist or cannot be read")))
    if (info.type === "Directory") return yield* fail("is a directory, not a file")
    const text = yield* fs.readFileString(path).pipe(Effect.mapError(() => fail("cannot be read")))
    if (text.trim() === "") return yield* fail("is empty")
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => fail(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
    })
  })

/** Problems listed in one message; a million bad items must not make a 10 MB message. */
const MAX_LISTED = 10

/**
 * Decodes with every problem reported by its path, e.g. `window_hours: must be a whole number
 * from 1 to 8760, got 0`. Effect reports optional fields twice (as the value and as `undefined`);
 * only the informative one is kept. Values are echoed only when short (see `shownValue`); a
 * secret field shows only the messages of its own refinements, which never hold the value.
 */
export const decodeWithPaths = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  file: string,
  what: string,
  secretKeys: ReadonlyArray<string> = []
) =>
  Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })(value).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const informative = issues.filter(
        (issue) => !(issue.message.startsWith("Expected undefined") && issues.some((o) => o !== issue && startsWith(o.path, issue.path)))
      )
      const lines = informative.map((issue) => {
        const secret = secretKeys.includes(String(issue.path[0]))
        const message = !secret
          ? withShortActual(issue.message)
          : issue._tag === "Refinement" || issue._tag === "Missing"
            ? issue.message
            : "must be a non-empty string (value not shown: it is a secret)"
        return `${issue.path.length ? issue.path.join(".") : "(root)"}: ${message}`
      })
      const unique = [...new Set(lines)]
      const listed =
        unique.length > MAX_LISTED ? [...unique.slice(0, MAX_LISTED), `and ${unique.length - MAX_LISTED} more problems`] : unique
      return new InputError({ file, message: `${what} file ${file} is invalid: ${listed.join("; ")}` })
    })
  )

/** Whether `path` is `prefix` or lies inside it (an issue of `objects.1` is one of `objects`). */
const startsWith = (path: ReadonlyArray<PropertyKey>, prefix: ReadonlyArray<PropertyKey>) =>
  path.length >= prefix.length && prefix.every((key, i) => key === path[i])
