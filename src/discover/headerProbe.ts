import { Clock, Data, Effect, Option, Stream } from "effect"
import { HOUR_MS } from "../config/hours.js"
import { Settings } from "../config/settings.js"
import { RecordEncoder } from "../csv/recordEncoder.js"
import { exportPages } from "../enterpret/client.js"
import { FileDownloader } from "../enterpret/download.js"
import { syncEnd } from "../sync/cursor.js"

/** How far back the probe looks, in hours; the last step reaches back to `start_date`. */
const LOOKBACK_STEPS = [24, 24 * 7, 24 * 30]

/** Ends a download early: the first line is all the probe needs. */
class HeaderFound extends Data.TaggedError("HeaderFound")<{ readonly header: ReadonlyArray<string> }> {}

/**
 * The CSV header of an object's most recent file: exports a recent window and reads only the
 * first line of its first file, then drops the connection. Widens the window step by step, up
 * to `start_date`; undefined when no file exists anywhere.
 */
export const probeHeader = (objectId: string) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const downloader = yield* FileDownloader
    const endMs = syncEnd(settings.endMs, yield* Clock.currentTimeMillis)
    const starts = [...LOOKBACK_STEPS.map((hours) => endMs - hours * HOUR_MS).filter((ms) => ms > settings.startMs), settings.startMs]

    const firstLine = (url: string) =>
      Effect.suspend(() => {
        const reader = new RecordEncoder({ envelope: { head: "", tail: "" }, skipRows: 0 }, { headerOnly: true })
        const seek = (read: () => unknown) =>
          Effect.suspend(() => {
            read()
            const header = reader.header
            // Stopping the body as soon as the header is known saves downloading the file.
            return header === undefined ? Effect.void : Effect.fail(new HeaderFound({ header }))
          })
        return downloader.download(url, { onSize: () => Effect.void, onChunk: (chunk) => seek(() => reader.push(chunk)) }).pipe(
          Effect.zipRight(seek(() => reader.end())),
          Effect.as<ReadonlyArray<string> | undefined>(undefined),
          Effect.catchTags({
            HeaderFound: (found) => Effect.succeed(found.header),
            // A URL that expired between listing and probing: the next file, or page, will do.
            UrlExpired: () => Effect.succeed(undefined)
          })
        )
      })

    // Pages are fetched as they are needed: the first file with a header ends the probe.
    for (const startMs of starts) {
      if (startMs >= endMs) continue
      const header = yield* exportPages({ objectId, startMs, endMs }).pipe(
        Stream.mapConcat(({ page }) => page.files),
        Stream.mapEffect(firstLine),
        Stream.filterMap(Option.fromNullable),
        Stream.runHead
      )
      if (Option.isSome(header)) return header.value
    }
    return undefined
  })
