// The histogram behind top-p (nucleus.ts) and typical-p (typical.ts): both walk the tokens in the order of a
// key ≥ 0 (nats below the maximum logit; distance from the entropy) while the mass before a token is below a
// bound, and both find that walk's prefix without sorting the vocabulary. Tokens go to 1/128-nat bins by key,
// so the bins are in walk order and equal keys share one; whole bins are kept while the mass through them
// stays below mass − δ, and only the bins from there until the mass is past mass + δ are sorted and walked
// token by token. δ = 1e-9 is far above the ≤ n·2^−52 (≈ 1e-11) by which a sum in bin order can differ from
// the walk's own sum.

export const DELTA = 1e-9;

/** Rows with fewer live tokens than this take the sorted walk (after a top-k there are only k). */
export const SORT_BELOW = 2048;

/** How a histogram warper decided: by the histogram, or by the sorted walk it stands for. */
export type WalkPath = 'histogram' | 'sorted';
const BINS_PER_NAT = 128;
/** Bins cover keys up to 64 nats (mass beyond: < 50,257·e^−64); the last bin holds the rest. */
const BINS = 64 * BINS_PER_NAT + 1;

/** Per bin, the mass and the number of tokens (scratch, reused: every caller is synchronous). */
export const binMass = new Float64Array(BINS);
export const binCount = new Int32Array(BINS);

/** Empties the bins before a row is added. */
export function clearBins(): void {
  binMass.fill(0);
  binCount.fill(0);
}

/** The bin of a key ≥ 0: ⌊key·128⌋, capped at the last bin. Non-decreasing in the key. */
export function binOf(key: number): number {
  return Math.min(Math.floor(key * BINS_PER_NAT), BINS - 1);
}

/** Divides every bin's mass by `total` (a loop alone in its function: select.ts's listLive says why). */
export function divideBinMass(total: number): void {
  for (let b = 0; b < binMass.length; b++) if (binMass[b] !== 0) binMass[b] /= total;
}

/** Which bins a walk to `mass` keeps whole, and which it walks token by token. */
export interface WalkedBins {
  /** Bins before `first` are kept whole: the mass through them is below mass − δ. */
  readonly first: number;
  /** Bins first … last are walked token by token. */
  readonly last: number;
  /** The mass, and the number of tokens, of the bins kept whole. */
  readonly before: number;
  readonly count: number;
  /** The mass, and the number of tokens, through `last`. */
  readonly through: number;
  readonly walked: number;
}

/** The bins to walk: from the first one whose mass brings the total to mass − δ, until the total is past mass + δ and they hold `minKeep` tokens (or the bins end). */
export function walkedBins(mass: number, minKeep: number): WalkedBins {
  let first = 0;
  let before = 0;
  let count = 0;
  while (first < BINS - 1 && before + binMass[first] < mass - DELTA) {
    before += binMass[first];
    count += binCount[first++];
  }
  let last = first;
  let through = before + binMass[first];
  let walked = count + binCount[first];
  while (last < BINS - 1 && (through < mass + DELTA || walked < minKeep)) {
    through += binMass[++last];
    walked += binCount[last];
  }
  return { first, last, before, count, through, walked };
}
