import { Clock, Effect } from "effect"
import { Settings } from "../config/settings.js"
import type { CatalogStream } from "./catalog.js"
import type { StreamCursors } from "./state.js"
import { readStream } from "./streamReader.js"
import { syncEnd } from "./cursor.js"

/**
 * Reads every configured stream concurrently (the shared rate limiter and download slots pace
 * them). Returns the names of the streams that failed; a refused token or an unverifiable
 * certificate fails it all (streamReader.ts).
 */
export const readStreams = (streams: ReadonlyArray<CatalogStream>, cursors: StreamCursors) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const endMs = syncEnd(settings.endMs, yield* Clock.currentTimeMillis, settings.settleMs)
    const outcomes = yield* Effect.forEach(streams, (stream) => readStream(stream, cursors.get(stream.name), endMs), {
      concurrency: "unbounded"
    })
    return streams.filter((_, i) => outcomes[i] === "failed").map((s) => s.name)
  })
