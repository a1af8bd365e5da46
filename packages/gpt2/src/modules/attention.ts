// GPT2Attention: c_attn → causal multi-head attention over the KV cache → c_proj (nanoGPT's
// CausalSelfAttention). The head split, the cache write and the softmax live in the tensor `attention` op.

import { attention, type KVCache, linear, type Tensor } from '@gpt2js/tensor';
import type { BlockWeights } from './weights.js';

/** What every layer of one forward pass shares. */
export interface AttentionContext {
  readonly cache: KVCache;
  readonly batch: number;
  /** [batch, past + T], 1 attend / 0 padding. */
  readonly keyMask?: Float32Array;
  readonly returnProbs: boolean;
  /** Per layer: 1/√head_dim (scale_attn_weights), further ÷ (layer + 1) (scale_attn_by_inverse_layer_idx). */
  readonly scales: readonly number[];
}

/**
 * x: [B·T, C] → [B·T, C]; with `returnProbs`, probs: [B, n_head, T, past + T].
 * PyTorch: q, k, v = c_attn(x).split(C); softmax(q·kᵀ·scale + causal/padding mask)·v → merge heads → c_proj.
 */
export function selfAttention(
  x: Tensor,
  w: BlockWeights['attn'],
  layer: number,
  ctx: AttentionContext,
): { output: Tensor; probs?: Tensor } {
  const qkv = linear(x, w.c_attn.weight, w.c_attn.bias); // [B·T, 3C] = q | k | v, heads contiguous in each
  const { output: heads, probs } = attention(qkv, ctx.cache, layer, {
    batch: ctx.batch,
    scale: ctx.scales[layer]!,
    ...(ctx.keyMask === undefined ? {} : { keyMask: ctx.keyMask }),
    returnProbs: ctx.returnProbs,
  }); // heads: [B·T, C]
  const output = linear(heads, w.c_proj.weight, w.c_proj.bias); // [B·T, C]
  return probs === undefined ? { output } : { output, probs };
}
