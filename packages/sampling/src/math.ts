// Numeric helpers over logits rows: float64 softmax / log-softmax, argmax and host top-k.
// Everything here works on one row: logits [vocab] → [vocab] (or a few numbers).

import { expNonPositive } from './exp.js';

/** Largest finite-or-infinite value, ignoring NaN; -Infinity for an empty or all -Infinity row. */
export function maxLogit(logits: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  return max;
}

/** Softmax in float64: p_i = exp(l_i − max) / Σ exp(l_j − max). -Infinity logits get probability 0. */
export function softmax64(logits: ArrayLike<number>): Float64Array {
  const max = maxLogit(logits);
  const out = new Float64Array(logits.length);
  if (max === Number.NEGATIVE_INFINITY) return out;
  divideAll(out, writeExps(logits, max, out));
  return out;
}

// Every loop over a whole row here sits alone in a small function that returns right after it: V8 otherwise
// deoptimises the function at every call (select.ts's listLive says why).

/** out[i] = exp(l_i − max); returns their sum, in id order. */
function writeExps(logits: ArrayLike<number>, max: number, out: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = expNonPositive(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  return sum;
}

function divideAll(values: Float64Array, divisor: number): void {
  for (let i = 0; i < values.length; i++) values[i] /= divisor;
}

/** Σ exp(l_i − max), in id order. */
function sumOfExps(logits: ArrayLike<number>, max: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += expNonPositive(logits[i] - max);
  return sum;
}

/** log Σ exp(l_i), computed stably in float64. */
export function logSumExp(logits: ArrayLike<number>): number {
  const max = maxLogit(logits);
  if (max === Number.NEGATIVE_INFINITY) return max;
  return max + Math.log(sumOfExps(logits, max));
}

/** log_softmax(l) = l − logsumexp(l), computed in float64, returned as float32 like PyTorch's f32 path. */
export function logSoftmax(logits: ArrayLike<number>): Float32Array {
  const lse = logSumExp(logits);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}

/** `logSoftmax` of a Float32Array written over it (the same values: each l − lse rounded to f32), returned. */
export function logSoftmaxInPlace(logits: Float32Array): Float32Array {
  subtractAll(logits, logSumExp(logits));
  return logits;
}

function subtractAll(values: Float32Array, amount: number): void {
  for (let i = 0; i < values.length; i++) values[i] -= amount;
}

/** Index of the largest value; ties → lowest index; -1 when every value is -Infinity or NaN. */
export function argmax(logits: ArrayLike<number>): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > bestValue) {
      bestValue = logits[i];
      best = i;
    }
  }
  return best;
}

/**
 * Indices sorted by value descending; ties → lower index first (a stable order). Only the finite-or-+∞
 * entries are sorted; −Infinity entries (already filtered tokens) follow in index order, so sorting
 * after a top-k costs O(k log k), not O(V log V).
 */
export function sortedIndicesDescending(values: ArrayLike<number>): Int32Array {
  const idx = new Int32Array(values.length);
  let live = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== Number.NEGATIVE_INFINITY) idx[live++] = i;
  let tail = live;
  for (let i = 0; i < values.length; i++) if (values[i] === Number.NEGATIVE_INFINITY) idx[tail++] = i;
  idx.subarray(0, live).sort((a, b) => values[b] - values[a] || a - b);
  return idx;
}

/**
 * Indices sorted by key ascending (ties → lower index), restricted to the band key ≤ min + r for the
 * smallest r in 1, 2, 4 … 64 whose weights sum to at least `mass` (+1e-9, so float rounding cannot move the
 * boundary) and which holds `minCount` entries; every index, +Infinity keys last, when no band does.
 * The entries left out all have larger keys than every entry returned, so a rule that walks the sorted
 * order until it has `mass` never reaches them: top-p and typical-p sort a band, not the vocabulary.
 */
export function ascendingBand(
  keys: Float64Array,
  weights: Float64Array,
  mass: number,
  minCount: number,
): Int32Array {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < keys.length; i++) if (keys[i] < min) min = keys[i];
  const byKey = (a: number, b: number) => keys[a] - keys[b] || a - b;
  for (let r = 1; r <= 64 && Number.isFinite(min); r *= 2) {
    const limit = min + r;
    let count = 0;
    let total = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] <= limit) {
        count++;
        total += weights[i];
      }
    }
    if (count >= minCount && total >= mass + 1e-9) {
      const band = new Int32Array(count);
      let j = 0;
      for (let i = 0; i < keys.length; i++) if (keys[i] <= limit) band[j++] = i;
      return band.sort(byKey);
    }
  }
  const all = new Int32Array(keys.length);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return all.sort((a, b) =>
    keys[a] === keys[b] ? a - b : keys[a] < keys[b] || Number.isNaN(keys[b]) ? -1 : 1,
  );
}

/**
 * The k largest values of a row on the host, sorted descending, ties → lower index first.
 * O(V·k) with a small insertion buffer, so top-20 of a 50k vocabulary costs one pass.
 */
export function topkHost(
  values: ArrayLike<number>,
  k: number,
): { indices: Int32Array; values: Float32Array } {
  const n = Math.min(k, values.length);
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  insertLargest(values, idx, val);
  return { indices: idx, values: val };
}

/** topkHost's pass: the idx.length largest values and their indices into idx and val, sorted descending. */
function insertLargest(values: ArrayLike<number>, idx: Int32Array, val: Float32Array): void {
  const n = idx.length;
  let filled = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (filled === n && !(v > val[n - 1])) continue;
    let pos = filled === n ? n - 1 : filled++;
    while (pos > 0 && v > val[pos - 1]) {
      val[pos] = val[pos - 1];
      idx[pos] = idx[pos - 1];
      pos--;
    }
    val[pos] = v;
    idx[pos] = i;
  }
}

/** First index holding NaN or ±Infinity, or -1 when every value is finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  // v · 0 is ±0 for a finite v and NaN otherwise: one pass without an exit from inside the loop, then the search
  // (Node 24 left the optimised loop of the early-return form at one call in five to ten of a sampled
  // generation; it still does at the end of this loop in some settings, with only the return left to run)
  return Number.isNaN(sumTimesZero(values)) ? firstNaNOrInfinity(values) : -1;
}

function sumTimesZero(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * 0;
  return sum;
}

function firstNaNOrInfinity(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
