// Token selection: multinomial sampling from float64 softmax via the CDF, and sampling without replacement
// (beam sampling). Greedy selection is `argmax` in math.ts (ties → lowest id).

import { expNonPositive } from './exp.js';
import type { Rng } from './rng.js';

/**
 * Draws one id from softmax(logits), computed in float64: with e_i = exp(l_i − max), draws
 * u = rng.nextFloat64() · Σe and returns the first i whose running sum Σ_{j≤i} e_j exceeds u.
 * One PRNG draw per token, so the same seed and the same logits give the same id on every backend.
 * Returns −1 when every logit is −Infinity.
 *
 * @example
 * ```ts
 * sampleFromLogits(new Float32Array([0, Math.log(3)]), createRng(1)); // 1 with probability 3/4
 * ```
 */
export function sampleFromLogits(logits: ArrayLike<number>, rng: Rng): number {
  // One pass over the row finds the maximum and lists the live (not −Infinity) ids in order; the sums then
  // run over that list only (after a top_k, 50 ids instead of 50,257). exp is recomputed in the last pass
  // instead of kept: no 400 KB of weights per step. Each pass is a function of its own (see listLive).
  if (live.length < logits.length) live = new Int32Array(logits.length);
  const count = listLive(logits, live);
  const max = liveMax;
  if (max === Number.NEGATIVE_INFINITY) return -1;
  const total = sumOfExps(logits, live, count, max);
  return firstPast(logits, live, count, max, rng.nextFloat64() * total);
}

/**
 * Lists the ids of `logits` that are not −Infinity into `ids` and returns how many; their maximum goes to
 * `liveMax`. Every loop over a whole row sits alone in a small function: V8 (Node 20) compiles a long loop's
 * function while its first call is still in the loop (on-stack replacement), before the code after the loop
 * has ever run, and that code then deoptimised the whole function at every call: sampleFromLogits, written as
 * one function, ran unoptimised on two steps in three of a sampled generation, 2.5× slower.
 */
function listLive(logits: ArrayLike<number>, ids: Int32Array): number {
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v === Number.NEGATIVE_INFINITY) continue;
    ids[count++] = i;
    if (v > max) max = v;
  }
  liveMax = max;
  return count;
}

/** listLive's maximum: its second result. */
let liveMax = Number.NEGATIVE_INFINITY;

/** Σ exp(l − max) over the listed ids, in their order. */
function sumOfExps(logits: ArrayLike<number>, ids: Int32Array, count: number, max: number): number {
  let total = 0;
  for (let j = 0; j < count; j++) total += expNonPositive(logits[ids[j]] - max);
  return total;
}

/** The first listed id whose running sum of exp(l − max) exceeds `target` (rounding: the last positive one). */
function firstPast(
  logits: ArrayLike<number>,
  ids: Int32Array,
  count: number,
  max: number,
  target: number,
): number {
  let cumulative = 0;
  let lastPositive = -1;
  for (let j = 0; j < count; j++) {
    const i = ids[j];
    const w = expNonPositive(logits[i] - max);
    if (w <= 0) continue;
    cumulative += w;
    lastPositive = i;
    if (cumulative > target) return i;
  }
  return lastPositive;
}

/** sampleFromLogits' list of live ids, reused across calls (it is synchronous). */
let live = new Int32Array(0);

/** First index whose cumulative weight exceeds u·total; falls back to the last positive weight (rounding). */
function drawIndex(weights: Float64Array, total: number, rng: Rng): number {
  const target = rng.nextFloat64() * total;
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    cumulative += weights[i];
    lastPositive = i;
    if (cumulative > target) return i;
  }
  return lastPositive;
}

/**
 * Draws `k` distinct indices, each step proportional to the remaining weights (what `torch.multinomial`
 * without replacement does). Stops early when fewer than `k` weights are positive.
 */
export function sampleWithoutReplacement(weights: Float64Array, k: number, rng: Rng): number[] {
  return drawWithoutReplacement(weights.slice(), k, rng);
}

/** `sampleWithoutReplacement` on weights it may overwrite (each drawn index's weight becomes 0). */
export function drawWithoutReplacement(w: Float64Array, k: number, rng: Rng): number[] {
  let total = 0;
  for (const v of w) total += v;
  const picked: number[] = [];
  while (picked.length < k && total > 0) {
    const i = drawIndex(w, total, rng);
    if (i < 0) break;
    picked.push(i);
    total -= w[i];
    w[i] = 0;
    if (total <= 0) total = w.reduce((a, b) => a + b, 0);
  }
  return picked;
}
