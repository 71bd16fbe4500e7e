import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/**
 * Lets go of spent download buffers promptly. Node reads a socket into a fresh 64 KiB
 * ArrayBuffer each time; once handled it is garbage, but it lives outside the JS heap (in
 * malloc's heap, which does not shrink back), and V8 frees it only when it collects the small
 * object that holds it: at its next young-generation GC (rare: the hot path allocates few JS
 * objects) or at a mark-compact, which it starts once tens of MB have piled up. A scavenge every
 * 1 MB of body (well under 1 ms each) frees them at once. Measured on the benchmark's 200 MB
 * feedback object (`read` into a pipe, medians of seven runs each, 2026-11-30, after downloads
 * began to read the IncomingMessage itself; see fileHostClient in download.ts):
 * - no scavenges: peak RSS 117-130 MB;
 * - one every 4 MB: 99 MB (at most 105); every 2 MB: 91 (95); every 1 MB: 86 (88); every
 *   512 KB: 85 (87). CPU stayed within the runs' spread (1.16-1.22 s) throughout;
 * - a bare `node:http` download of the same files: 86 MB, and 60 MB with scavenges every 2 MB.
 * Before that change, with every body going through an Effect Stream that held chunks past a
 * scavenge: a full GC every 8 MB as well (`execution: "async"`) gave 90-94 MB for 40% more CPU,
 * `--optimize-for-size` 82-89 MB for 13% more, and a smaller semi-space (`--max-semi-space-size=1`,
 * which must be set before the heap exists) 102-115 MB; none of them is needed now.
 *
 * Each forced scavenge also counts its survivors towards V8's rule for growing the young
 * generation: see src/youngGeneration.ts, which holds it at its starting size.
 *
 * `gc` is V8's own extension, exposed by its flag: set here, on the main thread before any
 * download, the function is in every context created afterwards. Where it cannot be had,
 * nothing is done.
 */
const SCAVENGE_EVERY_BYTES = 1 << 20

type Collect = (options: { readonly type: "minor" | "major" }) => void

const collector = (): Collect | undefined => {
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === "function") return existing as Collect
  try {
    setFlagsFromString("--expose-gc")
    const gc: unknown = runInNewContext("gc")
    return typeof gc === "function" ? (gc as Collect) : undefined
  } catch {
    return undefined
  }
}

let collect: Collect | undefined | null = null
let spent = 0

/** Told the size of each download buffer handled; every 1 MB, a young-generation GC. */
export const spentDownloadBytes = (bytes: number): void => {
  spent += bytes
  if (spent < SCAVENGE_EVERY_BYTES) return
  spent = 0
  if (collect === null) collect = collector()
  collect?.({ type: "minor" })
}
