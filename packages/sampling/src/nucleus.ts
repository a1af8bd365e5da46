// Top-p's kept set (the nucleus) without sorting the vocabulary.
//
// Top-p walks the tokens from the most probable down (equal logits: lower id first) and keeps a token iff
// the probability mass before it is < p, and always the first `minKeep`. Sorting the 50,257 logits for that
// walk took ≈ 25 ms a step when the nucleus is large (a flat distribution holds thousands of tokens), several
// times the forward pass. The kept tokens are a prefix of the walk, so a histogram finds them instead
// (mass-bins.ts), keyed by how far each logit lies below the maximum: every token of a bin kept whole has less
// than p − δ before it, so it is kept.
//
// The same probabilities as the walk (softmax in float64, summed in id order), but the mass before a token
// is summed in another order (a whole bin's exps summed, then divided by the total once), which moves it by
// at most about n·2^−52 (≈ 1e-11 for 50,257 tokens). Where a token's mass-before lands within δ = 1e-9 of p,
// or a logit is NaN or +Infinity, the sorted walk decides instead, so the result is always the walk's
// (`nucleusKeepSorted`, which small rows use directly).

import { expNonPositive } from './exp.js';
import {
  binCount,
  binMass,
  binOf,
  clearBins,
  DELTA,
  divideBinMass,
  SORT_BELOW,
  type WalkPath,
  walkedBins,
} from './mass-bins.js';
import { ascendingBand, softmax64 } from './math.js';

const NEG_INF = Number.NEGATIVE_INFINITY;

/** Per-call scratch, reused (calls never interleave: everything here is synchronous): each token's bin. */
let bins = new Uint16Array(0);
/** The bin of a −Infinity logit: after every real bin (BINS ≤ 65535). */
const DEAD = 0xffff;

/**
 * Top-p by the sorted walk: 1 for every kept id. Live tokens are those whose logit is not −Infinity; their
 * probabilities are a float64 softmax over them.
 */
export function nucleusKeepSorted(logits: Float32Array, p: number, minKeep: number): Uint8Array {
  const alive = liveIds(logits);
  const probabilities = softmax64(alive.map((i) => logits[i]));
  // key = −logit (exact, unlike max − logit): ascending key is descending probability
  const keys = new Float64Array(alive.length);
  for (let j = 0; j < keys.length; j++) keys[j] = -logits[alive[j]];
  const order = ascendingBand(keys, probabilities, p, minKeep);
  const keep = new Uint8Array(logits.length);
  let before = 0;
  for (let r = 0; r < order.length && (before < p || r < minKeep); r++) {
    keep[alive[order[r]]] = 1;
    before += probabilities[order[r]];
  }
  return keep;
}

/** The ids whose logit is not −Infinity (a whole-row loop alone in its function: select.ts's listLive says why). */
function liveIds(logits: Float32Array): number[] {
  const alive: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] !== NEG_INF) alive.push(i);
  return alive;
}

/** Top-p: 1 for every kept id, the same set as `nucleusKeepSorted`. */
export function nucleusKeep(logits: Float32Array, p: number, minKeep: number): Uint8Array {
  return nucleusSelect(logits, p, minKeep).keep;
}

/** `nucleusKeep` and the way it went; rows with fewer than `sortBelow` live tokens take the sorted walk. */
export function nucleusSelect(
  logits: Float32Array,
  p: number,
  minKeep: number,
  sortBelow = SORT_BELOW,
): { keep: Uint8Array; path: WalkPath } {
  const sorted = () => ({ keep: nucleusKeepSorted(logits, p, minKeep), path: 'sorted' as const });
  const n = logits.length;
  const alive = scanRow(logits);
  const max = scannedMax;
  if (alive < sortBelow || !Number.isFinite(max)) return sorted();

  // softmax64's exp(l − max) over the live tokens, summed in id order; the bins sum the same terms and are
  // divided by the total afterwards (each token's own probability, where the walk needs it, is softmax64's
  // e / sum), and each token's bin is kept for the pass that marks the kept tokens
  if (bins.length < n) bins = new Uint16Array(n);
  clearBins();
  const sum = binExps(logits, max, bins);
  divideBinMass(sum);

  // bins before `first` are kept whole; bins first … last are walked token by token
  const { first, last, before } = walkedBins(p, minKeep);
  const keep = new Uint8Array(n);
  const boundary: number[] = [];
  const whole = markWholeBins(n, first, last, keep, boundary);
  boundary.sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = walkBoundary(logits, boundary, { max, sum, before, p, minKeep, kept: whole }, keep);
  // a mass within δ of p (kept < 0), or fewer than minKeep live tokens in the walked bins: the sorted walk
  if (kept < 0 || (kept < minKeep && kept < alive)) return sorted();
  return { keep, path: 'histogram' };
}

// Each loop over a whole row below sits alone in a small function (select.ts's listLive says why).

/**
 * How many logits are not −Infinity, or −1 when one is NaN; their maximum goes to `scannedMax` (a module
 * variable: returning an object from after the loop deoptimised this function at every call on Node 24).
 */
function scanRow(logits: Float32Array): number {
  let max = NEG_INF;
  let alive = 0;
  let unordered = false;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v === NEG_INF) continue;
    alive++;
    if (v > max) max = v;
    else if (Number.isNaN(v)) unordered = true;
  }
  scannedMax = max;
  return unordered ? -1 : alive;
}

/** scanRow's maximum: its second result. */
let scannedMax = NEG_INF;

/** Adds each live token's exp(l − max) to its bin (mass-bins.ts), writes the bins into `into`; returns Σ. */
function binExps(logits: Float32Array, max: number, into: Uint16Array): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v === NEG_INF) {
      into[i] = DEAD;
      continue;
    }
    const e = expNonPositive(v - max);
    sum += e;
    const bin = binOf(max - v);
    into[i] = bin;
    binMass[bin] += e;
    binCount[bin]++;
  }
  return sum;
}

/** Keeps the tokens of bins before `first` and lists those of bins first … last; returns how many it kept. */
function markWholeBins(n: number, first: number, last: number, keep: Uint8Array, boundary: number[]): number {
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const bin = bins[i];
    if (bin < first) {
      keep[i] = 1;
      kept++;
    } else if (bin <= last) boundary.push(i);
  }
  return kept;
}

/**
 * The walk over the boundary tokens, most probable first: keeps each while the mass before it is < p (or
 * fewer than minKeep are kept). Returns how many are kept in all, or −1 where a mass lands within δ of p.
 */
function walkBoundary(
  logits: Float32Array,
  boundary: readonly number[],
  walk: { max: number; sum: number; before: number; p: number; minKeep: number; kept: number },
  keep: Uint8Array,
): number {
  const { max, sum, p, minKeep } = walk;
  let { before, kept } = walk;
  for (const i of boundary) {
    if (kept >= minKeep && Math.abs(before - p) <= DELTA) return -1;
    if (!(before < p || kept < minKeep)) break;
    keep[i] = 1;
    kept++;
    before += expNonPositive(logits[i] - max) / sum;
  }
  return kept;
}
