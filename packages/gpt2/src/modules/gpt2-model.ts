// GPT2Model: wte + wpe → h[0 … n_layer) → ln_f (nanoGPT's GPT.forward without the head), with the KV cache,
// padding mask, position ids and the optional hidden states / attention probabilities of HF's outputs.

import {
  type Backend,
  embedding,
  type KVCache,
  type KVCacheDType,
  layerNorm,
  type Tensor,
} from '@gpt2js/tensor';
import type { GPT2Config } from '../config.js';
import { GPT2Error } from '../errors.js';
import { type LoadOptions, loadPretrained } from '../load/from-pretrained.js';
import { countParameters, gpt2ModelTree, renderModule, renderSummary } from '../module-tree.js';
import type { AttentionContext } from './attention.js';
import { block } from './block.js';
import { type ForwardInput, type PreparedInput, prepareInput } from './inputs.js';
import { disposeWeights, type GPT2Weights } from './weights.js';

/** Outputs of {@link GPT2Model.forward}. Tensors are yours: dispose them (or run inside `backend.scope`). */
export interface GPT2ModelOutput {
  /** ln_f of the last block: [batch·T, n_embd]. */
  lastHiddenState: Tensor;
  /** n_layer + 1 tensors [batch·T, n_embd]: embeddings, blocks 0 … n_layer−2, then ln_f(last block). */
  hiddenStates?: Tensor[];
  /** n_layer tensors [batch, n_head, T, past + T]. */
  attentions?: Tensor[];
  /** The cache, extended by T positions (absent only with `useCache: false`). */
  pastKeyValues?: KVCache;
}

/** @internal The head applied to the final hidden state inside the same scope (the LM head). */
export type Head = (last: Tensor /* [B·T, C] */, input: PreparedInput) => Tensor;

// Scopes are tracked per backend, so forward passes on one backend run one at a time.
const queues = new WeakMap<Backend, Promise<unknown>>();
function exclusive<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(backend) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  queues.set(
    backend,
    run.catch(() => undefined),
  );
  return run;
}

/** Options of the model constructors (`fromPretrained` sets them from its LoadOptions). */
export interface ModelOptions {
  /** Dispose the backend with the model. */
  ownsBackend?: boolean;
  /** Storage of the KV caches the model creates: 'f32' (default) or 'f16' (see LoadOptions). */
  kvCacheDtype?: KVCacheDType;
}

/**
 * Hugging Face's GPT2Model: the transformer without a head; returns hidden states.
 * @example
 * const model = await GPT2Model.fromPretrained('models/gpt2-tiny');
 * const { lastHiddenState, pastKeyValues } = await model.forward({ inputIds: [[15496, 11]] });
 * console.log(lastHiddenState.shape); // [2, 128]
 * lastHiddenState.dispose(); pastKeyValues?.dispose(); model.dispose();
 */
export class GPT2Model {
  readonly config: GPT2Config;
  readonly backend: Backend;
  readonly #weights: GPT2Weights;
  readonly #ownsBackend: boolean;
  readonly #scales: number[];
  /** Storage of the KV caches this model creates ('f16' keeps halves where the backend can: webasm). */
  readonly kvCacheDtype: KVCacheDType;
  #disposed = false;

