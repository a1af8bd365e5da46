// ForwardInput → flat ids, position ids and key mask, validated once. Position ids follow Hugging Face's
// generate(): with an attention mask, position = cumsum(mask) - 1 (padding positions get 1), so a left-padded
// row sees the same positions 0, 1, 2, … as the same row unpadded.

import type { KVCache } from '@gpt2js/tensor';
import type { GPT2Config } from '../config.js';
import { GPT2Error } from '../errors.js';

/** Inputs of a forward pass (Hugging Face's names, camelCase). */
export interface ForwardInput {
  /** [batch][T] token ids (every row the same length; left-pad ragged batches), or one row as Int32Array. */
  inputIds: readonly (readonly number[])[] | Int32Array;
  /** Keys and values of earlier positions; extended in place by this call. Default: a new cache. */
  pastKeyValues?: KVCache;
  /** [batch][past + T], 1 = attend, 0 = padding (HF's attention_mask covers the past too). */
  attentionMask?: readonly (readonly number[])[];
  /** [batch][T]; default from the mask (cumsum − 1) or past … past + T − 1. */
  positionIds?: readonly (readonly number[])[];
  /** Also return every hidden state (HF's output_hidden_states): embeddings, each block's output, and the
   * last entry after ln_f — n_layer + 1 tensors of [batch·T, n_embd]. */
  outputHiddenStates?: boolean;
  /** Also return each layer's attention probabilities, [batch, n_head, T, past + T]. */
  outputAttentions?: boolean;
  /** Keep the cache for another call (HF's use_cache, default true). With false, the cache holds exactly T
   * positions, is freed after the call and `pastKeyValues` is not returned. */
  useCache?: boolean;
}

/** The validated, flattened form the modules use. */
export interface PreparedInput {
  readonly batch: number;
  readonly steps: number;
  readonly past: number;
  /** [batch·T] row-major. */
  readonly ids: Int32Array;
  /** [batch·T]. */
  readonly positions: Int32Array;
  /** [batch, past + T] (1 attend / 0 masked), only when a mask was given. */
  readonly keyMask?: Float32Array;
}

const bad = (message: string) => new GPT2Error('invalid_input', message);

function toRows(input: ForwardInput['inputIds']): readonly (readonly number[])[] | Int32Array[] {
  if (input instanceof Int32Array) return [input];
  if (!Array.isArray(input))
    throw bad('inputIds must be number[][] (one array per batch row) or an Int32Array');
  return input;
}

/** Validates a ForwardInput against the config and the cache, and flattens it. */
export function prepareInput(
  input: ForwardInput,
  config: GPT2Config,
  cache: KVCache | undefined,
): PreparedInput {
  const rows = toRows(input.inputIds);
  const batch = rows.length;
  if (batch === 0) throw bad('inputIds has no rows; pass at least one sequence');
  const steps = rows[0]!.length;
  if (steps === 0) throw bad('inputIds rows are empty; pass at least one token (e.g. <|endoftext|> = 50256)');
  const past = cache?.length ?? 0;
  if (cache !== undefined && cache.batch !== batch) {
    throw bad(`pastKeyValues holds ${cache.batch} rows but inputIds has ${batch}`);
  }
  if (past + steps > config.n_positions) {
    throw new GPT2Error(
      'context_overflow',
      `sequence of ${past + steps} tokens (${past} cached + ${steps} new) exceeds the model's context, n_positions=${config.n_positions}; shorten the prompt or max_new_tokens`,
    );
  }
  if (cache !== undefined && past + steps > cache.maxLength) {
    throw new GPT2Error(
      'context_overflow',
      `pastKeyValues has room for ${cache.maxLength} positions; ${past} cached + ${steps} new do not fit`,
    );
  }
  const ids = new Int32Array(batch * steps);
  rows.forEach((row, b) => {
    if (row.length !== steps) {
      throw bad(
        `inputIds row ${b} has ${row.length} tokens, row 0 has ${steps}; left-pad rows to one length and pass attentionMask`,
      );
    }
    for (let t = 0; t < steps; t++) {
      const id = row[t]!;
      if (!Number.isInteger(id) || id < 0 || id >= config.vocab_size) {
        throw bad(`inputIds[${b}][${t}] = ${id} is not a token id in [0, ${config.vocab_size - 1}]`);
      }
      ids[b * steps + t] = id;
    }
  });
  const total = past + steps;
  let keyMask: Float32Array | undefined;
  if (input.attentionMask !== undefined) {
    const mask = input.attentionMask;
    if (!Array.isArray(mask) || mask.length !== batch) {
      throw bad(
        `attentionMask must have ${batch} rows (one per inputIds row), got ${Array.isArray(mask) ? mask.length : typeof mask}`,
      );
    }
    keyMask = new Float32Array(batch * total);
    mask.forEach((row, b) => {
      if (row.length !== total) {
        throw bad(
          `attentionMask row ${b} has ${row.length} entries; it must cover past + new tokens = ${total}`,
        );
      }
      for (let j = 0; j < total; j++) {
        const m = row[j];
        if (m !== 0 && m !== 1) throw bad(`attentionMask[${b}][${j}] = ${m}; use 1 (attend) or 0 (padding)`);
        keyMask![b * total + j] = m;
      }
      if (row[total - 1] !== 1) {
        throw bad(`attentionMask row ${b} masks its last token; pad on the left, not the right`);
      }
    });
  }
  const positions = new Int32Array(batch * steps);
  if (input.positionIds !== undefined) {
    const pos = input.positionIds;
    if (!Array.isArray(pos) || pos.length !== batch) throw bad(`positionIds must have ${batch} rows`);
    pos.forEach((row, b) => {
      if (row.length !== steps)
        throw bad(`positionIds row ${b} has ${row.length} entries, expected ${steps}`);
      for (let t = 0; t < steps; t++) {
        const p = row[t]!;
        if (!Number.isInteger(p) || p < 0 || p >= config.n_positions) {
          throw bad(`positionIds[${b}][${t}] = ${p} is outside [0, ${config.n_positions - 1}] (n_positions)`);
        }
        positions[b * steps + t] = p;
      }
    });
  } else if (keyMask !== undefined) {
    for (let b = 0; b < batch; b++) {
      let count = 0;
      for (let j = 0; j < total; j++) {
        const m = keyMask[b * total + j]!;
        count += m;
        if (j >= past) positions[b * steps + j - past] = m === 1 ? count - 1 : 1;
      }
    }
  } else {
    for (let b = 0; b < batch; b++) for (let t = 0; t < steps; t++) positions[b * steps + t] = past + t;
  }
  return { batch, steps, past, ids, positions, ...(keyMask === undefined ? {} : { keyMask }) };
}
