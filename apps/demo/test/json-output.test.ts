// The --json object's shape.
import { describe, expect, it } from 'vitest';
import { shapeJsonOutput } from '../src/json-output.js';

const input = {
  prompt: 'Hi',
  promptIds: [17250],
  sequences: [{ ids: [11, 50256], text: ',' }],
  promptLogprob: -1.5,
  steps: [
    [
      [11, 3.25],
      [13, 2.5],
    ],
    [[50256, 9]],
  ] as [number, number][][],
  backend: 'webasm',
  dtype: 'f32',
  finishReason: 'eos',
  timings: { loadMs: 812.345, prefillMs: 12.3456, decodeTokensPerS: 45.6789 },
};

describe('shapeJsonOutput', () => {
  it('writes the snake_case fields, one steps entry per generated token', () => {
    expect(shapeJsonOutput(input)).toEqual({
      prompt: 'Hi',
      prompt_ids: [17250],
      generated_ids: [11, 50256],
      generated_text: ',',
      prompt_logprob: -1.5,
      steps: [
        {
          top: [
            [11, 3.25],
            [13, 2.5],
          ],
        },
        { top: [[50256, 9]] },
      ],
      backend: 'webasm',
      dtype: 'f32',
      finish_reason: 'eos',
      timings: { load_ms: 812.3, prefill_ms: 12.3, decode_tokens_per_s: 45.68 },
    });
  });

  it('lists every sequence when several were returned', () => {
    const out = shapeJsonOutput({ ...input, sequences: [input.sequences[0], { ids: [0], text: '!' }] });
    expect(out.generated_ids).toEqual([11, 50256]);
    expect(out.sequences).toEqual([
      { generated_ids: [11, 50256], generated_text: ',' },
      { generated_ids: [0], generated_text: '!' },
    ]);
  });
});
