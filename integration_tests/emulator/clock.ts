// The emulator's clock: running at real speed from its start, or frozen, and movable by tests.
import { toMs } from "./timeFormat.js"

export class EmuClock {
  private base: number
  private realAt: number

  constructor(
    start: number,
    private readonly frozen: boolean
  ) {
    this.base = start
    this.realAt = Date.now()
  }

  nowMs(): number {
    return this.frozen ? this.base : this.base + (Date.now() - this.realAt)
  }

  now(): Date {
    return new Date(this.nowMs())
  }

  set(t: string | Date): void {
    this.base = toMs(t)
    this.realAt = Date.now()
  }

  advance(ms: number): void {
    this.base += ms
  }
}
