// The one place where the demo composes the packages: load a model and its tokenizer from any source,
// generate with streamed text and raw-logit steps, and the two extra forward passes the demo shows
// (prompt log-probability, attention maps). Used by the CLI and by the web page, so it imports no
// Node or DOM API.
import { GPT2LMHeadModel } from '@gpt2js/gpt2';
import { type HubOptions, tryOpenModelFile } from '@gpt2js/hub';
import {
  type CausalLM,
  type FinishReason,
  type GenerationOptions,
  generate,
  type StepEvent,
} from '@gpt2js/sampling';
import type { BackendName, BackendReport, KVCacheDType, WeightDType } from '@gpt2js/tensor';
import { GPT2Tokenizer } from '@gpt2js/tokenizer';
import { promptLogprob } from './logits.js';
import type { ProgressEvent } from './progress.js';

/** The tokenizer as the demo uses it. */
export type DemoTokenizer = GPT2Tokenizer;

/** A loaded model with everything the demo shows about it. */
export interface LoadedModel {
  readonly source: string;
  readonly model: GPT2LMHeadModel;
  readonly tokenizer: DemoTokenizer;
  /** generation_config.json as found next to the model ({} when absent). */
  readonly generationConfig: GenerationOptions;
  readonly backend: BackendReport;
  readonly dtype: WeightDType;
  readonly loadMs: number;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  backend?: BackendName | 'auto';
  dtype?: WeightDType;
  kvCacheDtype?: KVCacheDType;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  hub?: HubOptions;
}

// generation_config.json keys that are bookkeeping, not decoding options.
const BOOKKEEPING = /^(_|transformers_version$)/;

/** Reads generation_config.json when the model has one; only its decoding keys are kept. */
async function readGenerationConfig(source: string, hub: HubOptions): Promise<GenerationOptions> {
  const file = await tryOpenModelFile(source, 'generation_config.json', hub);
  if (!file) return {};
  try {
    const json = await file.json<Record<string, unknown>>();
    return Object.fromEntries(
      Object.entries(json).filter(([k]) => !BOOKKEEPING.test(k)),
    ) as GenerationOptions;
  } finally {
    await file.close();
  }
}

/** Loads the tokenizer (first: it is small, and the prompt can be checked before the weights load). */
export async function loadTokenizerFor(
  source: string,
  options: LoadModelOptions = {},
): Promise<DemoTokenizer> {
  return GPT2Tokenizer.fromPretrained(source, hubOptions(options));
}

function hubOptions(options: LoadModelOptions): HubOptions {
  return {
    ...options.hub,
    signal: options.signal,
    onProgress: (p) => {
      if (!p.fromCache)
        options.onProgress?.({ phase: 'download', file: p.file, loaded: p.loaded, total: p.total });
    },
  };
}

/**
 * Loads model, tokenizer and generation_config from a local directory (Node), a URL base or a hub id.
 *
 * @example
 * const loaded = await loadModel('models/gpt2-tiny', { backend: 'auto' });
 */
export async function loadModel(
  source: string,
  options: LoadModelOptions = {},
  tokenizer?: DemoTokenizer,
): Promise<LoadedModel> {
  const started = performance.now();
  const hub = hubOptions(options);
  const dtype = options.dtype ?? 'f32';
  const [tok, generationConfig, model] = await Promise.all([
    tokenizer ?? GPT2Tokenizer.fromPretrained(source, hub),
    readGenerationConfig(source, hub),
    GPT2LMHeadModel.fromPretrained(source, {
      ...hub,
      backend: options.backend ?? 'auto',
      dtype,
      kvCacheDtype: options.kvCacheDtype ?? 'f32',
      onProgress: (p) => options.onProgress?.(p),
    }),
  ]);
  return {
    source,
    model,
    tokenizer: tok,
    generationConfig,
    backend: model.backend.report(),
    dtype,
    loadMs: performance.now() - started,
  };
}

/** Encodes a prompt; `<|endoftext|>` written in the prompt is the special token, as in Hugging Face. */
export function encodePrompt(tokenizer: DemoTokenizer, prompt: string): number[] {
  return [...tokenizer.encode(prompt, { allowedSpecial: 'all' })];
}

