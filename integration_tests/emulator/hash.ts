// Deterministic hashing and pseudo-random numbers: every generated value derives from the seed.

/** 32-bit hash of a string (FNV-1a followed by a murmur3 finaliser). */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix(h)
}

function fmix(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Hash of several parts, joined unambiguously. */
export function hashOf(...parts: Array<string | number>): number {
  return hash32(parts.join("\u0001"))
}

/** mulberry32: a small, fast, deterministic PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function rngFor(...parts: Array<string | number>): () => number {
  return prng(hashOf(...parts))
}

/** Pick an element of a non-empty array with a random number in [0, 1). */
export function pick<T>(items: ReadonlyArray<T>, r: number): T {
  const item = items[Math.floor(r * items.length) % items.length]
  if (item === undefined) throw new Error("pick: empty array or undefined element")
  return item
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0")
}

/** A bijection on 32-bit integers keyed by `key`: distinct inputs give distinct ids. */
export function permute32(i: number, key: number): number {
  let x = (i ^ key) >>> 0
  x = Math.imul(x, 0x9e3779b1) >>> 0
  x ^= x >>> 15
  x = Math.imul(x, 0x85ebca77) >>> 0
  x ^= x >>> 13
  return x >>> 0
}
