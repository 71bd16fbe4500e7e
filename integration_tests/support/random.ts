// A seeded PRNG for tests that choose at random (fault mixes, kill points), so that a failure can
// be replayed: the seed is printed by the test and can be forced with TEST_SEED.

/** mulberry32, the emulator's own: small, fast and good enough to pick kill points and fault kinds. */
export { prng as seededRandom } from "../emulator/hash.js"

/** The seed for this run: TEST_SEED when set, else a fresh one. */
export const testSeed = (): number => {
  const forced = Number(process.env.TEST_SEED)
  return Number.isInteger(forced) ? forced : Math.floor(Math.random() * 2 ** 31)
}

/** A whole number in [min, max], both inclusive. */
export const between = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min + 1))