/** Callbacks of one generation. */
export interface GenerationCallbacks {
  /** New text of a sequence, safe to show (whole characters; EOS not shown). */
  onText?: (text: string, row: number) => void;
  /** Raw top-k logits of each step (the CLI's --json). */
  onStep?: (event: StepEvent) => void;
  /** Full raw logits of the first row at each step (the page's probability bars), and the token chosen. */
  onLogits?: (logits: Float32Array, step: number) => void;
  signal?: AbortSignal;
}

/** What one generation produced. */
export interface GenerationOutcome {
  promptIds: number[];
  sequences: { ids: number[]; text: string }[];
  finishReason: FinishReason;
  seed: number | bigint | undefined;
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
  generatedTokens: number;
}

/** A CausalLM that hands the full first-row logits of every step to `onLogits` before sampling sees them. */
function observed(model: CausalLM, onLogits: (logits: Float32Array, step: number) => void): CausalLM {
  return {
    vocabSize: model.vocabSize,
    maxLength: model.maxLength,
    createSession(batch) {
      const inner = model.createSession(batch);
      let step = 0;
      return {
        get length() {
          return inner.length;
        },
        reorder: (rows) => inner.reorder(rows),
        dispose: () => inner.dispose(),
        async forward(ids) {
          const logits = await inner.forward(ids);
          const [first] = await logits.read();
          onLogits(first, step++);
          return logits;
        },
      };
    },
  };
}

/**
 * Generates from `promptIds`, streaming text through the tokenizer's stream decoder (one per row).
 * `options` are Hugging Face generation options (snake_case).
 */
export async function runGeneration(
  loaded: LoadedModel,
  promptIds: readonly number[],
  options: GenerationOptions,
  callbacks: GenerationCallbacks = {},
): Promise<GenerationOutcome> {
  const { model, tokenizer } = loaded;
  const decoders: ReturnType<DemoTokenizer['createStreamDecoder']>[] = [];
  const lm: CausalLM = callbacks.onLogits ? observed(model, callbacks.onLogits) : model;
  const run = generate(lm, promptIds, {
    ...options,
    decode: (ids) => tokenizer.decode(ids),
    signal: callbacks.signal,
    onStep: callbacks.onStep,
  });
  let result: Awaited<ReturnType<typeof run.next>>;
  for (;;) {
    result = await run.next();
    if (result.done) break;
    const { id, row } = result.value;
    decoders[row] ??= tokenizer.createStreamDecoder({ skipSpecialTokens: true });
    const text = decoders[row].push(id);
    if (text) callbacks.onText?.(text, row);
  }
  for (const [row, decoder] of decoders.entries()) {
    const rest = decoder?.flush();
    if (rest) callbacks.onText?.(rest, row);
  }
  const r = result.value;
  return {
    promptIds: [...promptIds],
    sequences: r.generatedIds.map((ids, i) => ({ ids, text: r.texts?.[i] ?? tokenizer.decode(ids) })),
    finishReason: r.finishReason,
    seed: r.seed,
    timeToFirstTokenMs: r.stats.timeToFirstTokenMs,
    tokensPerSecond: r.stats.tokensPerSecond,
    generatedTokens: r.stats.generatedTokens,
  };
}

/** Σ log p(ids[i] | ids[<i]) for i ≥ 1: one forward over the prompt with the logits of every position. */
export async function computePromptLogprob(model: GPT2LMHeadModel, ids: readonly number[]): Promise<number> {
  if (ids.length < 2) return 0;
  const out = await model.forward({ inputIds: [[...ids]], logitsFor: 'all', useCache: false });
  try {
    const logits = await out.logits.toArray();
    return promptLogprob(ids, logits, model.vocabSize);
  } finally {
    out.logits.dispose();
  }
}

/** Attention probabilities of every layer over `ids`: per layer a [nHead, T, T] array. */
export async function computeAttentions(
  model: GPT2LMHeadModel,
  ids: readonly number[],
): Promise<Float32Array[]> {
  const out = await model.forward({ inputIds: [[...ids]], outputAttentions: true, useCache: false });
  try {
    return await Promise.all((out.attentions ?? []).map((a) => a.toArray()));
  } finally {
    for (const a of out.attentions ?? []) a.dispose();
    out.logits.dispose();
  }
}
