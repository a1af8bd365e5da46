// Typical-p's kept set without sorting the vocabulary.
//
// Typical-p (Meister et al. 2022, Hugging Face's TypicalLogitsWarper) ranks tokens by how far their
// information −log p lies from the entropy H, key = |−log p − H|, most typical first (equal keys: lower id
// first), walks that ranking while the mass before a token is < mass, and keeps every token whose key is ≤ the
// key of the last one walked (ties with it included), never fewer than the first `minKeep` of the ranking.
// Sorting for that walk cost 3–16 ms a step on a 50,257-token row, more than a decode step. As for top-p
// (nucleus.ts), a histogram of the keys finds the walked prefix instead (mass-bins.ts).
//
// Keys and probabilities are the sorted walk's, computed by the same operations; only the mass before a token
// is summed in another order (≤ n·2^−52 apart, ≈ 1e-11). Where a decision would fall within δ = 1e-9 of mass,
// a logit is NaN or +Infinity, the walk would reach the tokens filtered to −Infinity, or the walked bins hold
// fewer than `minKeep` tokens, the sorted walk decides, so the result is always the walk's
// (`typicalKeepSorted`, which small rows use directly).

import { expNonPositive } from './exp.js';
import {
  binCount,
  binMass,
  binOf,
  clearBins,
  DELTA,
  SORT_BELOW,
  type WalkPath,
  walkedBins,
} from './mass-bins.js';
import { ascendingBand, maxLogit } from './math.js';

const NEG_INF = Number.NEGATIVE_INFINITY;

/** Per-call scratch, reused (calls never interleave: everything here is synchronous). */
let probs = new Float64Array(0);
let keys = new Float64Array(0);

/**
 * Writes every token's probability and key |−log p − H| into `p` and `key`, in float64: p = softmax64's
 * exp(l − max) / Σ, log p = l − logsumexp, H = −Σ p·log p over p > 0 in id order (one exp per token).
 */
function typicality(logits: Float32Array, p: Float64Array, key: Float64Array): void {
  const n = logits.length;
  const max = maxLogit(logits);
  if (max === NEG_INF) {
    p.fill(0, 0, n);
    key.fill(Number.NaN, 0, n);
    return;
  }
  const sum = writeExps(logits, max, p);
  const lse = max + Math.log(sum);
  const entropy = normaliseForEntropy(logits, p, sum, lse);
  writeKeys(logits, key, lse, entropy);
}

// Each loop over a whole row below sits alone in a small function (select.ts's listLive says why).

/** p[i] = exp(l_i − max); returns their sum, in id order. */
function writeExps(logits: Float32Array, max: number, p: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = expNonPositive(logits[i] - max);
    p[i] = e;
    sum += e;
  }
  return sum;
}

/** p[i] /= sum; returns the entropy −Σ p·log p over p > 0 (log p = l − lse), in id order. */
function normaliseForEntropy(logits: Float32Array, p: Float64Array, sum: number, lse: number): number {
  let entropy = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] /= sum;
    if (p[i] > 0) entropy -= p[i] * (logits[i] - lse);
  }
  return entropy;
}

function writeKeys(logits: Float32Array, key: Float64Array, lse: number, entropy: number): void {
  for (let i = 0; i < logits.length; i++) key[i] = Math.abs(lse - logits[i] - entropy);
}

/** Typical-p by the sorted walk: 1 for every kept id. */
export function typicalKeepSorted(logits: Float32Array, mass: number, minKeep: number): Uint8Array {
  const n = logits.length;
  const p = new Float64Array(n);
  const key = new Float64Array(n);
  typicality(logits, p, key);
  // most typical first (filtered tokens have key +Infinity and come last)
  const order = ascendingBand(key, p, mass, minKeep);
  let cumulative = 0;
  let lastIndex = 0;
  for (let r = 0; r < order.length; r++) {
    cumulative += p[order[r]];
    if (cumulative < mass) lastIndex = r + 1;
    else break;
  }
  lastIndex = Math.min(lastIndex, order.length - 1);
  const threshold = key[order[lastIndex]];
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (!(key[i] > threshold)) keep[i] = 1;
  for (let r = 0; r < Math.min(minKeep, order.length); r++) keep[order[r]] = 1;
  return keep;
}

/** Typical-p: 1 for every kept id, the same set as `typicalKeepSorted`. */
export function typicalKeep(logits: Float32Array, mass: number, minKeep: number): Uint8Array {
  return typicalSelect(logits, mass, minKeep).keep;
}

/** `typicalKeep` and the way it went; rows with fewer than `sortBelow` live tokens take the sorted walk. */
export function typicalSelect(
  logits: Float32Array,
  mass: number,
  minKeep: number,
  sortBelow = SORT_BELOW,
): { keep: Uint8Array; path: WalkPath } {
  const sorted = () => ({ keep: typicalKeepSorted(logits, mass, minKeep), path: 'sorted' as const });
  const n = logits.length;
  // NaN or +Infinity: −1
  const alive = countAlive(logits);
  if (alive < 0 || alive < sortBelow) return sorted();

  if (probs.length < n) {
    probs = new Float64Array(n);
    keys = new Float64Array(n);
  }
  typicality(logits, probs, keys);
  clearBins();
  binMasses(logits);

  // bins before `first` are kept whole; bins first … last are walked token by token, and must reach the mass
  // (else the walk would go on to the filtered tokens) and minKeep tokens
  const { first, last, before: wholeMass, count, through, walked } = walkedBins(mass, minKeep);
  if (through < mass + DELTA || walked < minKeep) return sorted();
  let before = wholeMass;

  const keep = new Uint8Array(n);
  const boundary: number[] = [];
  markWholeBins(logits, first, last, keep, boundary);
  boundary.sort((a, b) => keys[a] - keys[b] || a - b);
  // the walk: a token is walked while the mass before it is < mass; the last one walked sets the threshold
  let r = 0;
  let threshold = Number.NaN;
  for (; r < boundary.length; r++) {
    if (Math.abs(before - mass) <= DELTA) return sorted();
    if (!(before < mass)) break;
    keep[boundary[r]] = 1;
    threshold = keys[boundary[r]];
    before += probs[boundary[r]];
  }
  // ties with the threshold, then whatever the first minKeep of the ranking still asks for
  for (; r < boundary.length && (keys[boundary[r]] === threshold || count + r < minKeep); r++) {
    keep[boundary[r]] = 1;
  }
  return { keep, path: 'histogram' };
}

/** How many logits are not −Infinity; −1 at the first NaN or +Infinity. */
function countAlive(logits: Float32Array): number {
  let alive = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v === NEG_INF) continue;
    if (!(v < Number.POSITIVE_INFINITY)) return -1;
    alive++;
  }
  return alive;
}

/** Adds each live token's probability to the bin of its key (mass-bins.ts). */
function binMasses(logits: Float32Array): void {
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === NEG_INF) continue;
    const bin = binOf(keys[i]);
    binMass[bin] += probs[i];
    binCount[bin]++;
  }
}

/** Keeps the live tokens of bins before `first` and lists those of bins first … last. */
function markWholeBins(
  logits: Float32Array,
  first: number,
  last: number,
  keep: Uint8Array,
  boundary: number[],
): void {
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === NEG_INF) continue;
    const bin = binOf(keys[i]);
    if (bin < first) keep[i] = 1;
    else if (bin <= last) boundary.push(i);
  }
}
