// Faults on demand. Each armed fault applies to the next matching requests; `nth` counts every
// request to the endpoint from the moment of arming. When several are due for one request the
// strongest wins (reset, then 429, then 5xx, then invalid JSON / expired / cut); `slow` adds to any.
import { hashOf, prng } from "./hash.js"
import type { ApiEndpoint, FaultEndpoint, Faults, RandomFaultKind } from "./types.js"

export type ApiAction =
  | { kind: "reset" }
  | { kind: "429"; retryAfterSeconds: number }
  | { kind: "5xx"; status: number }
  | { kind: "invalidJson" }

export type StorageAction =
  | { kind: "reset" }
  /** a file host that rate-limits with 429 and Retry-After (as GCS does; S3 answers 503 SlowDown) */
  | { kind: "429"; retryAfterSeconds: number }
  | { kind: "5xx"; status: number }
  | { kind: "expire" }
  /** cut after `afterBytes`, or after `fraction` of the body; `again`: the same file was cut before */
  | { kind: "cut"; afterBytes?: number; fraction?: number; again?: boolean }

export interface Decision<A> {
  delayMs: number
  action: A | undefined
}

interface Armed {
  endpoint: FaultEndpoint
  /** requests to let through before this one is due */
  skip: number
  remaining: number
  status?: number
  retryAfter?: number
  afterBytes?: number
  fraction?: number
  /** a cut whose file is cut again, after this fraction of the body, on its next download */
  thenFraction?: number
  delayMs?: number
}

const API_RANDOM: RandomFaultKind[] = ["429", "5xx", "reset", "slow"]
const STORAGE_RANDOM: RandomFaultKind[] = ["5xx", "reset", "cut", "doubleCut", "expire", "slow"]

export class FaultSet implements Faults {
  private armed: Record<"burst" | "error" | "slow" | "expire" | "cut" | "reset" | "invalid", Armed[]> = {
    burst: [],
    error: [],
    slow: [],
    expire: [],
    cut: [],
    reset: [],
    invalid: []
  }
  private readonly malformed = new Set<string>()
  /** Files whose next download is cut (earlier than the last one): a double cut's second half. */
  private readonly recut = new Map<string, { afterBytes?: number; fraction?: number }>()
  private randomMode: { rate: number; next: () => number; kinds: RandomFaultKind[] } | undefined

  private arm(list: keyof FaultSet["armed"], a: Partial<Armed> & { endpoint: FaultEndpoint }): void {
    this.armed[list].push({ skip: 0, remaining: 1, ...a })
  }

  rateLimitBurst(endpoint: ApiEndpoint, count: number, retryAfterSeconds = 1): void {
    this.arm("burst", { endpoint, remaining: count, retryAfter: retryAfterSeconds })
  }
  rateLimitDownloads(count: number, retryAfterSeconds = 1): void {
    this.arm("burst", { endpoint: "storage", remaining: count, retryAfter: retryAfterSeconds })
  }
  serverError(endpoint: FaultEndpoint, opts: { nth?: number; count?: number; status?: number }): void {
    this.arm("error", { endpoint, skip: Math.max(0, (opts.nth ?? 1) - 1), remaining: opts.count ?? 1, status: opts.status ?? 500 })
  }
  slow(endpoint: FaultEndpoint, delayMs: number, count = 1): void {
    this.arm("slow", { endpoint, remaining: count, delayMs })
  }
  expireUrls(count: number): void {
    this.arm("expire", { endpoint: "storage", remaining: count })
  }
  cutDownload(afterBytes: number, count = 1): void {
    this.arm("cut", { endpoint: "storage", remaining: count, afterBytes })
  }
  cutDownloadTwice(fraction: number, thenFraction: number): void {
    this.arm("cut", { endpoint: "storage", fraction, thenFraction })
  }
  resetConnection(endpoint: FaultEndpoint, count = 1): void {
    this.arm("reset", { endpoint, remaining: count })
  }
  malformedRow(objectId: string): void {
    this.malformed.add(objectId)
  }
  invalidJson(endpoint: ApiEndpoint, count = 1): void {
    this.arm("invalid", { endpoint, remaining: count })
  }
  random(opts: { rate: number; seed?: string; kinds?: RandomFaultKind[] }): void {
    this.randomMode = {
      rate: opts.rate,
      next: prng(hashOf("faults", opts.seed ?? "random")),
      kinds: opts.kinds ?? [...STORAGE_RANDOM, "429"]
    }
  }
  reset(): void {
    for (const k of Object.keys(this.armed) as Array<keyof FaultSet["armed"]>) this.armed[k] = []
    this.malformed.clear()
    this.recut.clear()
    this.randomMode = undefined
  }

