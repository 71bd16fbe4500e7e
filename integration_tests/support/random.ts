// A seeded PRNG for tests that choose at random (fault mixes, kill points), so that a failure can
// be replayed: the seed is printed by the test and can be forced with TEST_SEED.

/** mulberry32: small, fast and good enough to pick kill points and fault kinds. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed for this run: TEST_SEED when set, else a fresh one. */
export const testSeed = (): number => {
  const forced = Number(process.env["TEST_SEED"])
  return Number.isInteger(forced) ? forced : Math.floor(Math.random() * 2 ** 31)
}

/** A whole number in [min, max], both inclusive. */
export const between = (random: () => number, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1))
