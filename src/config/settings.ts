import { Context, Effect, Redacted } from "effect"
import { type ConfigInput, ConfigSchema } from "./schema.js"
import { parseHour } from "./hours.js"
import { decodeWithPaths, InputError, readJsonFile } from "./inputFile.js"

/** The validated configuration in the shape the connector works with. */
export interface SettingsShape {
  readonly apiToken: Redacted.Redacted<string>
  readonly startMs: number
  /** Exclusive; undefined means "the start of the current hour" at the moment of use. */
  readonly endMs: number | undefined
  readonly baseUrl: string
  readonly objects: ReadonlyArray<string> | undefined
  /** `window_hours`; undefined: adaptive windows (see sync/cursor.ts). */
  readonly windowHours: number | undefined
  readonly lookbackHours: number
  /** `settle_minutes` in ms: an hour is exported only once this long has passed since it ended. */
  readonly settleMs: number
  readonly exportRequestsPerMinute: number
  readonly objectsRequestsPerMinute: number
  readonly maxConcurrentDownloads: number
  readonly maxRetries: number
  readonly requestTimeoutMs: number
}

/** The validated configuration, provided to every service once it has been loaded. */
export class Settings extends Context.Tag("source-enterpret/Settings")<Settings, SettingsShape>() {}

export const toSettings = (input: ConfigInput): SettingsShape => ({
  apiToken: Redacted.make(input.api_token.trim()),
  startMs: parseHour(input.start_date)!,
  endMs: input.end_date === undefined ? undefined : parseHour(input.end_date)!,
  baseUrl: input.base_url.replace(/\/+$/, ""),
  objects: input.objects && input.objects.length > 0 ? input.objects : undefined,
  windowHours: input.window_hours,
  lookbackHours: input.lookback_hours,
  settleMs: input.settle_minutes * 60_000,
  exportRequestsPerMinute: input.export_requests_per_minute,
  objectsRequestsPerMinute: input.objects_requests_per_minute,
  maxConcurrentDownloads: input.max_concurrent_downloads,
  maxRetries: input.max_retries,
  requestTimeoutMs: input.request_timeout_seconds * 1000
})

export const decodeSettings = (value: unknown, file: string) =>
  Effect.gen(function* () {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return yield* new InputError({ file, message: `Config file ${file} must hold a JSON object` })
    }
    const input = yield* decodeWithPaths(ConfigSchema, value, file, "Config", ["api_token"])
    const settings = toSettings(input)
    if (settings.endMs !== undefined && settings.endMs <= settings.startMs) {
      return yield* new InputError({ file, message: `Config file ${file} is invalid: end_date: must be later than start_date` })
    }
    return settings
  })

export const loadSettings = (path: string) => readJsonFile(path, "Config").pipe(Effect.flatMap((value) => decodeSettings(value, path)))
