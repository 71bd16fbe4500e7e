import { Effect } from "effect"
import { Settings } from "../config/settings.js"
import { EnterpretApi, type ExportableObject } from "../enterpret/client.js"
import { logMessage } from "../protocol/messages.js"
import { AirbyteOutput } from "../protocol/writer.js"
import { InputError } from "../config/inputFile.js"
import { PRIMARY_KEY, airbyteStream } from "./streamSchema.js"
import { probeHeader } from "./headerProbe.js"

/** The exportable objects the config asks for; naming an object that does not exist is an error. */
export const selectedObjects = (configFile: string) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const api = yield* EnterpretApi
    const all = yield* api.listObjects
    if (settings.objects === undefined) return all
    const known = new Set(all.map((o) => o.id))
    const unknown = settings.objects.filter((id) => !known.has(id))
    if (unknown.length > 0) {
      return yield* new InputError({
        file: configFile,
        message: `Config file ${configFile} is invalid: objects: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not exportable; available: ${[...known].join(", ")}`
      })
    }
    const wanted = new Set(settings.objects)
    return all.filter((o) => wanted.has(o.id))
  })

/** The catalog: one stream per selected object, its schema from the header of a recent file. */
export const discoverCatalog = (configFile: string) =>
  Effect.gen(function* () {
    const output = yield* AirbyteOutput
    const objects = yield* selectedObjects(configFile)
    const streams = yield* Effect.forEach(
      objects,
      (object: ExportableObject) =>
        Effect.gen(function* () {
          const header = yield* probeHeader(object.id)
          if (header !== undefined) return airbyteStream(object, header)
          yield* output.emit(
            logMessage("WARN", `No export file found for ${object.id} since start_date; its schema has only ${PRIMARY_KEY} until data arrives.`)
          )
          return airbyteStream(object, [PRIMARY_KEY])
        }),
      { concurrency: 4 }
    )
    return { streams }
  })
