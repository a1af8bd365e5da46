// GPT2Config: every field of Hugging Face's GPT2Config with its name and default, validated once at the
// boundary (before any allocation), and printed exactly like `print(config)` in transformers.

import { type HubOptions, openModelFile } from '@gpt2js/hub';
import { ConfigError } from './errors.js';
import { pyJsonDumps } from './python-json.js';
import { PRESETS, type PresetName } from './sizes.js';

/** Activation functions gpt2js implements (HF's `ACT2FN` names). */
export const SUPPORTED_ACTIVATIONS = ['gelu_new'] as const;

/** The GPT-2 fields of Hugging Face's GPT2Config, with HF's names (snake_case, as in config.json). */
export interface GPT2ConfigFields {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_inner: number | null;
  activation_function: string;
  resid_pdrop: number;
  embd_pdrop: number;
  attn_pdrop: number;
  layer_norm_epsilon: number;
  initializer_range: number;
  summary_type: string;
  summary_use_proj: boolean;
  summary_activation: string | null;
  summary_proj_to_labels: boolean;
  summary_first_dropout: number;
  scale_attn_weights: boolean;
  use_cache: boolean;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
  scale_attn_by_inverse_layer_idx: boolean;
  reorder_and_upcast_attn: boolean;
  /** From PretrainedConfig: share the LM head with `wte` (HF default true). */
  tie_word_embeddings: boolean;
  architectures: string[] | null;
  task_specific_params: Record<string, unknown> | null;
  pad_token_id: number | null;
}

/** Hugging Face's defaults: `GPT2Config()` in transformers (the 124M `gpt2` shape). */
export const GPT2_DEFAULTS: Readonly<GPT2ConfigFields> = Object.freeze({
  vocab_size: 50257,
  n_positions: 1024,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  n_inner: null,
  activation_function: 'gelu_new',
  resid_pdrop: 0.1,
  embd_pdrop: 0.1,
  attn_pdrop: 0.1,
  layer_norm_epsilon: 1e-5,
  initializer_range: 0.02,
  summary_type: 'cls_index',
  summary_use_proj: true,
  summary_activation: null,
  summary_proj_to_labels: true,
  summary_first_dropout: 0.1,
  scale_attn_weights: true,
  use_cache: true,
  bos_token_id: 50256,
  eos_token_id: 50256,
  scale_attn_by_inverse_layer_idx: false,
  reorder_and_upcast_attn: false,
  tie_word_embeddings: true,
  architectures: null,
  task_specific_params: null,
  pad_token_id: null,
});

// Fields that are Python floats in HF (printed as `0.1`, `1e-05`, `0.0`).
const FLOAT_FIELDS = new Set([
  'resid_pdrop',
  'embd_pdrop',
  'attn_pdrop',
  'layer_norm_epsilon',
  'initializer_range',
  'summary_first_dropout',
]);
// PretrainedConfig fields: printed only when they differ from PretrainedConfig's own default (to_diff_dict).
const BASE_DEFAULTS: Record<string, unknown> = {
  tie_word_embeddings: true,
  architectures: null,
  task_specific_params: null,
  pad_token_id: null,
  add_cross_attention: false,
  torch_dtype: null,
  dtype: null,
  is_decoder: false,
  is_encoder_decoder: false,
  output_hidden_states: false,
  output_attentions: false,
  return_dict: true,
  torchscript: false,
  use_bfloat16: false,
  pruned_heads: {},
  chunk_size_feed_forward: 0,
  finetuning_task: null,
  tokenizer_class: null,
  prefix: null,
  sep_token_id: null,
  decoder_start_token_id: null,
  problem_type: null,
  cross_attention_hidden_size: null,
  tf_legacy_loss: false,
  id2label: { 0: 'LABEL_0', 1: 'LABEL_1' },
  label2id: { LABEL_0: 0, LABEL_1: 1 },
};

type Check = (value: unknown) => string | undefined; // returns the expectation when the value is invalid

const int =
  (min: number, max: number, nullable = false): Check =>
  (v) =>
    (nullable && v === null) || (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)
      ? undefined
      : `${nullable ? 'null or ' : ''}an integer in [${min}, ${max.toLocaleString('en-US')}]`;
const float =
  (min: number, max: number, minExclusive = false): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max
      ? undefined
      : `a number in ${minExclusive ? '(' : '['}${min}, ${max}]`;
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const str =
  (nullable: boolean): Check =>
  (v) =>
    typeof v === 'string' || (nullable && v === null)
      ? undefined
      : nullable
        ? 'a string or null'
        : 'a string';
const tokenId: Check = (v) =>
  v === null ||
  (typeof v === 'number' && Number.isInteger(v) && v >= 0) ||
  (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0))
    ? undefined
    : 'null, a token id (integer ≥ 0) or a non-empty array of token ids';

