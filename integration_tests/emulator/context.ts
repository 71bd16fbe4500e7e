// What the two listeners share.
import type { ObjectDef } from "./catalog.js"
import type { EmuClock } from "./clock.js"
import type { Dataset } from "./dataset.js"
import type { FaultSet } from "./faults.js"
import type { FileStore } from "./files.js"
import type { HostileSet } from "./hostile.js"
import type { RateLimiter } from "./rateLimit.js"
import type { RequestLog } from "./requestLog.js"
import type { Signer } from "./signing.js"
import type { BenchFile } from "./types.js"

export interface Ctx {
  ds: Dataset
  files: FileStore
  clock: EmuClock
  faults: FaultSet
  hostile: HostileSet
  limiter: RateLimiter
  log: RequestLog
  signer: Signer
  tokens: { full: string; readOnly: string }
  /** organisation name used in file paths and as the rate-limit key */
  org: string
  /** every exportable object, in listing order (core, tenant, bench) */
  catalog: ObjectDef[]
  objectsPageSize: number
  filesPerPage: number
  gzip: boolean
  storageUrl: () => string
  /** bench objects: their files, all in the hour starting at `hour` */
  bench: { files: BenchFile[]; hour: number }
  /** the file host's pace: bytes a second per connection (undefined: unpaced) and ms before the first byte */
  fileHost: { bytesPerSecond: number | undefined; latencyMs: number }
  /** the replica tenant: its span and rows a file; undefined for the other tenants */
  replica: { span: { start: number; end: number }; rowsPerFile: number } | undefined
}
