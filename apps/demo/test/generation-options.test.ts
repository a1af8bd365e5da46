// From command line + generation_config.json to generation options: sampling by default with HF's
// defaults, greedy on request, the model's own values kept, and the context limit.
import { describe, expect, it } from 'vitest';
import { planGenerationOptions } from '../src/generation-options.js';
import { parseCliOptions } from '../src/options.js';

const tiny = { promptLength: 8, context: 256, eos: 50256 };

describe('planGenerationOptions', () => {
  it('samples with temperature 1, top-k 50, top-p 1 by default, stopping at EOS', () => {
    const { options, note } = planGenerationOptions(parseCliOptions(['x']), {}, tiny);
    expect(options).toEqual({
      do_sample: true,
      temperature: 1,
      top_k: 50,
      top_p: 1,
      num_return_sequences: 1,
      eos_token_id: 50256,
      max_new_tokens: 50,
    });
    expect(note).toBeUndefined();
  });

  it("uses the model's generation_config, and the command line over it", () => {
    const config = { top_k: 40, temperature: 0.8, eos_token_id: 7, max_length: 50, bos_token_id: 7 };
    const a = planGenerationOptions(parseCliOptions(['x']), config, tiny).options;
    expect(a).toMatchObject({
      do_sample: true,
      top_k: 40,
      temperature: 0.8,
      eos_token_id: 7,
      bos_token_id: 7,
    });
    expect(a.max_length).toBeUndefined();
    const b = planGenerationOptions(parseCliOptions(['--top-k', '5', '-t', '2', 'x']), config, tiny).options;
    expect(b).toMatchObject({ top_k: 5, temperature: 2 });
  });

  it('greedy drops the sampling knobs and keeps the penalty and seed', () => {
    const cli = parseCliOptions(['--greedy', '--repetition-penalty', '1.3', '--seed', '9', '-n', '40', 'x']);
    const { options } = planGenerationOptions(cli, { temperature: 0.7 }, tiny);
    expect(options).toEqual({
      do_sample: false,
      repetition_penalty: 1.3,
      seed: 9,
      num_return_sequences: 1,
      eos_token_id: 50256,
      max_new_tokens: 40,
    });
  });

  it('stops at the end of the context, with a note, when max_new_tokens passes it', () => {
    const cli = parseCliOptions(['-n', '100', 'x']);
    const { options, note } = planGenerationOptions(cli, {}, { ...tiny, promptLength: 200 });
    expect(options.on_context_overflow).toBe('stop');
    expect(options.max_new_tokens).toBe(100);
    expect(note).toBe(
      "note: the model's context holds 256 tokens and the prompt takes 200: generating at most 56 new tokens",
    );
  });
});
