import { Effect } from "effect"

/**
 * What a stream's lister hands to its downloads (windowReader.ts), in order: items offered by one
 * fiber and taken one at a time by the other side, the count of offered pages not yet taken (the
 * lister waits for it to come to nothing before it asks for another page), and the count of
 * export requests covered by the last checkpoint (the lister waits for it before it runs too far
 * ahead of one).
 *
 * Offers, takes and counts are plain synchronous steps; only a side that must wait suspends its
 * fiber, once, and the other side resumes it. With Effect's Queue, a semaphore for the page
 * ahead, a SubscriptionRef for the checkpoints and a lock over the takers, a page of 2 files cost
 * some 190 Effect steps of hand-over, more than the page's request and its files' reads together
 * (a read of 1000 files in pages of 2: 193,560 steps, 56,004 in pages of 24; 148,418 and 50,150
 * with this hand-over).
 */
export interface HandOver<A> {
  /** Adds items at the end, and resumes a waiting taker. */
  readonly offer: (items: ReadonlyArray<A>, pages: number) => void
  /** The first item, if any, taken off (a page among them is counted as taken with `pageTaken`). */
  readonly poll: () => A | undefined
  /** Whether an item is there to poll. */
  readonly hasItems: () => boolean
  /**
   * Waits until an item is there to poll. Several takers may wait: an offer wakes the first, and
   * a taker that leaves something behind to take wakes the next (`wakeTaker`).
   */
  readonly ready: Effect.Effect<void>
  readonly wakeTaker: () => void
  /** One offered page was taken: the lister waiting for the pages ahead to be taken is resumed. */
  readonly pageTaken: () => void
  /** Waits until every page offered has been taken. */
  readonly noPageAhead: Effect.Effect<void>
  /** A checkpoint covers the export requests up to `requests`. */
  readonly checkpointed: (requests: number) => void
  /** Waits until `enough(covered)` holds for the requests covered by the last checkpoint. */
  readonly covered: (enough: (covered: number) => boolean) => Effect.Effect<void>
}

/**
 * Fibers suspended until woken, first come first woken; an interrupted one is forgotten. `wake`
 * resumes the first, `wakeAll` every one.
 */
const waiters = () => {
  const resumes: Array<(effect: Effect.Effect<void>) => void> = []
  return {
    wait: Effect.async<void>((resume) => {
      resumes.push(resume)
      return Effect.sync(() => {
        const at = resumes.indexOf(resume)
        if (at >= 0) resumes.splice(at, 1)
      })
    }),
    wake: () => resumes.shift()?.(Effect.void),
    wakeAll: () => {
      for (const resume of resumes.splice(0)) resume(Effect.void)
    }
  }
}

export const makeHandOver = <A>(): HandOver<A> => {
  const items: Array<A> = []
  let first = 0
  let pagesAhead = 0
  let coveredRequests = 0
  const takers = waiters()
  const lister = waiters()
  const ready: Effect.Effect<void> = Effect.suspend(() => (first < items.length ? Effect.void : takers.wait))
  const noPageAhead: Effect.Effect<void> = Effect.suspend(() =>
    pagesAhead === 0 ? Effect.void : Effect.zipRight(lister.wait, noPageAhead)
  )
  const covered = (enough: (covered: number) => boolean): Effect.Effect<void> =>
    Effect.suspend(() => (enough(coveredRequests) ? Effect.void : Effect.zipRight(lister.wait, covered(enough))))
  return {
    offer: (offered, pages) => {
      for (const item of offered) items.push(item)
      pagesAhead += pages
      takers.wake()
    },
    poll: () => {
      if (first >= items.length) return undefined
      const item = items[first]!
      first++
      // Emptied when all are taken, not shifted each time: Array.shift copies the rest once it is long.
      if (first === items.length) {
        items.length = 0
        first = 0
      }
      return item
    },
    hasItems: () => first < items.length,
    ready,
    wakeTaker: takers.wake,
    pageTaken: () => {
      pagesAhead--
      lister.wakeAll()
    },
    noPageAhead,
    checkpointed: (requests) => {
      coveredRequests = requests
      lister.wakeAll()
    },
    covered
  }
}
