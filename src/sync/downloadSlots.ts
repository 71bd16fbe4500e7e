import { Context, Effect, Layer } from "effect"
import { Settings } from "../config/settings.js"

/** `max_concurrent_downloads` permits, shared by every stream. */
export class DownloadSlots extends Context.Tag("source-enterpret/DownloadSlots")<DownloadSlots, Effect.Semaphore>() {}

export const DownloadSlotsLive = Layer.effect(
  DownloadSlots,
  Effect.flatMap(Settings, (settings) => Effect.makeSemaphore(settings.maxConcurrentDownloads))
)
