// Loads a fixture's PyTorch reference (reference.json + the full last-position logits in reference.logits.bin).
import { readFileSync } from 'node:fs';
import { MODELS } from './backends.js';

export interface ReferenceCase {
  prompt: string;
  ids: number[];
  logits_offset_bytes: number;
  top20: [number, number][];
  prompt_logprob: number;
  hidden_states: { l2_norm_last: number; first8_last: number[] }[];
  greedy_ids: number[];
  greedy_text: string;
  greedy_margins: number[];
}

export interface Reference {
  model: string;
  vocab_size: number;
  tolerance: { logits_abs: number };
  cases: ReferenceCase[];
  /** The full last-position logits of case i. */
  logits(i: number): Float32Array;
}

export function loadReference(name: string): Reference {
  const dir = `${MODELS}${name}`;
  const json = JSON.parse(readFileSync(`${dir}/reference.json`, 'utf8')) as Omit<Reference, 'logits'>;
  const bin = readFileSync(`${dir}/reference.logits.bin`);
  return {
    ...json,
    logits(i) {
      const at = bin.byteOffset + json.cases[i]!.logits_offset_bytes;
      return new Float32Array(bin.buffer.slice(at, at + 4 * json.vocab_size));
    },
  };
}

/** max |a − b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** log p(target) under softmax(row), in float64. */
export function logProb(row: ArrayLike<number>, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return row[target]! - max - Math.log(sum);
}

/**
 * Compares a generated continuation with the reference greedy one: identical, or diverging only at a step
 * whose reference margin is within `tieTolerance` (a near-tie: either token is correct; comparison stops).
 */
export function checkGreedy(
  got: number[],
  c: ReferenceCase,
  tieTolerance: number,
): { matched: number; nearTieAt?: number } {
  for (let i = 0; i < c.greedy_ids.length; i++) {
    if (got[i] === c.greedy_ids[i]) continue;
    if (c.greedy_margins[i]! <= tieTolerance) return { matched: i, nearTieAt: i };
    throw new Error(
      `"${c.prompt}": token ${i} is ${got[i]}, reference ${c.greedy_ids[i]} (margin ${c.greedy_margins[i]} > ${tieTolerance}); got [${got.join(', ')}]`,
    );
  }
  return { matched: c.greedy_ids.length };
}
