import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/**
 * Lets go of spent download buffers promptly. Node reads a socket into a fresh 64 KiB
 * ArrayBuffer each time; once handled it is garbage, but it lives outside the JS heap, and V8
 * collects it only at its next young-generation GC (rare: the hot path allocates few JS
 * objects) or when ~64 MB of external memory has piled up, which then costs a full mark-compact.
 * Measured on the benchmark's 200 MB feedback object: the buffers piled up to 40-50 MB (peak
 * RSS 134 MB) and 17 mark-compacts ran; a bare `node:http` download of the same files peaks at
 * 86 MB for the same reason. A scavenge every 2 MB of body (about 0.2 ms each: the young
 * generation holds little that survives) keeps the pile to a few MB: the bare download then
 * peaks at 60 MB, with no measurable CPU cost. A smaller semi-space (`--max-semi-space-size`)
 * did not do it: it has to be set before the heap exists, which `node dist/main.js` (how
 * Airbyte's image and every user runs it) gives no place for, and with 1 MB it still peaked at
 * 104 MB.
 *
 * `gc` is V8's own extension, exposed by its flag: set here, at start-up on the main thread,
 * the function is in every context created afterwards. Where it cannot be had, nothing is done.
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
