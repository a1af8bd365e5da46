// SplitMix64 against the reference outputs of Vigna's splitmix64.c (also Java's SplittableRandom mix).

import { describe, expect, it } from 'vitest';
import { createRng } from '../src/index.js';

describe('createRng (SplitMix64)', () => {
  it('matches splitmix64.c for seed 0', () => {
    const rng = createRng(0);
    expect([rng.nextUint64(), rng.nextUint64(), rng.nextUint64()]).toEqual([
      0xe220a8397b1dcdafn,
      0x6e789e6aa1b965f4n,
      0x06c45d188009454fn,
    ]);
  });

  it('matches the published sequence for seed 1234567', () => {
    const rng = createRng(1234567);
    expect([rng.nextUint64(), rng.nextUint64(), rng.nextUint64()]).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
    ]);
  });

  it('gives doubles in [0, 1) from the top 53 bits, identical for number and bigint seeds', () => {
    const a = createRng(7);
    const b = createRng(7n);
    for (let i = 0; i < 1000; i++) {
      const x = a.nextFloat64();
      expect(x).toBe(b.nextFloat64());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(createRng(0).nextFloat64()).toBe(Number(0xe220a8397b1dcdafn >> 11n) / 2 ** 53);
  });
});
