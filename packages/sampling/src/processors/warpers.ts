// Sampling warpers (HF's former LogitsWarpers), applied only when do_sample: temperature and the
// truncation rules top-k, top-p, min-p, typical-p, epsilon and eta. Probabilities are computed in float64.
// `minTokensToKeep` is 1 for sampling, and (number of EOS ids + 1) for beam sampling, as in HF.

import { logSumExp, softmax64, topkHost } from '../math.js';
import { nucleusKeep } from '../nucleus.js';
import { typicalKeep } from '../typical.js';
import { inPlaceProcessor, type LogitsProcessor } from './types.js';

const NEG_INF = Number.NEGATIVE_INFINITY;

/** Sets −Infinity where `keep[i]` is 0. */
function mask(logits: Float32Array, keep: Uint8Array): void {
  for (let i = 0; i < logits.length; i++) if (keep[i] === 0) logits[i] = NEG_INF;
}

/** Marks the first `minKeep` ids of `order` as kept. */
function keepFirst(order: ArrayLike<number>, minKeep: number, keep: Uint8Array): void {
  for (let r = 0; r < Math.min(minKeep, order.length); r++) keep[order[r]] = 1;
}

/** Marks the `minKeep` largest logits as kept (HF's min_tokens_to_keep). */
function keepTop(logits: Float32Array, minKeep: number, keep: Uint8Array): void {
  keepFirst(topkHost(logits, minKeep).indices, minKeep, keep);
}

/**
 * Hugging Face `TemperatureLogitsWarper`: logits / t (t > 0).
 *
 * @example
 * ```ts
 * temperature(2)(new Float32Array([2, -4]), ctx); // Float32Array [1, -2]
 * ```
 */
export function temperature(t: number): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    for (let i = 0; i < logits.length; i++) logits[i] /= t;
  });
}

/**
 * Hugging Face `TopKLogitsWarper`: keeps every token whose logit is ≥ the k-th largest (so ties with the
 * k-th are kept, as in HF); k is raised to `minTokensToKeep` and capped at the vocabulary size.
 *
 * @example
 * ```ts
 * topK(2)(new Float32Array([1, 3, 2, 0]), ctx); // Float32Array [-Infinity, 3, 2, -Infinity]
 * ```
 */
export function topK(k: number, minTokensToKeep = 1): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    const kk = Math.min(Math.max(k, minTokensToKeep), logits.length);
    const threshold = topkHost(logits, kk).values[kk - 1];
    for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = NEG_INF;
  });
}

/**
 * Hugging Face `TopPLogitsWarper` (nucleus, Holtzman et al. 2019): sorts tokens by probability and keeps
 * the smallest prefix whose mass reaches p — a token is kept iff the mass of the tokens before it is < p —
 * and never fewer than `minTokensToKeep`. Equal logits are ordered by lower id first.
 *
 * @example
 * ```ts
 * // probabilities 0.5, 0.3, 0.2: p = 0.8 keeps the first two (0.5 < 0.8, 0.8 ≮ 0.8)
 * topP(0.8)(new Float32Array([Math.log(0.5), Math.log(0.3), Math.log(0.2)]), ctx); // [.., .., -Infinity]
 * ```
 */
export function topP(p: number, minTokensToKeep = 1): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    // the kept set without sorting the vocabulary (nucleus.ts); after top_k only k tokens are alive
    mask(logits, nucleusKeep(logits, p, minTokensToKeep));
  });
}

/**
 * Hugging Face `MinPLogitsWarper` (Nguyen et al. 2024): keeps tokens whose probability is ≥ minP × the
 * top probability, never fewer than `minTokensToKeep`.
 *
 * @example
 * ```ts
 * // probabilities 0.6, 0.3, 0.1; min_p 0.2 → threshold 0.12 removes the last
 * minP(0.2)(new Float32Array([Math.log(0.6), Math.log(0.3), Math.log(0.1)]), ctx)[2]; // -Infinity
 * ```
 */
export function minP(minP: number, minTokensToKeep = 1): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    // p_i ≥ minP · p_max  ⇔  exp(l_i − l_max) ≥ minP (the softmax denominator cancels). exp only near the
    // threshold: l_i − l_max above ln(minP) + 1e-9 is kept and below ln(minP) − 1e-9 dropped without it (exp
    // and log are accurate to an ulp, far inside that margin), so the kept set is exp's (NaN: dropped)
    const keep = new Uint8Array(logits.length);
    keepNearMax(logits, largest(logits), minP, keep);
    keepTop(logits, minTokensToKeep, keep);
    mask(logits, keep);
  });
}

// Each loop over a whole row below sits alone in a small function (select.ts's listLive says why).

/** The largest logit (NaN ignored): a loop of its own over this module's Float32Array rows. */
function largest(logits: Float32Array): number {
  let max = NEG_INF;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  return max;
}

/** Marks the tokens with exp(l − max) ≥ minP (minP's rule). */
function keepNearMax(logits: Float32Array, max: number, minP: number, keep: Uint8Array): void {
  const cut = Math.log(minP);
  for (let i = 0; i < logits.length; i++) {
    const d = logits[i] - max;
    if (d > cut + 1e-9 || (d >= cut - 1e-9 && Math.exp(d) >= minP)) keep[i] = 1;
  }
}

/**
 * Hugging Face `TypicalLogitsWarper` (Meister et al. 2022): ranks tokens by |−log p − H| (H the entropy),
 * most typical first, and keeps the smallest prefix of that ranking whose mass reaches `mass` (plus ties
 * with its last member), never fewer than `minTokensToKeep`. Large rows find that prefix by histogram
 * (typical.ts), with the sorted walk's result.
 */
export function typicalP(mass: number, minTokensToKeep = 1): LogitsProcessor {
  return inPlaceProcessor((logits) => mask(logits, typicalKeep(logits, mass, minTokensToKeep)));
}

function cutoff(logits: Float32Array, probs: Float64Array, threshold: number, minTokensToKeep: number): void {
  const keep = new Uint8Array(logits.length);
  keepAtLeast(probs, threshold, keep);
  keepTop(logits, minTokensToKeep, keep);
  mask(logits, keep);
}

function keepAtLeast(probs: Float64Array, threshold: number, keep: Uint8Array): void {
  for (let i = 0; i < probs.length; i++) if (probs[i] >= threshold) keep[i] = 1;
}

/** Hugging Face `EpsilonLogitsWarper` (Hewitt et al. 2022): removes tokens with probability < epsilon. */
export function epsilonCutoff(epsilon: number, minTokensToKeep = 1): LogitsProcessor {
  return inPlaceProcessor((logits) => cutoff(logits, softmax64(logits), epsilon, minTokensToKeep));
}

/**
 * Hugging Face `EtaLogitsWarper` (Hewitt et al. 2022): removes tokens with probability below
 * min(eta, √eta · exp(−entropy)).
 */
export function etaCutoff(eta: number, minTokensToKeep = 1): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    const probs = softmax64(logits);
    const entropy = entropyOf(probs);
    cutoff(logits, probs, Math.min(eta, Math.sqrt(eta) * Math.exp(-entropy)), minTokensToKeep);
  });
}

/** −Σ p·log p over p > 0. */
function entropyOf(probs: Float64Array): number {
  let entropy = 0;
  for (const p of probs) if (p > 0) entropy -= p * Math.log(p);
  return entropy;
}

/** Hugging Face `LogitNormalization` (`renormalize_logits`): log-softmax of the processed scores. */
export function logitNormalization(): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    const lse = logSumExp(logits);
    for (let i = 0; i < logits.length; i++) logits[i] -= lse;
  });
}
