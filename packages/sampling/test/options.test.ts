// Option validation at the boundary: names, ranges, cross-option rules, generation_config.json objects.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GenerationOptionError, generate, SamplingError, validateGenerationOptions } from '../src/index.js';
import { toyModel } from './toy-models.js';

function errorOf(fn: () => unknown): GenerationOptionError {
  try {
    fn();
  } catch (e) {
    if (GenerationOptionError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a GenerationOptionError');
}

describe('validateGenerationOptions', () => {
  it.each([
    [
      { temperature: -0.1 },
      'temperature',
      'temperature must be a finite number ≥ 0, got -0.1 (0 means greedy)',
    ],
    [{ top_p: 0 }, 'top_p', 'top_p must be a number in (0, 1], got 0'],
    [{ top_p: 1.5 }, 'top_p', 'top_p must be a number in (0, 1], got 1.5'],
    [{ top_k: -1 }, 'top_k', 'top_k must be an integer ≥ 0, got -1'],
    [{ top_k: 2.5 }, 'top_k', 'top_k must be an integer ≥ 0, got 2.5'],
    [{ num_beams: 0 }, 'num_beams', 'num_beams must be an integer ≥ 1, got 0'],
    [{ min_p: 2 }, 'min_p', 'min_p must be a number in [0, 1], got 2'],
    [{ typical_p: 0 }, 'typical_p', 'typical_p must be a number in (0, 1], got 0'],
    [
      { repetition_penalty: 0 },
      'repetition_penalty',
      'repetition_penalty must be a finite number > 0, got 0 (1 means no penalty)',
    ],
    [{ max_new_tokens: 0 }, 'max_new_tokens', 'max_new_tokens must be an integer ≥ 1, got 0'],
    [{ do_sample: 'yes' }, 'do_sample', 'do_sample must be true or false, got "yes"'],
    [
      { early_stopping: 'sometimes' },
      'early_stopping',
      `early_stopping must be true, false or 'never', got "sometimes"`,
    ],
    [
      { eos_token_id: -1 },
      'eos_token_id',
      'eos_token_id must be a token id or an array of token ids (integers ≥ 0), got -1',
    ],
    [{ seed: 1.5 }, 'seed', 'seed must be an integer in [0, 2^53) or a bigint in [0, 2^64), got 1.5'],
    [
      { stop_strings: [''] },
      'stop_strings',
      'stop_strings must be a non-empty string or an array of non-empty strings, got [""]',
    ],
  ])('%o → %s', (options, option, message) => {
    const e = errorOf(() => validateGenerationOptions(options));
    expect(e.option).toBe(option);
    expect(e.message).toBe(message);
    expect(e.code).toBe('invalid_option');
    expect(SamplingError.isInstance(e)).toBe(true);
  });

  it('rejects num_return_sequences > num_beams with beam search, and > 1 for greedy', () => {
    expect(errorOf(() => validateGenerationOptions({ num_beams: 2, num_return_sequences: 3 })).message).toBe(
      'num_return_sequences must be an integer in [1, num_beams = 2] with beam search, got 3',
    );
    expect(errorOf(() => validateGenerationOptions({ num_return_sequences: 2 })).message).toContain(
      'num_return_sequences must be 1 for greedy decoding, got 2',
    );
    expect(validateGenerationOptions({ num_return_sequences: 2, do_sample: true }).num_return_sequences).toBe(
      2,
    );
  });

  it('names the closest known option for a typo or a camelCase spelling', () => {
    const typo = errorOf(() => validateGenerationOptions({ temprature: 0.5 }));
    expect(typo.option).toBe('temprature');
    expect(typo.message).toMatch(/^unknown generation option temprature; did you mean temperature\?/);
    expect(errorOf(() => validateGenerationOptions({ maxNewTokens: 5 })).message).toContain(
      'did you mean max_new_tokens?',
    );
    expect(errorOf(() => validateGenerationOptions({ topP: 0.9 })).message).toContain('did you mean top_p?');
    expect(errorOf(() => validateGenerationOptions({ zzzzzzzz: 1 })).message).not.toContain('did you mean');
  });

  it("accepts a model's generation_config.json as is (bookkeeping keys ignored)", () => {
    const json = JSON.parse(
      readFileSync(new URL('../../../models/gpt2-tiny/generation_config.json', import.meta.url), 'utf8'),
    );
    const config = validateGenerationOptions({ ...json, max_new_tokens: 5 });
    expect(config.eos_token_id).toEqual([50256]);
    expect(config.bos_token_id).toBe(50256);
    expect(config.max_new_tokens).toBe(5);
  });

  it('accepts a full HF GenerationConfig dump: nulls are unset, unsupported options at their no-op value pass', () => {
    const config = validateGenerationOptions({
      max_length: 20,
      num_beam_groups: 1,
      diversity_penalty: 0.0,
      penalty_alpha: null,
      guidance_scale: null,
      output_scores: false,
      return_dict_in_generate: false,
      use_cache: true,
      forced_decoder_ids: null,
      top_k: 50,
      top_p: 1.0,
      typical_p: 1.0,
      min_p: null,
      constraints: null,
      transformers_version: '4.46.0',
    });
    expect(config.max_length).toBe(20);
    expect(config.min_p).toBeUndefined();
  });

  it('refuses HF options it does not implement when they would change the output', () => {
    const e = errorOf(() => validateGenerationOptions({ diversity_penalty: 0.5 }));
    expect(e.option).toBe('diversity_penalty');
    expect(e.message).toContain('does not implement');
  });

  it('normalises lists and merges logit_bias into sequence_bias', () => {
    const config = validateGenerationOptions({
      eos_token_id: 3,
      forced_eos_token_id: [4, 5],
      stop_strings: '\n\n',
      sequence_bias: [[[1, 2], -2]],
      logit_bias: { 7: Number.NEGATIVE_INFINITY },
    });
    expect(config.eos_token_id).toEqual([3]);
    expect(config.forced_eos_token_id).toEqual([4, 5]);
    expect(config.stop_strings).toEqual(['\n\n']);
    expect(config.sequence_bias).toEqual([
      [[1, 2], -2],
      [[7], Number.NEGATIVE_INFINITY],
    ]);
    expect(errorOf(() => validateGenerationOptions({ logit_bias: { abc: 1 } })).option).toBe('logit_bias');
  });
});

describe('generate() validates at the call, before any model work', () => {
  const model = toyModel(10, () => new Float32Array(10));

  it('throws synchronously for bad options and creates no session', () => {
    expect(() => generate(model, [1], { top_p: 2 })).toThrow(GenerationOptionError);
    expect(() => generate(model, [1], { stepTopK: 0 })).toThrow('stepTopK must be an integer ≥ 1, got 0');
    expect(model.stats.sessions).toBe(0);
  });

  it('checks token ids against the vocabulary', () => {
    expect(errorOf(() => generate(model, [1], { eos_token_id: 10 })).message).toBe(
      "eos_token_id must hold token ids in [0, 10) (the model's vocabSize), got 10",
    );
    expect(() => generate(model, [1, 12], {})).toThrow(
      "inputIds[1] must be a token id in [0, 10) (the model's vocabSize), got 12",
    );
  });

  it('requires decode for stop_strings', () => {
    expect(errorOf(() => generate(model, [1], { stop_strings: ['x'] })).message).toContain(
      'stop_strings needs a decode function',
    );
  });
});
