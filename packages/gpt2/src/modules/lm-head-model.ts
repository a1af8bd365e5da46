// GPT2LMHeadModel: GPT2Model + the LM head (logits = h · wteᵀ when tied, as in HF and nanoGPT). Implements
// sampling's CausalLM, so `generate` drives it. For generation the head runs on the last position of each row
// only ('last'), skipping vocab × n_embd work for every other prompt position.

import type { CausalLM, CausalLMSession } from '@gpt2js/sampling';
import { type Backend, type KVCache, linear, type Tensor, takeRows, type Weight } from '@gpt2js/tensor';
import type { GPT2Config } from '../config.js';
import { GPT2Error } from '../errors.js';
import { type LoadOptions, loadPretrained } from '../load/from-pretrained.js';
import { countParameters, lmHeadModelTree, renderModule, renderSummary } from '../module-tree.js';
import { GPT2Model, type Head, type ModelOptions } from './gpt2-model.js';
import type { ForwardInput } from './inputs.js';
import { GPT2Session } from './session.js';
import type { GPT2Weights } from './weights.js';

/** Inputs of {@link GPT2LMHeadModel.forward}. */
export interface LMForwardInput extends ForwardInput {
  /** 'last' (default): logits of the last position of each row, [batch, vocab]. 'all': [batch·T, vocab]. */
  logitsFor?: 'last' | 'all';
}

/** Outputs of {@link GPT2LMHeadModel.forward}. */
export interface LMOutput {
  /** [batch, vocab_size] for 'last', [batch·T, vocab_size] for 'all'. */
  logits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
  /** Absent only with `useCache: false`. */
  pastKeyValues?: KVCache;
}

/**
 * Hugging Face's GPT2LMHeadModel: next-token logits, and a {@link CausalLM} for `generate`.
 * @example
 * const model = await GPT2LMHeadModel.fromPretrained('models/gpt2-tiny');
 * const { logits, pastKeyValues } = await model.forward({ inputIds: [[15496, 11, 314]] });
 * console.log(logits.shape); // [1, 50257]
 * logits.dispose(); pastKeyValues?.dispose(); model.dispose();
 */
export class GPT2LMHeadModel implements CausalLM {
  /** The transformer (HF's `model.transformer`). */
  readonly transformer: GPT2Model;
  readonly #head: Weight;

  constructor(config: GPT2Config, weights: GPT2Weights, backend: Backend, options: ModelOptions = {}) {
    this.transformer = new GPT2Model(config, weights, backend, options);
    this.#head = weights.lm_head ?? weights.wte;
  }

  /**
   * Loads a checkpoint from a local directory, an http(s) base URL or a hub repo id.
   * @example const model = await GPT2LMHeadModel.fromPretrained('gpt2', { dtype: 'int8' });
   */
  static async fromPretrained(source: string, options?: LoadOptions): Promise<GPT2LMHeadModel> {
    const { config, weights, backend, ownsBackend, kvCacheDtype } = await loadPretrained(source, options);
    return new GPT2LMHeadModel(config, weights, backend, { ownsBackend, kvCacheDtype });
  }

  /** The model's configuration. */
  get config(): GPT2Config {
    return this.transformer.config;
  }
  /** The backend holding the weights. */
  get backend(): Backend {
    return this.transformer.backend;
  }
  /** CausalLM: vocab_size. */
  get vocabSize(): number {
    return this.config.vocab_size;
  }
  /** CausalLM: n_positions. */
  get maxLength(): number {
    return this.config.n_positions;
  }

  /** Logits for the next token (and HF's optional outputs). */
  async forward(input: LMForwardInput): Promise<LMOutput> {
    const logitsFor = input.logitsFor ?? 'last';
    if (logitsFor !== 'last' && logitsFor !== 'all') {
      throw new GPT2Error(
        'invalid_option',
        `logitsFor must be 'last' or 'all', got ${JSON.stringify(logitsFor)}`,
      );
    }
    const head: Head = (last, p) => {
      // last: [B·T, C] → x: [B, C] (row b·T + T−1 of each sequence) or all rows → logits: x · wteᵀ
      const x =
        logitsFor === 'all' || p.steps === 1
          ? last
          : takeRows(
              last,
              Array.from({ length: p.batch }, (_, b) => b * p.steps + p.steps - 1),
            );
      return linear(x, this.#head); // [B, V] or [B·T, V]
    };
    const { logits, ...rest } = await this.transformer.run(input, head);
    return { logits: logits!, ...rest };
  }

  /** CausalLM: a generation session of `batch` rows with its own KV cache (n_positions long). */
  createSession(batch: number): CausalLMSession {
    return new GPT2Session(this, batch);
  }

  /** `print(model)`: the module tree in PyTorch's format, as transformers shows it. */
  toString(): string {
    return renderModule(lmHeadModelTree(this.config));
  }

  /** Parameter count per module and the total (the tied head counts once, as in HF). */
  summary(): string {
    return renderSummary(lmHeadModelTree(this.config));
  }

  /** Unique parameters (HF's `num_parameters()`): 124,439,808 for gpt2. */
  numParameters(): number {
    return countParameters(lmHeadModelTree(this.config));
  }

  /** Frees the weights (and the backend when `fromPretrained` created it). Idempotent. */
  dispose(): void {
    this.transformer.dispose();
  }

  /** True after dispose(). */
  get disposed(): boolean {
    return this.transformer.disposed;
  }
}
