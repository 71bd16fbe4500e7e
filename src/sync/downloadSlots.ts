import { Context, Effect, Layer } from "effect"
import { Settings } from "../config/settings.js"

/** `max_concurrent_downloads` slots, shared by every stream: at most that many files download at once. */
export class DownloadSlots extends Context.Tag("source-enterpret/DownloadSlots")<
  DownloadSlots,
  {
    /** Runs `effect` holding a slot: it waits, first come first served, while all are taken. */
    readonly withSlot: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  }
>() {}

/**
 * Slots counted in plain numbers: a free slot is taken in the caller's own step, and only a
 * caller that must wait suspends. A window's workers take a slot for each run of files already
 * listed, which in pages of 2 files is nearly every file; Effect.Semaphore's withPermits cost
 * some 30 Effect steps a time (its take is an async step even when a permit is free), this about
 * 12 (1000 files in pages of 2: 132,658 Effect steps for the read, against 148,418).
 *
 * A slot is taken and given back in uninterruptible steps, so an interrupted or failed holder
 * always gives it back. A slot given back goes straight to the first waiter; a waiter
 * interrupted once it was handed one gives it on in turn.
 */
export const makeDownloadSlots = (permits: number): Context.Tag.Service<typeof DownloadSlots> => {
  let free = permits
  const waiting: Array<{ granted: boolean; resume: (effect: Effect.Effect<void>) => void }> = []
  const giveBack = () => {
    const next = waiting.shift()
    if (next === undefined) {
      free++
      return
    }
    next.granted = true
    next.resume(Effect.void)
  }
  const released = Effect.sync(giveBack)
  return {
    withSlot: (effect) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (free > 0 && waiting.length === 0) {
            free--
            return Effect.ensuring(restore(effect), released)
          }
          const waiter: (typeof waiting)[number] = { granted: false, resume: () => undefined }
          const handedOne = Effect.async<void>((resume) => {
            waiter.resume = resume
            waiting.push(waiter)
          })
          // Outside the interruptible wait: however late the interruption, a slot handed over
          // is given on and a waiter still in line leaves it.
          const wait = Effect.onInterrupt(restore(handedOne), () =>
            Effect.sync(() => {
              if (waiter.granted) return giveBack()
              const at = waiting.indexOf(waiter)
              if (at >= 0) waiting.splice(at, 1)
            })
          )
          return Effect.zipRight(wait, Effect.ensuring(restore(effect), released))
        })
      )
  }
}

export const DownloadSlotsLive = Layer.effect(
  DownloadSlots,
  Effect.map(Settings, (settings) => makeDownloadSlots(settings.maxConcurrentDownloads))
)
