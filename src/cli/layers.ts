import { NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import type { Settings as SettingsShape } from "../config/settings.js"
import { Settings } from "../config/settingsTag.js"
import { EnterpretApiLive } from "../enterpret/client.js"
import { FileDownloaderLive } from "../enterpret/download.js"
import { ApiRateLimiterLive } from "../enterpret/rateLimiter.js"
import { DownloadSlotsLive } from "../sync/downloadSlots.js"

/** Everything that talks to Enterpret, built once the config is known. */
export const apiLayer = (settings: SettingsShape) => {
  const base = Layer.mergeAll(Layer.succeed(Settings, settings), NodeHttpClient.layer)
  return Layer.mergeAll(
    EnterpretApiLive.pipe(Layer.provide(ApiRateLimiterLive)),
    FileDownloaderLive,
    DownloadSlotsLive
  ).pipe(Layer.provideMerge(base))
}
