import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/**
 * Lets go of spent download buffers promptly. Node reads a socket into a fresh 64 KiB
 * ArrayBuffer each time; once handled it is garbage, but it lives outside the JS heap (in
 * malloc's heap, which does not shrink back), and V8 frees it only when it collects the small
 * object that holds it: at its next young-generation GC (rare: the hot path allocates few JS
 * objects) or at a mark-compact, which it starts once tens of MB have piled up. A scavenge every
 * 2 MB of body (about 1 ms each) frees most of them at once. Measured on the benchmark's 200 MB
 * feedback object (`read` into a pipe, six runs each, 2026-11-30):
 * - nothing: peak RSS 125-137 MB; with the scavenges: 111-121 MB, CPU unchanged (1.56 s);
 * - a bare `node:http` download of the same files: 86 MB, and 60 MB with the scavenges;
 * - a full GC every 8 MB as well (`execution: "async"`): 90-94 MB, but 2.1 s of CPU instead of 1.5;
 * - `--optimize-for-size` set here at run time: 82-89 MB, 1.77 s of CPU instead of 1.56 (13%
 *   more, which costs the "1.5x Python's records per CPU second" target), so it is left to the
 *   user (`node --optimize-for-size dist/main.js read …`, README "HTTP behaviour and limits");
 * - a smaller semi-space (`--max-semi-space-size=1`, which must be set before the heap exists:
 *   `node dist/main.js` leaves no place for it): 102-115 MB.
 * What is left of the pile depends on when V8's own first marking runs, hence the spread.
 *
 * `gc` is V8's own extension, exposed by its flag: set here, on the main thread before any
 * download, the function is in every context created afterwards. Where it cannot be had,
 * nothing is done.
 */
const SCAVENGE_EVERY_BYTES = 2 << 20

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

/** Told the size of each download buffer handled; every 2 MB, a young-generation GC. */
export const spentDownloadBytes = (bytes: number): void => {
  spent += bytes
  if (spent < SCAVENGE_EVERY_BYTES) return
  spent = 0
  if (collect === null) collect = collector()
  collect?.({ type: "minor" })
}
