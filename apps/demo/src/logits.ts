// Small host-side computations over logits read back from the model: top candidates, probabilities
// and the prompt's log-probability. Float64 accumulation throughout; no Node or DOM APIs (the web page
// uses this file too).

/** The `k` largest entries of `row` as [id, value] pairs, largest first, ties → lower id first. */
export function topEntries(row: ArrayLike<number>, k: number): [number, number][] {
  const n = Math.min(k, row.length);
  const best: [number, number][] = [];
  for (let id = 0; id < row.length; id++) {
    const v = row[id];
    if (best.length === n && !(v > best[n - 1][1])) continue;
    let at = best.length === n ? n - 1 : best.length;
    while (at > 0 && v > best[at - 1][1]) at--;
    best.splice(at, 0, [id, v]);
    if (best.length > n) best.pop();
  }
  return best;
}

/** log Σ exp(row[i]) over `row[start … start+length)`, computed stably in float64. */
export function logSumExp(row: ArrayLike<number>, start = 0, length = row.length - start): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = start; i < start + length; i++) if (row[i] > max) max = row[i];
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += Math.exp(row[i] - max);
  return max + Math.log(sum);
}

/**
 * The `k` most likely next tokens with their probabilities under softmax(row / temperature). Dividing by a
 * positive temperature keeps the order (and, in float64, keeps distinct float32 logits distinct), so the top
 * k are the row's own; the normaliser is one pass over the row, without a scaled copy of it.
 *
 * @example
 * topProbabilities(new Float32Array([0, Math.log(3)]), 1); // [{ id: 1, p: 0.75 }]
 */
export function topProbabilities(
  row: ArrayLike<number>,
  k: number,
  temperature = 1,
): { id: number; p: number }[] {
  const top = topEntries(row, k);
  if (top.length === 0) return [];
  const max = top[0]![1] / temperature;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! / temperature - max);
  const lse = max + Math.log(sum);
  return top.map(([id, v]) => ({ id, p: Math.exp(v / temperature - lse) }));
}

/**
 * Σ over i ≥ 1 of log p(ids[i] | ids[0 … i-1]) (natural log), from the logits of every prompt
 * position: `logits` is [T, V] row-major, row t predicting token t+1.
 */
export function promptLogprob(ids: readonly number[], logits: Float32Array, vocabSize: number): number {
  if (logits.length < ids.length * vocabSize) {
    throw new RangeError(`promptLogprob: ${logits.length} logits for ${ids.length} tokens × ${vocabSize}`);
  }
  let total = 0;
  for (let t = 1; t < ids.length; t++) {
    const start = (t - 1) * vocabSize;
    total += logits[start + ids[t]] - logSumExp(logits, start, vocabSize);
  }
  return total;
}
