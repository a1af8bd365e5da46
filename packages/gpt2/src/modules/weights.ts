// The already-loaded parameters a GPT-2 forward pass reads, named as Hugging Face names them. The loader fills
// this; the modules only read it (they never see files).

import type { Tensor, Weight } from '@gpt2js/tensor';

/** nn.LayerNorm's parameters: gamma (`weight`) and beta (`bias`), both [n_embd]. */
export interface LayerNormWeights {
  readonly weight: Tensor;
  readonly bias: Tensor;
}

/** HF Conv1D: weight stored [in, out] (x·W, layout 'in_out'), bias [out]. */
export interface Conv1DWeights {
  readonly weight: Weight;
  readonly bias: Tensor;
}

/** One GPT2Block: `h.{i}.*`. */
export interface BlockWeights {
  readonly ln_1: LayerNormWeights;
  readonly attn: { readonly c_attn: Conv1DWeights; readonly c_proj: Conv1DWeights };
  readonly ln_2: LayerNormWeights;
  readonly mlp: { readonly c_fc: Conv1DWeights; readonly c_proj: Conv1DWeights };
}

/** Every parameter of GPT2Model (`transformer.*`) plus the LM head when it is not tied to `wte`. */
export interface GPT2Weights {
  /** [vocab_size, n_embd], layout 'out_in': gathered by the embedding and used as x·Wᵀ by a tied head. */
  readonly wte: Weight;
  /** [n_positions, n_embd]. */
  readonly wpe: Tensor;
  readonly h: readonly BlockWeights[];
  readonly ln_f: LayerNormWeights;
  /** [vocab_size, n_embd] 'out_in' when `tie_word_embeddings` is false; absent when the head is `wte`. */
  readonly lm_head?: Weight;
}

/** Frees every tensor and weight of a GPT2Weights (each once, even when shared). */
export function disposeWeights(weights: GPT2Weights): void {
  const seen = new Set<{ dispose(): void }>();
  const free = (x: { dispose(): void } | undefined) => {
    if (x === undefined || seen.has(x)) return;
    seen.add(x);
    x.dispose();
  };
  free(weights.wte);
  free(weights.wpe);
  for (const block of weights.h) {
    for (const ln of [block.ln_1, block.ln_2]) {
      free(ln.weight);
      free(ln.bias);
    }
    for (const conv of [block.attn.c_attn, block.attn.c_proj, block.mlp.c_fc, block.mlp.c_proj]) {
      free(conv.weight);
      free(conv.bias);
    }
  }
  free(weights.ln_f.weight);
  free(weights.ln_f.bias);
  free(weights.lm_head);
}