  isMalformed(objectId: string): boolean {
    return this.malformed.has(objectId)
  }

  /** Advances the counters of every armed fault of `endpoint`; returns the due ones per kind. */
  private due(endpoint: FaultEndpoint): Map<keyof FaultSet["armed"], Armed> {
    const out = new Map<keyof FaultSet["armed"], Armed>()
    for (const kind of Object.keys(this.armed) as Array<keyof FaultSet["armed"]>) {
      for (const a of this.armed[kind]) {
        if (a.endpoint !== endpoint || a.remaining <= 0) continue
        if (a.skip > 0) {
          a.skip--
          continue
        }
        if (!out.has(kind)) out.set(kind, a)
      }
    }
    return out
  }

  private consume(a: Armed | undefined): Armed | undefined {
    if (a !== undefined) a.remaining--
    return a
  }

  private slowDelay(due: Map<keyof FaultSet["armed"], Armed>): number {
    return this.consume(due.get("slow"))?.delayMs ?? 0
  }

  private randomKind(applicable: RandomFaultKind[]): RandomFaultKind | undefined {
    const m = this.randomMode
    if (m === undefined || m.next() >= m.rate) return undefined
    const kinds = m.kinds.filter((k) => applicable.includes(k))
    if (kinds.length === 0) return undefined
    return kinds[Math.floor(m.next() * kinds.length)]
  }

  /** The armed faults both listeners know, strongest first: reset, then 429, then 5xx. */
  private sharedArmed(due: Map<keyof FaultSet["armed"], Armed>): Extract<ApiAction, StorageAction> | undefined {
    if (this.consume(due.get("reset"))) return { kind: "reset" }
    const burst = this.consume(due.get("burst"))
    if (burst) return { kind: "429", retryAfterSeconds: burst.retryAfter ?? 1 }
    const error = this.consume(due.get("error"))
    if (error) return { kind: "5xx", status: error.status ?? 500 }
    return undefined
  }

  decideApi(endpoint: ApiEndpoint): Decision<ApiAction> {
    const due = this.due(endpoint)
    const delayMs = this.slowDelay(due)
    const shared = this.sharedArmed(due)
    if (shared !== undefined) return { delayMs, action: shared }
    if (this.consume(due.get("invalid"))) return { delayMs, action: { kind: "invalidJson" } }
    const r = this.randomKind(API_RANDOM)
    if (r === "429") return { delayMs, action: { kind: "429", retryAfterSeconds: 1 } }
    if (r === "5xx") return { delayMs, action: { kind: "5xx", status: 503 } }
    if (r === "reset") return { delayMs, action: { kind: "reset" } }
    return { delayMs: delayMs + (r === "slow" ? 300 : 0), action: undefined }
  }

  /** `file`: the path downloaded, for a double cut to find the same file again. */
  decideStorage(file = ""): Decision<StorageAction> {
    const due = this.due("storage")
    const delayMs = this.slowDelay(due)
    const shared = this.sharedArmed(due)
    if (shared !== undefined) return { delayMs, action: shared }
    if (this.consume(due.get("expire"))) return { delayMs, action: { kind: "expire" } }
    const again = this.recut.get(file)
    if (again !== undefined) {
      this.recut.delete(file)
      return { delayMs, action: { kind: "cut", ...again, again: true } }
    }
    const cut = this.consume(due.get("cut"))
    if (cut) {
      if (cut.thenFraction !== undefined) this.recut.set(file, { fraction: cut.thenFraction })
      return {
        delayMs,
        action: cut.fraction !== undefined ? { kind: "cut", fraction: cut.fraction } : { kind: "cut", afterBytes: cut.afterBytes ?? 0 }
      }
    }
    const r = this.randomKind(STORAGE_RANDOM)
    if (r === "5xx") return { delayMs, action: { kind: "5xx", status: 503 } }
    if (r === "reset") return { delayMs, action: { kind: "reset" } }
    if (r === "expire") return { delayMs, action: { kind: "expire" } }
    if (r === "cut") return { delayMs, action: { kind: "cut", fraction: this.randomMode?.next() ?? 0.5 } }
    if (r === "doubleCut") {
      // Cut, and cut the file's next download earlier still: its resume point must not go back.
      const fraction = this.randomMode?.next() ?? 0.5
      this.recut.set(file, { fraction: fraction * (this.randomMode?.next() ?? 0.5) })
      return { delayMs, action: { kind: "cut", fraction } }
    }
    return { delayMs: delayMs + (r === "slow" ? 300 : 0), action: undefined }
  }
}
