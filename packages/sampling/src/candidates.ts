// Sampling from a row's top candidates instead of the whole row.
//
// With a top_k among the warpers (Hugging Face's default when sampling: top-k 50), a sampled token can only
// be one of the row's largest logits, provided every step before top_k keeps the order of the logits
// (temperature), can only lower the logits of a known set S of ids (a repetition penalty ≥ 1, presence and
// frequency penalties ≥ 0), or leaves the row alone at this step (min_length once reached, …): the pipeline
// says when (`LogitsPipeline.candidates`). The loop then asks the model for its top k + |S| + 1 (on a GPU
// that many values cross back instead of 50,257; on the CPU engines one pass over the row in place) and runs
// the pipeline on the top k + |S|, ordered by id, with the penalties applied by id.
//
// The result is the whole row's, bit for bit. A token outside the candidates has a logit at most the
// (k + |S| + 1)-th, v, so after the steps before top_k at most order(v), the order-keeping steps applied to v
// (a penalty only lowers it). At least k candidates are not in S and reach at least order(v) too, so the
// k-th largest candidate after those steps, t, is ≥ order(v); when t > order(v), top_k (which keeps every
// token ≥ its k-th largest) keeps only candidates, the same ones as on the whole row. Removed tokens are
// −Infinity, and every step after top_k, like the sampler, looks only at the live tokens, in id order, so the
// same values in the same order give the same sums and the same draw. When t = order(v) (a tie, which top_k
// keeps; division by a temperature can round two neighbouring logits to one value), `candidateRow` returns
// undefined and the loop reads the whole row.

import type { CandidatePlan } from './processors/pipeline.js';

/** The top of one row as `StepLogits.topk` returns it: sorted descending, ties → lower id first. */
export interface RowTop {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** One row's candidates, in id order (the order in which the sampler sums). */
export interface CandidateRow {
  readonly ids: Int32Array;
  /** Their logits after the steps before top_k (what `CandidatePlan.after` takes). */
  readonly logits: Float32Array;
}

/**
 * The candidates of a row, the top k + extra, from its top m > k + extra; undefined when the k-th largest of
 * them after the steps before top_k is not above the largest value any other token can reach there (the
 * (k + extra + 1)-th logit through the order-keeping steps), or the top is short.
 */
export function candidateRow(top: RowTop, plan: CandidatePlan): CandidateRow | undefined {
  const m = plan.k + plan.extra;
  // fewer than m + 1 values, or a pad of a row with fewer than m + 1 that are not NaN (index −1)
  if (top.values.length <= m || top.indices[m] < 0) return undefined;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => top.indices[a] - top.indices[b]);
  const ids = Int32Array.from(order, (i) => top.indices[i]);
  const logits = plan.before(
    Float32Array.from(order, (i) => top.values[i]),
    ids,
  );
  const kth = logits.slice().sort((a, b) => b - a)[plan.k - 1];
  const bound = plan.order(Float32Array.of(top.values[m]))[0];
  return kth > bound ? { ids, logits } : undefined;
}
