// Sampling from a row's top candidates instead of the whole row.
//
// With a top_k among the warpers (Hugging Face's default when sampling: top-k 50), a sampled token can only
// be one of the row's k largest logits, provided every step before top_k keeps the order of the logits
// (temperature) or leaves the row alone at this step (min_length once reached, …): the pipeline says when
// (`LogitsPipeline.candidates`). The loop then asks the model for its top k + 1 (on the device for GPT-2:
// 51 values cross back instead of 50,257, and no host pass over the vocabulary) and runs the pipeline on
// the k candidates, ordered by id.
//
// The result is the whole row's, bit for bit: top_k keeps the tokens whose processed logit is ≥ the k-th
// largest, so when the (k + 1)-th processed value is below the k-th, exactly the top k survive (the map
// before top_k is monotone, so every later token is at most the (k + 1)-th). Removed tokens are −Infinity
// and every step after top_k, like the sampler, looks only at the live tokens, in id order, so the same
// values in the same order give the same sums and the same draw. When the (k + 1)-th ties the k-th after
// the steps before top_k (division by a temperature can round two neighbouring logits to one value), top_k
// would keep more than k: `candidateRow` returns undefined and the loop reads the whole row.

/** The top of one row as `StepLogits.topk` returns it: sorted descending, ties → lower id first. */
export interface RowTop {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** One row's candidates, in id order (the order in which the sampler sums), with their raw logits. */
export interface CandidateRow {
  readonly ids: Int32Array;
  readonly logits: Float32Array;
}

/**
 * The k candidates of a row from its top m ≥ k + 1, or undefined when the (k + 1)-th would tie the k-th
 * after `before` (the steps that precede top_k), or is missing.
 */
export function candidateRow(
  top: RowTop,
  k: number,
  before: (values: Float32Array) => Float32Array,
): CandidateRow | undefined {
  // fewer than k + 1 values, or a pad of a row with fewer than k + 1 that are not NaN (index −1)
  if (top.values.length <= k || top.indices[k] < 0) return undefined;
  const edge = before(Float32Array.of(top.values[k - 1], top.values[k]));
  if (!(edge[0] > edge[1])) return undefined;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => top.indices[a] - top.indices[b]);
  return {
    ids: Int32Array.from(order, (i) => top.indices[i]),
    logits: Float32Array.from(order, (i) => top.values[i]),
  };
}
