// GPT2Config: HF defaults, HF's print format, presets and validation (before any allocation).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPT2Config } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { countParameters, lmHeadModelTree } from '../src/module-tree.js';

const MODELS = resolve(import.meta.dirname, '../../../models');

describe('GPT2Config defaults', () => {
  it('has every field of transformers GPT2Config.__init__ with its default', () => {
    // From transformers/models/gpt2/configuration_gpt2.py, GPT2Config.__init__ signature.
    const hf = {
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
    };
    const config = new GPT2Config();
    for (const [key, value] of Object.entries(hf)) {
      expect((config as unknown as Record<string, unknown>)[key], key).toEqual(value);
    }
    expect(config.model_type).toBe('gpt2');
    expect(config.tie_word_embeddings).toBe(true);
    // attribute_map aliases
    expect([
      config.hidden_size,
      config.num_attention_heads,
      config.num_hidden_layers,
      config.max_position_embeddings,
    ]).toEqual([768, 12, 12, 1024]);
  });

  it('prints like print(GPT2Config()) in transformers (without transformers_version)', () => {
    const expected = `GPT2Config {
  "activation_function": "gelu_new",
  "attn_pdrop": 0.1,
  "bos_token_id": 50256,
  "embd_pdrop": 0.1,
  "eos_token_id": 50256,
  "initializer_range": 0.02,
  "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2",
  "n_embd": 768,
  "n_head": 12,
  "n_inner": null,
  "n_layer": 12,
  "n_positions": 1024,
  "reorder_and_upcast_attn": false,
  "resid_pdrop": 0.1,
  "scale_attn_by_inverse_layer_idx": false,
  "scale_attn_weights": true,
  "summary_activation": null,
  "summary_first_dropout": 0.1,
  "summary_proj_to_labels": true,
  "summary_type": "cls_index",
  "summary_use_proj": true,
  "use_cache": true,
  "vocab_size": 50257
}
`;
    expect(String(new GPT2Config())).toBe(expected);
  });
});

describe('GPT2Config.fromPretrained', () => {
  it.each(['gpt2-tiny', 'gpt2-odd'])(
    '%s prints exactly as transformers wrote its config.json (sorted keys, 2-space indent)',
    async (name) => {
      const dir = resolve(MODELS, name);
      const config = await GPT2Config.fromPretrained(dir);
      const file = readFileSync(resolve(dir, 'config.json'), 'utf8').trimEnd();
      expect(config.toString()).toBe(`GPT2Config ${file}\n`);
    },
  );

  it('reads the odd fixture fields', async () => {
    const config = await GPT2Config.fromPretrained(resolve(MODELS, 'gpt2-odd'));
    expect([config.n_layer, config.n_head, config.n_embd, config.n_inner, config.innerDim]).toEqual([
      3, 3, 48, 80, 80,
    ]);
    expect(config.scale_attn_by_inverse_layer_idx).toBe(true);
    expect(config.extra.n_ctx).toBe(64);
  });
});

describe('presets', () => {
  // Parameter counts of the hub checkpoints (HF num_parameters(), tied head counted once).
  it.each([
    ['gpt2', 124_439_808],
    ['gpt2-medium', 354_823_168],
    ['gpt2-large', 774_030_080],
    ['gpt2-xl', 1_557_611_200],
    ['distilgpt2', 81_912_576],
  ] as const)('%s has %d parameters', (name, count) => {
    expect(countParameters(lmHeadModelTree(GPT2Config.preset(name)))).toBe(count);
  });

  it('rejects an unknown preset naming the choices', () => {
    expect(() => GPT2Config.preset('gpt3' as 'gpt2')).toThrow(
      /unknown preset "gpt3"; choose one of gpt2, gpt2-medium/,
    );
  });
});

describe('validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['n_embd % n_head', { n_embd: 770, n_head: 12 }, /n_embd \(770\) must be divisible by n_head \(12\)/],
    [
      'unknown activation',
      { activation_function: 'relu' },
      /activation_function "relu" is not implemented.*supported: gelu_new/,
    ],
    ['n_head 0', { n_head: 0 }, /n_head must be an integer in \[1, 4,096\], got 0/],
    ['vocab_size negative', { vocab_size: -5 }, /vocab_size must be an integer in \[1, 16,777,216\], got -5/],
    [
      'n_positions 10^9',
      { n_positions: 1e9 },
      /n_positions must be an integer in \[1, 131,072\], got 1000000000/,
    ],
    ['string number', { n_embd: '768' }, /n_embd must be an integer .*got "768" \(string\)/],
    ['float layer count', { n_layer: 1.5 }, /n_layer must be an integer/],
    [
      'boolean as string',
      { scale_attn_weights: 'yes' },
      /scale_attn_weights must be true or false, got "yes"/,
    ],
    ['negative epsilon', { layer_norm_epsilon: -1 }, /layer_norm_epsilon must be a number in \(0, 1\]/],
    ['dropout > 1', { attn_pdrop: 2 }, /attn_pdrop must be a number in \[0, 1\]/],
    ['other model', { model_type: 'llama' }, /model_type is "llama" \(string\), expected "gpt2"/],
    [
      'eos outside vocab',
      { vocab_size: 100 },
      /special token id 50256 is outside the vocabulary \(vocab_size 100\)/,
    ],
    ['cross attention', { add_cross_attention: true }, /add_cross_attention must be false/],
    ['null n_embd', { n_embd: null }, /n_embd must be an integer.*got null/],
  ];
  it.each(cases)('%s → ConfigError naming the field', (_, fields, message) => {
    let error: unknown;
    try {
      GPT2Config.fromJSON(fields, 'test/config.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^test\/config\.json: /);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a non-object config', () => {
    expect(() => GPT2Config.fromJSON([1, 2])).toThrow(ConfigError);
    expect(() => GPT2Config.fromJSON(null)).toThrow(/expected a JSON object/);
  });

  it('keeps unknown keys for printing and ignores private ones', () => {
    const config = GPT2Config.fromJSON({ n_ctx: 1024, _name_or_path: 'x', custom: [1] });
    expect(config.toJSON()).toMatchObject({ n_ctx: 1024, custom: [1] });
    expect(config.toJSON()).not.toHaveProperty('_name_or_path');
  });
});
