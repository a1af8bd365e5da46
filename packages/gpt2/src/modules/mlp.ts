// GPT2MLP: c_fc → gelu_new → c_proj (nanoGPT's MLP). Dropout is the identity at inference.

import { linear, type Tensor } from '@gpt2js/tensor';
import type { BlockWeights } from './weights.js';

/** x: [B·T, C] → h: [B·T, inner] → [B·T, C]. PyTorch: c_proj(gelu_new(c_fc(x))). */
export function mlp(x: Tensor, w: BlockWeights['mlp']): Tensor {
  const h = linear(x, w.c_fc.weight, w.c_fc.bias, { activation: 'gelu_new' }); // [B·T, inner]
  return linear(h, w.c_proj.weight, w.c_proj.bias); // [B·T, C]
}
