// A faithful local emulator of Enterpret's Knowledge Graph Export API, for tests and benchmarks.
import { once } from "node:events"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { prepareBench } from "./bench.js"
import { CORE_OBJECTS, TENANT_OBJECTS, benchDef } from "./catalog.js"
import { EmuClock } from "./clock.js"
import type { Ctx } from "./context.js"
import { FaultSet } from "./faults.js"
import { FileStore } from "./files.js"
import { HostileSet } from "./hostile.js"
import { generateDataset } from "./generate.js"
import { hashOf, hex8 } from "./hash.js"
import { RateLimiter } from "./rateLimit.js"
import { RequestLog } from "./requestLog.js"
import { BASE_PATH, createApiServer } from "./server.js"
import { Signer } from "./signing.js"
import { generateYear, YEAR_FILES_PER_PAGE, yearCatalog } from "./yearTenant.js"
import {
  REPLICA_DAYS,
  REPLICA_FILE_BYTES,
  REPLICA_FILES_PER_PAGE,
  replicaCatalog,
  replicaFileHours,
  replicaRowsPerFile,
  renderReplicaFile
} from "./replicaTenant.js"
import { Dataset } from "./dataset.js"
import { createStorageServer } from "./storage.js"
import { DAY, HOUR, floorHour, isoSeconds, toMs } from "./timeFormat.js"
import type { Emulator, EmulatorOptions } from "./types.js"

export type * from "./types.js"
export { parseApiTime, floorHour, isoMinutes, isoSeconds } from "./timeFormat.js"

const HOST = "127.0.0.1"

async function listen(server: Server, port: number): Promise<number> {
  server.listen(port, HOST)
  await once(server, "listening")
  return (server.address() as AddressInfo).port
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
}

