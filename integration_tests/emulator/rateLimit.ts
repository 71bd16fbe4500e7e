// Per-organisation rate limits: a sliding window of `minuteMs` per endpoint. Requests refused with
// 429 do not count towards the limit.
import type { ApiEndpoint } from "./types.js"

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number }

export class RateLimiter {
  private readonly hits = new Map<string, number[]>()

  constructor(
    private readonly limits: Record<ApiEndpoint, number>,
    private readonly minuteMs: number
  ) {}

  take(org: string, endpoint: ApiEndpoint, now: number = Date.now()): Admission {
    const key = `${org}\u0001${endpoint}`
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.minuteMs)
    this.hits.set(key, list)
    const limit = this.limits[endpoint]
    if (list.length < limit) {
      list.push(now)
      return { ok: true }
    }
    // the oldest counted request leaves the window at oldest + minuteMs
    const oldest = list[list.length - limit] ?? now
    const waitMs = oldest + this.minuteMs - now
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
  }

  reset(): void {
    this.hits.clear()
  }
}
