// Rows of logits for the tests of the histogram warpers (nucleus.test.ts, typical.test.ts): seeded
// GPT-2-sized rows, a generator of small rows full of ties and filtered tokens, and the kept ids of a mask.

import fc from 'fast-check';
import { createRng } from '../src/rng.js';

export const NEG = Number.NEGATIVE_INFINITY;
export const VOCAB = 50257;
export const ctx = { inputIds: [], promptLength: 0, maxLength: 20 };

/** The ids a keep-mask keeps. */
export const ids = (keep: Uint8Array): number[] => [...keep.keys()].filter((i) => keep[i] === 1);

/** Seeded GPT-2-sized logits: N(−2, std) (Box–Muller), `spikes` strong candidates, `dead` filtered. */
export function row(seed: number, std: number, spikes = 0, dead = 0): Float32Array {
  const rng = createRng(seed);
  const gauss = () =>
    Math.sqrt(-2 * Math.log(1 - rng.nextFloat64())) * Math.cos(2 * Math.PI * rng.nextFloat64());
  const out = Float32Array.from({ length: VOCAB }, () => gauss() * std - 2);
  for (let s = 0; s < spikes; s++) out[Math.floor(rng.nextFloat64() * VOCAB)] = 6 + gauss();
  for (let d = 0; d < dead; d++) out[Math.floor(rng.nextFloat64() * VOCAB)] = NEG;
  return out;
}

/** Small rows (1–300 logits) with many ties and filtered tokens, as Float32Arrays. */
export const smallRows = fc
  .array(
    fc.oneof(
      fc.constantFrom(0, 0, -1, 2.5, NEG),
      fc.double({ min: -30, max: 30, noNaN: true }).map(Math.fround),
    ),
    { minLength: 1, maxLength: 300 },
  )
  .map((values) => Float32Array.from(values));

/** The five GPT-2-sized rows both warpers are checked on. */
export const namedRows = (): [string, Float32Array][] => [
  ['flat', row(1, 0.5)],
  ['GPT-2-like: N(−2, 2) and 30 strong candidates', row(2, 2, 30)],
  ['peaked: 3 strong candidates', row(3, 1, 3)],
  ['a quarter filtered', row(4, 1, 10, VOCAB / 4)],
  ['logits rounded to a coarse grid (many ties)', row(5, 2, 5).map((v) => Math.round(v * 4) / 4)],
];