// Ranges are generous for real GPT-2 variants but refuse absurd values (n_positions 10^9) before anything is
// allocated: n_positions sizes wpe and every KV cache.
const CHECKS: Record<keyof GPT2ConfigFields, Check> = {
  vocab_size: int(1, 16_777_216),
  n_positions: int(1, 131_072),
  n_embd: int(1, 65_536),
  n_layer: int(1, 1024),
  n_head: int(1, 4096),
  n_inner: int(1, 262_144, true),
  activation_function: str(false),
  resid_pdrop: float(0, 1),
  embd_pdrop: float(0, 1),
  attn_pdrop: float(0, 1),
  layer_norm_epsilon: float(0, 1, true),
  initializer_range: float(0, 10),
  summary_type: str(false),
  summary_use_proj: bool,
  summary_activation: str(true),
  summary_proj_to_labels: bool,
  summary_first_dropout: float(0, 1),
  scale_attn_weights: bool,
  use_cache: bool,
  bos_token_id: tokenId,
  eos_token_id: tokenId,
  scale_attn_by_inverse_layer_idx: bool,
  reorder_and_upcast_attn: bool,
  tie_word_embeddings: bool,
  architectures: (v) =>
    v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'))
      ? undefined
      : 'null or an array of strings',
  task_specific_params: (v) =>
    v === null || (typeof v === 'object' && !Array.isArray(v)) ? undefined : 'null or an object',
  pad_token_id: int(0, Number.MAX_SAFE_INTEGER, true),
};
const FIELD_NAMES = Object.keys(CHECKS) as (keyof GPT2ConfigFields)[];

