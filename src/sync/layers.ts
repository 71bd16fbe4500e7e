import { Layer } from "effect"
import { InputError } from "../config/inputFile.js"
import { Settings, type SettingsShape } from "../config/settings.js"
import { TimingLive } from "../config/timing.js"
import { ApiHttpClientLive } from "../enterpret/apiTransport.js"
import { EnterpretApiLive } from "../enterpret/client.js"
import { FileDownloaderLive } from "../enterpret/download.js"
import { ApiRateLimiterLive } from "../enterpret/rateLimiter.js"
import { DownloadSlotsLive } from "./downloadSlots.js"

/** The timing knobs from the environment; an unusable value is a config error naming the variable. */
const timing = TimingLive.pipe(
  Layer.mapError((error) => new InputError({ file: "(environment)", message: `Environment: ${error.toString()}` }))
)

/** Everything that talks to Enterpret, built once the config is known. */
export const apiLayer = (settings: SettingsShape) => {
  const base = Layer.provideMerge(ApiHttpClientLive, Layer.mergeAll(Layer.succeed(Settings, settings), timing))
  return Layer.mergeAll(EnterpretApiLive.pipe(Layer.provide(ApiRateLimiterLive)), FileDownloaderLive, DownloadSlotsLive).pipe(
    Layer.provideMerge(base)
  )
}
