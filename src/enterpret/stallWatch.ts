import { Duration } from "effect"

/**
 * The floor under download speed: a transfer that brings less than this in any
 * `request_timeout_seconds` of waiting (handler time not counted) is stalled, and retried like a
 * silent one. The idle timeout alone was per chunk, so a host sending a byte a second kept a
 * sync alive and silent for ever. 1 KiB in the default 120 s is 8.5 bytes a second: no real
 * transfer comes near it, a trickle always does.
 */
export const STALL_FLOOR_BYTES = 1024

/**
 * The stall floor's bookkeeping for one transfer (download.ts keeps the timer that asks it). Only
 * time spent waiting for the body counts, not the handlers' (a slow stdout must not look like a
 * silent file host). That waiting time is cut into periods of `periodMs`; each must bring
 * STALL_FLOOR_BYTES on the wire. One watchdog for the body, not a timeout per chunk, which raced
 * a new fiber and timer against every chunk: that was a third of `read`'s CPU on the benchmark
 * (60 MB: 1.12 s of CPU with it, 0.73 s without).
 */
export const makeStallWatch = (now: () => number, periodMs: number) => {
  const period = Duration.format(Duration.millis(periodMs))
  let waitingSince: number | undefined
  /** Time waited for the body in the current period, besides the wait going on now. */
  let waited = 0
  /** Bytes on the wire when the current period began. */
  let periodStart = 0
  const quietMs = () => waited + (waitingSince === undefined ? 0 : now() - waitingSince)
  return {
    /** The transfer waits for the body from now. */
    waiting: (): void => {
      waitingSince = now()
    },
    /** The wait is over (a chunk came): the time it took counts; a handler's time does not. */
    arrived: (): void => {
      if (waitingSince !== undefined) waited += now() - waitingSince
      waitingSince = undefined
    },
    /**
     * Judges the current period once it has lasted `periodMs`, `received` bytes having come on the
     * wire so far: what is wrong (too few bytes), or undefined, and then a new period begins.
     */
    judge: (received: number): string | undefined => {
      if (quietMs() < periodMs) return undefined
      const brought = received - periodStart
      if (brought < STALL_FLOOR_BYTES) {
        return brought === 0
          ? `no data for ${period}`
          : `stalled: ${brought} bytes in ${period}, below the floor of ${STALL_FLOOR_BYTES} bytes per request_timeout_seconds`
      }
      waited = 0
      if (waitingSince !== undefined) waitingSince = now()
      periodStart = received
      return undefined
    },
    /** Milliseconds of waiting until the current period is judged (at least 1). */
    untilJudged: (): number => Math.max(1, periodMs - quietMs())
  }
}
