import { setFlagsFromString } from "node:v8"

/**
 * Holds V8's young generation at its starting size (two 1 MB semi-spaces) for the whole process.
 * V8 doubles it, up to 2 x 16 MB, each time the survivors of its scavenges add up to its size,
 * and the scavenge `read` forces every 1 MB of body (enterpret/spentBuffers.ts) counts its
 * survivors too: without this the young generation grew to 34 MB, and the pages it touched
 * stayed in RSS. Measured on the benchmark's 200 MB feedback object: peak RSS 86 -> 81 MB, CPU
 * unchanged (1.19 s); `spec` cold start unchanged (110 against 111 ms, 20 runs each).
 *
 * V8 reads the growth factor each time it would grow, so setting it at run time holds, but only
 * from the start: once the modules have loaded the young generation is at 8 MB already, so the
 * entry points call this first. Node 20's and Node 24's V8 both have the flag (`node
 * --v8-options`); a V8 without it would not throw but print an error on stderr, so a Node
 * upgrade is checked by e2e/memory.test.ts, which runs on both.
 */
export const holdYoungGeneration = (): void => {
  setFlagsFromString("--semi-space-growth-factor=1")
}
