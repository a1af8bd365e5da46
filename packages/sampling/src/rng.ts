// Seedable PRNG for sampling: SplitMix64 (Steele, Lea & Flood 2014; Vigna's reference splitmix64.c).
// 64-bit state advanced by the golden-ratio increment, output mixed by two xor-shift-multiplies.
// Computed with BigInt so every JS engine gives the same bits; one draw per sampled token is cheap.

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const MIX1 = 0xbf58476d1ce4e5b9n;
const MIX2 = 0x94d049bb133111ebn;
const TWO_POW_53 = 2 ** 53;

/** A deterministic random source: the same seed gives the same sequence on every engine and backend. */
export interface Rng {
  /** The seed this generator started from (report it to reproduce a run). */
  readonly seed: bigint;
  /** Next raw 64-bit output. */
  nextUint64(): bigint;
  /** Next double in [0, 1): the top 53 bits of `nextUint64()` divided by 2^53. */
  nextFloat64(): number;
}

/**
 * Creates a SplitMix64 generator. `seed` is an integer in [0, 2^53) (number) or [0, 2^64) (bigint).
 *
 * @example
 * ```ts
 * const rng = createRng(0);
 * rng.nextUint64(); // 0xe220a8397b1dcdafn (splitmix64.c's first output for seed 0)
 * ```
 */
export function createRng(seed: number | bigint): Rng {
  let state = BigInt(seed) & MASK64;
  const start = state;
  const nextUint64 = (): bigint => {
    state = (state + GOLDEN) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * MIX1) & MASK64;
    z = ((z ^ (z >> 27n)) * MIX2) & MASK64;
    return z ^ (z >> 31n);
  };
  return {
    seed: start,
    nextUint64,
    nextFloat64: () => Number(nextUint64() >> 11n) / TWO_POW_53,
  };
}

/** A fresh seed from Math.random, used when sampling without a seed (reported in the result). */
export function randomSeed(): number {
  return Math.floor(Math.random() * TWO_POW_53);
}