function describe(v: unknown): string {
  if (typeof v === 'string') return `${JSON.stringify(v)} (string)`;
  if (Array.isArray(v)) return `${JSON.stringify(v).slice(0, 60)} (array)`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${String(v)} (${typeof v})`;
}

/**
 * The configuration of a GPT-2 model, with Hugging Face's field names and defaults.
 * `new GPT2Config()` is the 124M `gpt2` shape, like `GPT2Config()` in transformers.
 * @example
 * const config = await GPT2Config.fromPretrained('models/gpt2-tiny');
 * console.log(String(config)); // GPT2Config { "activation_function": "gelu_new", … }
 */
export class GPT2Config implements GPT2ConfigFields {
  vocab_size = GPT2_DEFAULTS.vocab_size;
  n_positions = GPT2_DEFAULTS.n_positions;
  n_embd = GPT2_DEFAULTS.n_embd;
  n_layer = GPT2_DEFAULTS.n_layer;
  n_head = GPT2_DEFAULTS.n_head;
  n_inner: number | null = GPT2_DEFAULTS.n_inner;
  activation_function = GPT2_DEFAULTS.activation_function;
  resid_pdrop = GPT2_DEFAULTS.resid_pdrop;
  embd_pdrop = GPT2_DEFAULTS.embd_pdrop;
  attn_pdrop = GPT2_DEFAULTS.attn_pdrop;
  layer_norm_epsilon = GPT2_DEFAULTS.layer_norm_epsilon;
  initializer_range = GPT2_DEFAULTS.initializer_range;
  summary_type = GPT2_DEFAULTS.summary_type;
  summary_use_proj = GPT2_DEFAULTS.summary_use_proj;
  summary_activation: string | null = GPT2_DEFAULTS.summary_activation;
  summary_proj_to_labels = GPT2_DEFAULTS.summary_proj_to_labels;
  summary_first_dropout = GPT2_DEFAULTS.summary_first_dropout;
  scale_attn_weights = GPT2_DEFAULTS.scale_attn_weights;
  use_cache = GPT2_DEFAULTS.use_cache;
  bos_token_id: number | null = GPT2_DEFAULTS.bos_token_id;
  eos_token_id: number | number[] | null = GPT2_DEFAULTS.eos_token_id;
  scale_attn_by_inverse_layer_idx = GPT2_DEFAULTS.scale_attn_by_inverse_layer_idx;
  reorder_and_upcast_attn = GPT2_DEFAULTS.reorder_and_upcast_attn;
  tie_word_embeddings = GPT2_DEFAULTS.tie_word_embeddings;
  architectures: string[] | null = GPT2_DEFAULTS.architectures;
  task_specific_params: Record<string, unknown> | null = GPT2_DEFAULTS.task_specific_params;
  pad_token_id: number | null = GPT2_DEFAULTS.pad_token_id;
  /** `model_type` is always `gpt2`. */
  readonly model_type = 'gpt2';
  /** Other config.json keys (`n_ctx`, `torch_dtype`, `transformers_version`, …), kept for printing. */
  readonly extra: Record<string, unknown> = {};

  /**
   * @param fields HF field names; anything not given takes HF's default. Validated: throws {@link ConfigError}.
   * @param source what to name in error messages (e.g. `models/gpt2-tiny/config.json`)
   */
  constructor(fields: Partial<GPT2ConfigFields> & Record<string, unknown> = {}, source = 'GPT2Config') {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new ConfigError(`${source}: expected a JSON object of config fields, got ${describe(fields)}`);
    }
    const self = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (key in CHECKS) {
        if (value === undefined) continue;
        const expected = CHECKS[key as keyof GPT2ConfigFields](value);
        if (expected !== undefined) {
          throw new ConfigError(`${source}: ${key} must be ${expected}, got ${describe(value)}`, key);
        }
        self[key] = value;
      } else if (key === 'model_type') {
        if (value !== 'gpt2') {
          throw new ConfigError(
            `${source}: model_type is ${describe(value)}, expected "gpt2"; gpt2js loads GPT-2 checkpoints only`,
            key,
          );
        }
      } else if (key === 'add_cross_attention') {
        if (value !== false) {
          throw new ConfigError(
            `${source}: add_cross_attention must be false; cross-attention (encoder-decoder GPT-2) is not implemented`,
            key,
          );
        }
      } else if (!key.startsWith('_')) {
        this.extra[key] = value;
      }
    }
    this.validate(source);
  }

  private validate(source: string): void {
    if (this.n_embd % this.n_head !== 0) {
      throw new ConfigError(
        `${source}: n_embd (${this.n_embd}) must be divisible by n_head (${this.n_head}); each head gets n_embd / n_head dimensions`,
        'n_embd',
      );
    }
    if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(this.activation_function)) {
      throw new ConfigError(
        `${source}: activation_function "${this.activation_function}" is not implemented by gpt2js; supported: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
        'activation_function',
      );
    }
    const ids = [this.bos_token_id, this.pad_token_id, ...[this.eos_token_id].flat()];
    for (const id of ids) {
      if (id !== null && id >= this.vocab_size) {
        throw new ConfigError(
          `${source}: special token id ${id} is outside the vocabulary (vocab_size ${this.vocab_size})`,
          'vocab_size',
        );
      }
    }
  }

  /** HF's `hidden_size` (attribute_map alias of n_embd). */
  get hidden_size(): number {
    return this.n_embd;
  }
  /** HF's `num_attention_heads` (alias of n_head). */
  get num_attention_heads(): number {
    return this.n_head;
  }
  /** HF's `num_hidden_layers` (alias of n_layer). */
  get num_hidden_layers(): number {
    return this.n_layer;
  }
  /** HF's `max_position_embeddings` (alias of n_positions). */
  get max_position_embeddings(): number {
    return this.n_positions;
  }
  /** n_embd / n_head. */
  get headDim(): number {
    return this.n_embd / this.n_head;
  }
  /** Width of the MLP: n_inner, or 4·n_embd when n_inner is null. */
  get innerDim(): number {
    return this.n_inner ?? 4 * this.n_embd;
  }

  /** Parses a config.json object (validated; throws {@link ConfigError} naming the field and the range). */
  static fromJSON(json: unknown, source = 'config.json'): GPT2Config {
    return new GPT2Config(json as Record<string, unknown>, source);
  }

  /**
   * Reads `config.json` from a local directory, a URL base or a hub repo id (through @gpt2js/hub).
   * @example const config = await GPT2Config.fromPretrained('gpt2');
   */
  static async fromPretrained(source: string, options?: HubOptions): Promise<GPT2Config> {
    const file = await openModelFile(source, 'config.json', options);
    try {
      const text = await file.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new ConfigError(`${source}/config.json is not valid JSON: ${(e as Error).message}`);
      }
      return GPT2Config.fromJSON(json, `${source}/config.json`);
    } finally {
      await file.close();
    }
  }

  /**
   * The configuration of a published GPT-2 size, as on the hub.
   * @example GPT2Config.preset('gpt2-medium').n_layer // 24
   */
  static preset(name: PresetName): GPT2Config {
    const preset = PRESETS[name];
    if (preset === undefined) {
      throw new ConfigError(
        `unknown preset "${String(name)}"; choose one of ${Object.keys(PRESETS).join(', ')}`,
      );
    }
    return new GPT2Config(structuredClone(preset) as Record<string, unknown>, `preset ${name}`);
  }

  /** A copy with some fields changed (validated). */
  with(fields: Partial<GPT2ConfigFields>): GPT2Config {
    return new GPT2Config({ ...this.toDict(), ...fields });
  }

  /** Every field (HF's `to_dict()`, without transformers_version unless config.json had it). */
  toDict(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.extra };
    for (const key of FIELD_NAMES)
      out[key] = structuredClone((this as unknown as Record<string, unknown>)[key]);
    out.model_type = this.model_type;
    return out;
  }

  /** The fields HF serialises (`to_diff_dict()`): GPT-2 fields always, PretrainedConfig ones when not default. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.toDict())) {
      if (key in BASE_DEFAULTS && JSON.stringify(value) === JSON.stringify(BASE_DEFAULTS[key])) continue;
      out[key] = value;
    }
    return out;
  }

  /** `print(config)` in transformers: `GPT2Config {` + sorted, 2-space-indented JSON + `}` and a newline. */
  toString(): string {
    return `GPT2Config ${pyJsonDumps(this.toJSON(), (k) => FLOAT_FIELDS.has(k))}\n`;
  }
}