export function defaultToken(seed: string): string {
  return `emu-token-${hex8(hashOf(seed, "token"))}${hex8(hashOf(seed, "token", 2))}`
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? "demo"
  const startMs = options.now === undefined ? Date.now() : toMs(options.now)
  const clock = new EmuClock(startMs, options.frozenClock ?? options.now !== undefined)
  const year = options.tenant === "year"
  const replicaTenant = options.tenant === "replica"
  const spanEnd = floorHour(startMs)
  const spanStart = spanEnd - Math.max(0, options.days ?? (year ? 365 : replicaTenant ? REPLICA_DAYS : 3)) * DAY
  const ds = year
    ? generateYear(seed, spanStart, spanEnd)
    : replicaTenant
      ? emptyDataset(seed)
      : generateDataset(seed, options.scale ?? "tiny", spanStart, spanEnd)
  const replica = replicaTenant
    ? { span: { start: spanStart, end: spanEnd }, rowsPerFile: replicaRowsPerFile(options.replicaFileBytes ?? REPLICA_FILE_BYTES) }
    : undefined
  const benchHour = spanEnd - HOUR
  const benchSpecs = options.bench?.objects ?? []
  const benchFiles = benchSpecs.length === 0 ? [] : await prepareBench(seed, benchSpecs, options.bench?.dir, isoSeconds(benchHour))
  const limits = options.rateLimits ?? {}
  let storageUrl = ""
  const ctx: Ctx = {
    ds,
    files: new FileStore(ds, Math.max(1, options.rowsPerFile ?? 40), { start: spanStart, end: spanEnd }, !year),
    clock,
    faults: new FaultSet(),
    hostile: new HostileSet(),
    limiter: new RateLimiter({ export: limits.exportPerMinute ?? 10, objects: limits.objectsPerMinute ?? 60 }, limits.minuteMs ?? 60_000),
    log: new RequestLog(options.onRequest),
    signer: new Signer(Math.max(1, Math.round(options.urlTtlSeconds ?? 900))),
    tokens: {
      full: options.token ?? defaultToken(seed),
      readOnly: `emu-readonly-${hex8(hashOf(seed, "readonly"))}`
    },
    org: `org-${hex8(hashOf(seed, "org")).slice(0, 6)}`,
    catalog: [
      ...(year ? yearCatalog() : replicaTenant ? replicaCatalog() : [...CORE_OBJECTS, ...TENANT_OBJECTS]),
      ...benchSpecs.map((b) => benchDef(b.id, b.kind))
    ],
    objectsPageSize: Math.max(1, options.objectsPageSize ?? 4),
    filesPerPage: Math.max(1, options.filesPerPage ?? (year ? YEAR_FILES_PER_PAGE : replicaTenant ? REPLICA_FILES_PER_PAGE : 2)),
    gzip: options.gzip ?? false,
    storageUrl: () => storageUrl,
    bench: { files: benchFiles, hour: benchHour },
    fileHost: {
      bytesPerSecond: options.fileBandwidth !== undefined && options.fileBandwidth > 0 ? options.fileBandwidth : undefined,
      latencyMs: Math.max(0, options.fileLatencyMs ?? 0)
    },
    replica
  }
  const api = createApiServer(ctx)
  const storage = createStorageServer(ctx)
  const storagePort = await listen(storage, options.storagePort ?? 0)
  storageUrl = `http://${HOST}:${storagePort}`
  let apiPort: number
  try {
    apiPort = await listen(api, options.port ?? 0)
  } catch (e) {
    await closeServer(storage)
    throw e
  }
  const def = (objectId: string) => {
    const d = ctx.catalog.find((x) => x.id === objectId)
    if (d === undefined) throw new Error(`emulator: unknown object ${JSON.stringify(objectId)}`)
    return d
  }
  const dataObject = (objectId: string): string => {
    if (def(objectId).kind === "bench") throw new Error(`emulator: ${objectId} is a bench object; use benchFiles()`)
    return objectId
  }
  return {
    baseUrl: `http://${HOST}:${apiPort}${BASE_PATH}`,
    storageUrl,
    filesPerPage: ctx.filesPerPage,
    token: ctx.tokens.full,
    readOnlyToken: ctx.tokens.readOnly,
    close: async () => {
      await Promise.all([closeServer(api), closeServer(storage)])
    },
    clock: { now: () => clock.now(), set: (t) => clock.set(t), advance: (ms) => clock.advance(ms) },
    get requestLog() {
      return ctx.log.entries
    },
    clearLog: () => ctx.log.clear(),
    objects: () => ctx.catalog.map((d) => ({ id: d.id, name: d.name, description: d.description })),
    columns: (objectId) => [...def(objectId).columns],
    groundTruth: (objectId, start, end) =>
      ctx.files.truth(dataObject(objectId), floorHour(toMs(start)), floorHour(toMs(end)), clock.nowMs()),
    addRecords: (objectId, at, count) => ds.addRecords(dataObject(objectId), toMs(at), count),
    updateRecords: (objectId, ids, at) => ds.updateRecords(dataObject(objectId), ids, toMs(at)),
    faults: ctx.faults,
    hostile: ctx.hostile,
    changeColumns: (objectId, at, change) =>
      ctx.files.changeColumns(dataObject(objectId), { atMs: toMs(at), add: change.add ?? [], drop: change.drop ?? [] }),
    columnsAt: (objectId, at) => ctx.files.columnsAt(dataObject(objectId), floorHour(toMs(at))),
    benchFiles: () => benchFiles.map((f) => ({ ...f })),
    replica:
      replica === undefined
        ? undefined
        : {
            rowsPerFile: replica.rowsPerFile,
            fileHours: (objectId, start, end) => replicaFileHours(objectId, start, end, replica.span),
            // Every file of an object is as long as any other (ids and times have fixed widths).
            fileBytes: () =>
              ctx.catalog.flatMap((d) => {
                const hours = replicaFileHours(d.id, replica.span.start, replica.span.end, replica.span)
                const size = hours.length === 0 ? 0 : renderReplicaFile(d.id, hours[0]!, replica.rowsPerFile).length
                return hours.map(() => size)
              })
          },
    dataSpan: { start: new Date(spanStart), end: new Date(spanEnd) }
  }
}

/** The replica tenant's objects are defined (for the file store and the hooks) but hold no records: its files are rendered from their hour. */
function emptyDataset(seed: string): Dataset {
  const ds = new Dataset(seed)
  for (const def of [...CORE_OBJECTS, ...TENANT_OBJECTS]) ds.define(def)
  return ds
}
