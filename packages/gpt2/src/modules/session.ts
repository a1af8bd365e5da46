// The CausalLM side of generation: a session owns one KV cache; each step returns the last-position logits
// still on the device, so greedy decoding reads back one id per row (argmax/topk on the device, or in place on
// the CPU engines), sampling with a top-k its k + 1 candidates, and only a sampler that needs full rows pays
// for reading them.

import type { CausalLMSession, StepLogits } from '@gpt2js/sampling';
import { argmax, type KVCache, type Tensor, takeRows, topk } from '@gpt2js/tensor';
import { GPT2Error } from '../errors.js';
import type { GPT2LMHeadModel } from './lm-head-model.js';

/** StepLogits over a device tensor [batch, vocab]. */
export class DeviceStepLogits implements StepLogits {
  readonly batch: number;
  readonly vocabSize: number;
  readonly #logits: Tensor;

  constructor(logits: Tensor /* [batch, vocab] */) {
    const [batch, vocab] = logits.shape as [number, number];
    this.batch = batch;
    this.vocabSize = vocab;
    this.#logits = logits;
  }

  #check(what: string): void {
    if (this.#logits.disposed) throw new GPT2Error('disposed', `StepLogits.${what}() called after dispose()`);
  }

  async read(into?: Float32Array): Promise<Float32Array[]> {
    this.#check('read');
    // the rows are views of one array, fresh or the caller's (read back for this call only): no second copy
    // of 200 KB a row
    const all = await this.#logits.toArray(into);
    return Array.from({ length: this.batch }, (_, b) =>
      all.subarray(b * this.vocabSize, (b + 1) * this.vocabSize),
    );
  }

  async argmax(): Promise<Int32Array> {
    this.#check('argmax');
    return argmax(this.#logits);
  }

  async topk(k: number): Promise<{ indices: Int32Array; values: Float32Array }[]> {
    this.#check('topk');
    const { indices, values } = await topk(this.#logits, k);
    const n = indices.length / this.batch;
    return Array.from({ length: this.batch }, (_, b) => ({
      indices: indices.slice(b * n, (b + 1) * n),
      values: values.slice(b * n, (b + 1) * n),
    }));
  }

  dispose(): void {
    if (!this.#logits.disposed) this.#logits.dispose();
  }
}

/**
 * One generation's KV cache on the model's backend (n_positions long). When the first forward gives every row
 * the same tokens (a prompt for several beams or sequences), they are computed once, for one row, and the
 * cache is expanded to every row: a 640-token prompt for 4 beams took 5–6× one row's prefill.
 */
export class GPT2Session implements CausalLMSession {
  readonly #model: GPT2LMHeadModel;
  /** Created by the first call that needs it (a shared prompt makes it by expanding a one-row cache). */
  #cache: KVCache | undefined;
  #disposed = false;
  readonly batch: number;

  constructor(model: GPT2LMHeadModel, batch: number) {
    if (!Number.isInteger(batch) || batch < 1 || batch > 4096) {
      throw new GPT2Error('invalid_option', `session batch must be an integer in [1, 4096], got ${batch}`);
    }
    this.#model = model;
    this.batch = batch;
  }

  #create(batch: number): KVCache {
    if (this.#disposed) throw new GPT2Error('disposed', 'the generation session was disposed');
    const { config } = this.#model;
    return this.#model.backend.createKVCache({
      nLayer: config.n_layer,
      nHead: config.n_head,
      headDim: config.headDim,
      maxLength: config.n_positions,
      batch,
      dtype: this.#model.transformer.kvCacheDtype,
    });
  }

  #rows(): KVCache {
    this.#cache ??= this.#create(this.batch);
    return this.#cache;
  }

  get length(): number {
    return this.#cache?.length ?? 0;
  }

  async forward(ids: readonly (readonly number[])[]): Promise<StepLogits> {
    if (this.#cache === undefined && this.batch > 1 && ids.length === this.batch && sameRows(ids)) {
      return this.#sharedPrompt(ids[0]!);
    }
    const { logits } = await this.#model.forward({
      inputIds: ids,
      pastKeyValues: this.#rows(),
      logitsFor: 'last',
    });
    return new DeviceStepLogits(logits); // [batch, vocab]
  }

  /** The prompt of every row, computed for one: its cache expanded to every row, its logits repeated. */
  async #sharedPrompt(prompt: readonly number[]): Promise<StepLogits> {
    const one = this.#create(1);
    try {
      const { logits } = await this.#model.forward({
        inputIds: [prompt],
        pastKeyValues: one,
        logitsFor: 'last',
      });
      try {
        if (this.#disposed) throw new GPT2Error('disposed', 'the generation session was disposed');
        const rows = new Array<number>(this.batch).fill(0);
        this.#cache = one.expand(rows);
        return new DeviceStepLogits(takeRows(logits, rows)); // [batch, vocab]
      } finally {
        logits.dispose();
      }
    } finally {
      one.dispose();
    }
  }

  reorder(rows: readonly number[]): void {
    this.#rows().reorder(rows);
  }

  /** Forgets positions from `length` on (e.g. to restart a chunk of generation). */
  crop(length: number): void {
    this.#rows().crop(length);
  }

  dispose(): void {
    this.#disposed = true;
    this.#cache?.dispose();
  }
}

/** Whether every row holds the same ids. */
function sameRows(ids: readonly (readonly number[])[]): boolean {
  const [first] = ids;
  return ids.every((row) => row.length === first!.length && row.every((id, i) => id === first![i]));
}