  /** Wraps weights already on `backend` (see `fromPretrained` for loading). */
  constructor(config: GPT2Config, weights: GPT2Weights, backend: Backend, options: ModelOptions = {}) {
    this.config = config;
    this.backend = backend;
    this.#weights = weights;
    this.#ownsBackend = options.ownsBackend ?? false;
    this.kvCacheDtype = options.kvCacheDtype ?? 'f32';
    const base = config.scale_attn_weights ? 1 / Math.sqrt(config.headDim) : 1;
    this.#scales = Array.from({ length: config.n_layer }, (_, i) =>
      config.scale_attn_by_inverse_layer_idx ? base / (i + 1) : base,
    );
  }

  /**
   * Loads a checkpoint from a local directory, an http(s) base URL or a hub repo id.
   * @example const model = await GPT2Model.fromPretrained('gpt2', { dtype: 'f16' });
   */
  static async fromPretrained(source: string, options?: LoadOptions): Promise<GPT2Model> {
    const { config, weights, backend, ownsBackend, kvCacheDtype } = await loadPretrained(source, options);
    return new GPT2Model(config, weights, backend, { ownsBackend, kvCacheDtype });
  }

  /** @internal The loaded parameters (shared with the LM head model). */
  get weights(): GPT2Weights {
    this.#check();
    return this.#weights;
  }

  /** Runs the transformer over `inputIds` (appending to `pastKeyValues` when given). */
  async forward(input: ForwardInput): Promise<GPT2ModelOutput> {
    const out = await this.run(input);
    return out as GPT2ModelOutput;
  }

  /**
   * @internal The forward pass, with an optional head computed in the same scope. With a head, the result
   * holds `logits` and no `lastHiddenState` (unless hidden states were asked for).
   */
  async run(input: ForwardInput, head?: Head): Promise<GPT2ModelOutput & { logits?: Tensor }> {
    this.#check();
    const { config, backend } = this;
    const given = input.pastKeyValues;
    const prepared = prepareInput(input, config, given);
    const useCache = given !== undefined || (input.useCache ?? true);
    const cache =
      given ??
      backend.createKVCache({
        nLayer: config.n_layer,
        nHead: config.n_head,
        headDim: config.headDim,
        maxLength: useCache ? config.n_positions : prepared.steps,
        batch: prepared.batch,
        dtype: this.kvCacheDtype,
      });
    try {
      const out = await exclusive(backend, () =>
        backend.scope(() => this.#compute(prepared, cache, input, head)),
      );
      if (!useCache) cache.dispose();
      return useCache ? { ...out, pastKeyValues: cache } : out;
    } catch (e) {
      if (given === undefined) cache.dispose();
      else if (given.length > prepared.past) given.crop(prepared.past);
      throw e;
    }
  }

  async #compute(p: PreparedInput, cache: KVCache, input: ForwardInput, head: Head | undefined) {
    const { config } = this;
    const w = this.#weights;
    const eps = config.layer_norm_epsilon;
    const ctx: AttentionContext = {
      cache,
      batch: p.batch,
      ...(p.keyMask === undefined ? {} : { keyMask: p.keyMask }),
      returnProbs: input.outputAttentions === true,
      scales: this.#scales,
    };
    let x = embedding(w.wte, w.wpe, p.ids, p.positions); // [B·T, C] = wte[ids] + wpe[positions]
    const hiddenStates: Tensor[] | undefined = input.outputHiddenStates ? [x] : undefined;
    const attentions: Tensor[] | undefined = input.outputAttentions ? [] : undefined;
    for (let i = 0; i < config.n_layer; i++) {
      // one scope per block: its intermediates are freed as soon as it returns, so a long prompt holds
      // one block's activations at a time instead of all n_layer blocks' until the end of the pass
      const input = x;
      const out = await this.backend.scope(() => block(input, w.h[i]!, i, eps, ctx)); // [B·T, C]
      if (!hiddenStates) input.dispose();
      x = out.hidden;
      if (hiddenStates && i < config.n_layer - 1) hiddenStates.push(x);
      if (attentions && out.probs) attentions.push(out.probs);
    }
    cache.advance(p.steps);
    const last = layerNorm(x, w.ln_f.weight, w.ln_f.bias, eps); // [B·T, C]
    hiddenStates?.push(last);
    const extras = {
      ...(hiddenStates === undefined ? {} : { hiddenStates }),
      ...(attentions === undefined ? {} : { attentions }),
    };
    if (head === undefined) return { lastHiddenState: last, ...extras };
    return { logits: head(last, p), ...extras } as GPT2ModelOutput & { logits: Tensor };
  }

  /** `print(model)`: the module tree in PyTorch's format, as transformers shows it. */
  toString(): string {
    return renderModule(gpt2ModelTree(this.config));
  }

  /** Parameter count per module and the total. */
  summary(): string {
    return renderSummary(gpt2ModelTree(this.config));
  }

  /** Unique parameters (HF's `num_parameters()`): 124,439,808 for gpt2. */
  numParameters(): number {
    return countParameters(gpt2ModelTree(this.config));
  }

  /** Frees the weights (and the backend when `fromPretrained` created it). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    // a backend of its own goes whole (it frees every weight, without scrubbing memory it drops)
    if (this.#ownsBackend) this.backend.dispose();
    else disposeWeights(this.#weights);
  }

  /** True after dispose(). */
  get disposed(): boolean {
    return this.#disposed;
  }

  #check(): void {
    if (this.#disposed) throw new GPT2Error('disposed', 'this model was disposed; load it again');
  }
}
