import { Effect } from "effect"
import { Settings } from "../config/settings.js"
import { EnterpretApi, type ExportableObject } from "../enterpret/client.js"
import { InputError } from "../config/inputFile.js"
import { shownNames } from "../config/shownValue.js"
import { PRIMARY_KEY, airbyteStream } from "./streamSchema.js"
import { probeColumns } from "./headerProbe.js"

/** Each object once, the first listing of it kept: a repeated ID would make a catalog that read refuses. */
const uniqueById = (objects: ReadonlyArray<ExportableObject>): Array<ExportableObject> => {
  const seen = new Set<string>()
  return objects.filter((o) => {
    if (seen.has(o.id)) return false
    seen.add(o.id)
    return true
  })
}

/** The exportable objects the config asks for; naming an object that does not exist is an error. */
export const selectedObjects = (configFile: string) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const api = yield* EnterpretApi
    const all = uniqueById(yield* api.listObjects)
    if (settings.objects === undefined) return all
    const known = new Set(all.map((o) => o.id))
    const unknown = [...new Set(settings.objects)].filter((id) => !known.has(id))
    if (unknown.length > 0) {
      return yield* new InputError({
        file: configFile,
        message: `Config file ${configFile} is invalid: objects: ${shownNames(unknown)} ${unknown.length === 1 ? "is" : "are"} not exportable; available: ${shownNames([...known])}`
      })
    }
    const wanted = new Set(settings.objects)
    return all.filter((o) => wanted.has(o.id))
  })

/**
 * One stream per selected object, its schema the union of the headers of its oldest and newest
 * files (at most 2 export requests an object, see probeColumns), and the warnings
 * for a person (objects with no file anywhere). Each protocol frames both its own way: `discover`
 * as a CATALOG and LOG messages, the Singer tap as a catalog and stderr lines.
 */
export const discoverStreams = (configFile: string) =>
  Effect.gen(function* () {
    const objects = yield* selectedObjects(configFile)
    const warnings: Array<string> = []
    const streams = yield* Effect.forEach(
      objects,
      (object: ExportableObject) =>
        probeColumns(object.id).pipe(
          Effect.map((columns) => {
            if (columns !== undefined) return airbyteStream(object, columns)
            warnings.push(`No export file found for ${object.id} since start_date; its schema has only ${PRIMARY_KEY} until data arrives.`)
            return airbyteStream(object, [PRIMARY_KEY])
          }),
          // One object the token may not export (rights can be per object) must not fail the
          // discovery of the others: it is offered with the least schema and a warning that
          // names what the API said, so that the user can leave it out of the connection.
          Effect.catchTag("ObjectRefused", (refused) => {
            warnings.push(
              `Enterpret refused to export ${object.id} (${refused.status}${refused.code === undefined ? "" : ` ${refused.code}`}: ${refused.detail}); its schema has only ${PRIMARY_KEY}, and a sync of it fails until the token may export it.`
            )
            return Effect.succeed(airbyteStream(object, [PRIMARY_KEY]))
          })
        ),
      { concurrency: 4 }
    )
    return { streams, warnings: warnings as ReadonlyArray<string> }
  })
