// The emulator's public types (re-exported by index.ts).

export type Scale = "tiny" | "demo" | "bench" | number
/**
 * standard: the nine core objects and two tenant ones, files every active hour (`scale` sets the
 * size). year: issue #10's year-long tenant (yearTenant.ts): seven objects, two with a file a day,
 * one about every sixth day, three that change a few times a year, one empty; 365 days and 6 files
 * a page unless `days`/`filesPerPage` say otherwise; `scale` does not apply. replica: issue 19's
 * large tenant (replicaTenant.ts): five objects over 60 days, two with a file every hour, one
 * every 6 hours, one sparse, one empty; 24 files a page and ~184 kB a file unless
 * `filesPerPage`/`replicaFileBytes` say otherwise.
 */
export type Tenant = "standard" | "year" | "replica"
export type ApiEndpoint = "export" | "objects"
export type FaultEndpoint = ApiEndpoint | "storage"
export type RandomFaultKind = "429" | "5xx" | "reset" | "cut" | "doubleCut" | "expire" | "slow"

export interface BenchObjectSpec {
  id: string
  kind: "feedback" | "wide"
  /** total bytes of CSV for this object, over all its files (approximate, rows are whole) */
  bytes: number
  files: number
}

export interface EmulatorOptions {
  seed?: string
  port?: number
  storagePort?: number
  token?: string
  now?: string | Date
  /** Frozen clocks move only by `clock.set`/`clock.advance`. Default: frozen when `now` is given, else running. */
  frozenClock?: boolean
  days?: number
  scale?: Scale
  tenant?: Tenant
  objectsPageSize?: number
  filesPerPage?: number
  /** most data rows in one CSV file (an hour with more rows is split into parts); default 40 */
  rowsPerFile?: number
  urlTtlSeconds?: number
  gzip?: boolean
  rateLimits?: { exportPerMinute?: number; objectsPerMinute?: number; minuteMs?: number }
  /**
   * The file host's bandwidth per connection, in bytes a second (a response's body is paced to
   * it); undefined: as fast as the socket takes it. Each download is one connection.
   */
  fileBandwidth?: number
  /** Milliseconds the file host waits before the first byte (the status line) of every download; default 0. */
  fileLatencyMs?: number
  /** replica tenant: the approximate size of each file in bytes (default 184,000: ~575 MB over 60 days) */
  replicaFileBytes?: number
  bench?: { objects: BenchObjectSpec[]; dir?: string }
  /** called once per request, after its response has ended (or the connection was destroyed) */
  onRequest?: (entry: RequestLogEntry) => void
}

export interface RequestLogEntry {
  listener: "api" | "storage"
  method: string
  /** path without the query string */
  path: string
  /** the query string without "?" ("" when none) */
  query: string
  /** API: the parsed JSON body, or the raw text when it is not JSON; undefined when empty. Storage: undefined. */
  body: unknown | undefined
  /** 0 while pending, and for connections destroyed without a response */
  status: number
  authorization: string | undefined
  at: number
  /** storage: body bytes actually written */
  bytesSent?: number
  /** the fault injected into this request, if any (e.g. "429", "5xx", "reset", "slow", "cut", "expire", "invalidJson") */
  fault?: string
}

export interface Faults {
  rateLimitBurst(endpoint: ApiEndpoint, count: number, retryAfterSeconds?: number): void
  /** The next `count` downloads answer 429 with `Retry-After` (seconds, default 1). */
  rateLimitDownloads(count: number, retryAfterSeconds?: number): void
  serverError(endpoint: FaultEndpoint, opts: { nth?: number; count?: number; status?: number }): void
  slow(endpoint: FaultEndpoint, delayMs: number, count?: number): void
  expireUrls(count: number): void
  cutDownload(afterBytes: number, count?: number): void
  /** The next download is cut after `fraction` of its body, and the next download of that file after `thenFraction`. */
  cutDownloadTwice(fraction: number, thenFraction: number): void
  resetConnection(endpoint: FaultEndpoint, count?: number): void
  malformedRow(objectId: string): void
  invalidJson(endpoint: ApiEndpoint, count?: number): void
  random(opts: { rate: number; seed?: string; kinds?: RandomFaultKind[] }): void
  reset(): void
}

/** Hostile and careless behaviour (issue 15); see hostile.ts. */
export interface HostileModes {
  /** The next `count` requests to `endpoint` answer 429 with this `Retry-After`, verbatim (e.g. ten years, or 1 and 400 zeros). */
  rateLimitWithRetryAfter(endpoint: FaultEndpoint, retryAfter: string, count?: number): void
  /** The next `count` requests answer 400 with a message that quotes the request's Authorization header. */
  errorEchoingAuthorization(endpoint: ApiEndpoint, count?: number): void
  /** Every answer of `endpoint` is a valid 200 JSON body of this many bytes. */
  hugeAnswer(endpoint: ApiEndpoint, bytes: number): void
  /** The first export page of this object lists these URLs before its own (e.g. file://, ftp://, data:). */
  extraFileUrls(objectId: string, urls: string[]): void
  /** The first export page of this object lists `count` header-only files before its own. */
  headerOnlyFiles(objectId: string, count: number): void
  /** Signed URLs carry `user:pass@` in their authority. */
  userinfoInUrls(userinfo: string): void
  /** The objects listing lists this object twice. */
  repeatObjectInListing(objectId: string): void
  /** Exports of this object answer 403 FORBIDDEN (or 404 NOT_FOUND) with the API's error body (issue 22). */
  refuseObject(objectId: string, status?: 403 | 404): void
  /** Downloads of this object's files answer 200 with an HTML "Access blocked" page (issue 22). */
  pageInsteadOfFiles(objectId: string): void
  reset(): void
}

export interface ObjectInfo {
  id: string
  name: string
  description: string
}

export interface BenchFile {
  objectId: string
  path: string
  bytes: number
}

export interface Emulator {
  baseUrl: string
  storageUrl: string
  /** file URLs in one export answer */
  filesPerPage: number
  token: string
  readOnlyToken: string
  close(): Promise<void>
  clock: { now(): Date; set(t: string | Date): void; advance(ms: number): void }
  requestLog: RequestLogEntry[]
  clearLog(): void
  objects(): ObjectInfo[]
  /** CSV header of an object (the same for every file of it unless `changeColumns` says otherwise) */
  columns(objectId: string): string[]
  groundTruth(objectId: string, start: string | Date, end: string | Date): Map<string, Record<string, string | null>>
  addRecords(objectId: string, at: string | Date, count: number): string[]
  updateRecords(objectId: string, recordIds: string[], at: string | Date): void
  faults: Faults
  hostile: HostileModes
  /**
   * From the hour of `at` on, files of the object carry the `add` columns (after the others, with
   * a value naming the record and version) and no longer the `drop` ones; the ground truth follows.
   */
  changeColumns(objectId: string, at: string | Date, change: { add?: string[]; drop?: string[] }): void
  /** CSV header of the object's files for the hour of `at`, changes included. */
  columnsAt(objectId: string, at: string | Date): string[]
  benchFiles(): BenchFile[]
  /** The replica tenant's files (undefined for the other tenants). */
  replica:
    | {
        /** rows in every file */
        rowsPerFile: number
        /** the hours (epoch ms) of an object's files in [start, end) */
        fileHours(objectId: string, start: number, end: number): number[]
        /** the size of every file of the tenant, in bytes */
        fileBytes(): number[]
      }
    | undefined
  /** first and last hour of generated history: [start, end) */
  dataSpan: { start: Date; end: Date }
}
