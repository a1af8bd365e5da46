// GPT2Block: pre-norm residual block, x + attn(ln_1(x)); x + mlp(ln_2(x)) (nanoGPT's Block).

import { add, layerNorm, type Tensor } from '@gpt2js/tensor';
import { type AttentionContext, selfAttention } from './attention.js';
import { mlp } from './mlp.js';
import type { BlockWeights } from './weights.js';

/** x: [B·T, C] → [B·T, C]; probs: [B, n_head, T, past + T] when the context asks for them. */
export function block(
  x: Tensor,
  w: BlockWeights,
  layer: number,
  eps: number,
  ctx: AttentionContext,
): { hidden: Tensor; probs?: Tensor } {
  const attn = selfAttention(layerNorm(x, w.ln_1.weight, w.ln_1.bias, eps), w.attn, layer, ctx);
  const h = add(x, attn.output); // [B·T, C]
  const hidden = add(h, mlp(layerNorm(h, w.ln_2.weight, w.ln_2.bias, eps), w.mlp)); // [B·T, C]
  return attn.probs === undefined ? { hidden } : { hidden, probs: attn.probs };
}
