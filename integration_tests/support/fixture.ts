// A standard emulated tenant and the config that points the connector at it.
import { type Emulator, type EmulatorOptions, startEmulator } from "../emulator/index.js"

/** The emulator's clock for tests: data spans the three days before it. */
export const NOW = "2025-12-15T06:30:00Z"
export const START = "2025-12-12T00:00Z"
export const END = "2025-12-15T06:00Z"

export const startTestEmulator = (options: EmulatorOptions = {}): Promise<Emulator> =>
  startEmulator({
    seed: "e2e",
    now: NOW,
    days: 3,
    scale: "tiny",
    // The connector runs with a one-second minute in tests (FAST_ENV); the emulator counts alike.
    rateLimits: { exportPerMinute: 60, objectsPerMinute: 60, minuteMs: 1000 },
    ...options
  })

export const configFor = (emulator: Emulator, overrides: Record<string, unknown> = {}) => ({
  api_token: emulator.token,
  base_url: emulator.baseUrl,
  start_date: START,
  end_date: END,
  export_requests_per_minute: 60,
  objects_requests_per_minute: 60,
  ...overrides
})

/** A configured catalog for the given streams in one sync mode. */
export const catalogFor = (streams: ReadonlyArray<string>, syncMode: "incremental" | "full_refresh" = "incremental") => ({
  streams: streams.map((name) => ({
    stream: { name, json_schema: { type: "object" }, supported_sync_modes: ["full_refresh", "incremental"] },
    sync_mode: syncMode,
    destination_sync_mode: syncMode === "incremental" ? "append_dedup" : "overwrite",
    cursor_field: ["_ab_export_window_end"],
    primary_key: [["record_id"]]
  }))
})
