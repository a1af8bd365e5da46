// Broken and hostile inputs for the loop (issue 8): abort mid-stream, NaN/Inf logits, context overflow,
// empty prompt, a model that breaks the StepLogits contract. Every path must dispose what it opened.

import { describe, expect, it } from 'vitest';
import { GenerationOptionError, generate, runGeneration, SamplingError } from '../src/index.js';
import { logProbs, scriptedModel, type ToyModel, toyModel } from './toy-models.js';

// The most likely next id cycles with the length, so greedy output is easy to follow.
const counting = () =>
  toyModel(
    5,
    (h) => {
      const p = [0.1, 0.1, 0.1, 0.1, 0.1];
      p[h.length % 4] = 0.6;
      return logProbs(p);
    },
    32,
  );

function expectAllDisposed(model: ToyModel): void {
  expect(model.stats.disposedSessions).toBe(model.stats.sessions);
  expect(model.stats.logitsDisposed).toBe(model.stats.logitsCreated);
}

async function rejection(promise: Promise<unknown>): Promise<SamplingError> {
  try {
    await promise;
  } catch (e) {
    if (SamplingError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a SamplingError');
}

describe('AbortSignal', () => {
  it('ends the stream cleanly mid-generation: finishReason aborted, tokens so far, everything disposed', async () => {
    const model = counting();
    const controller = new AbortController();
    const ids: number[] = [];
    const run = generate(model, [1], { max_new_tokens: 20, signal: controller.signal });
    let result: Awaited<ReturnType<typeof runGeneration>> | undefined;
    for (;;) {
      const next = await run.next();
      if (next.done) {
        result = next.value;
        break;
      }
      ids.push(next.value.id);
      if (ids.length === 3) controller.abort();
    }
    expect(result.finishReason).toBe('aborted');
    expect(result.finishReasons).toEqual(['aborted']);
    expect(result.generatedIds[0]).toEqual(ids);
    expect(ids.length).toBe(3);
    expectAllDisposed(model);
  });

  it('aborting from onToken stops sampling rows and beam search too', async () => {
    for (const options of [{ do_sample: true, num_return_sequences: 3, seed: 1 }, { num_beams: 2 }]) {
      const model = counting();
      const controller = new AbortController();
      let steps = 0;
      const result = await runGeneration(model, [1], {
        ...options,
        max_new_tokens: 20,
        signal: controller.signal,
        onStep: () => {
          if (++steps === 4) controller.abort();
        },
      });
      expect(result.finishReason).toBe('aborted');
      expect(model.stats.forwards.length).toBe(4);
      expectAllDisposed(model);
    }
  });

  it('does not touch the model when the signal is already aborted', async () => {
    const model = counting();
    const result = await runGeneration(model, [1], { signal: AbortSignal.abort() });
    expect(result.finishReason).toBe('aborted');
    expect(result.generatedIds).toEqual([[]]);
    expect(model.stats.sessions).toBe(0);
  });

  it('disposes the session when the consumer breaks out of for-await', async () => {
    const model = counting();
    let n = 0;
    for await (const _ of generate(model, [1], { max_new_tokens: 20 })) if (++n === 2) break;
    expect(n).toBe(2);
    expectAllDisposed(model);
  });
});

describe('non-finite logits', () => {
  const nanAt = (step: number, value = Number.NaN) =>
    toyModel(4, (h) => {
      const out = Float32Array.from([1, 2, 0, 0]);
      if (h.length - 1 === step) out[3] = value;
      return out;
    });

  it('raises invalid_logits naming the step, row and token on the full-read path', async () => {
    const model = nanAt(2);
    const e = await rejection(runGeneration(model, [0], { max_new_tokens: 5, repetition_penalty: 1.5 }));
    expect(e.code).toBe('invalid_logits');
    expect(e.message).toContain('non-finite logit (NaN) at step 2, row 0, token id 3');
    expect(e.message).toContain('remove_invalid_values: true');
    expectAllDisposed(model);
  });

  it('catches NaN at the first step of the greedy fast path and +Infinity in sampling', async () => {
    expect((await rejection(runGeneration(nanAt(0), [0], { max_new_tokens: 3 }))).code).toBe(
      'invalid_logits',
    );
    const inf = await rejection(
      runGeneration(nanAt(1, Number.POSITIVE_INFINITY), [0], { do_sample: true, max_new_tokens: 3, seed: 1 }),
    );
    expect(inf.message).toContain('non-finite logit (Infinity) at step 1');
  });

  it('catches NaN among the top-k when onStep makes the fast path read top-k', async () => {
    const model = toyModel(4, (h) =>
      Float32Array.from(h.length === 3 ? [1, Number.NaN, 0, 0] : [1, 2, 0, 0]),
    );
    const e = await rejection(runGeneration(model, [0], { max_new_tokens: 5, onStep: () => {} }));
    expect(e.message).toContain('at step 2, row 0');
  });

  it('replaces them like HF with remove_invalid_values: true', async () => {
    const result = await runGeneration(nanAt(1, Number.POSITIVE_INFINITY), [0], {
      max_new_tokens: 3,
      remove_invalid_values: true,
    });
    expect(result.generatedIds[0]).toEqual([1, 3, 1]);
  });

  it('raises when the filters leave no token', async () => {
    const model = toyModel(3, () => Float32Array.from([0, 1, 2]));
    const e = await rejection(runGeneration(model, [0], { suppress_tokens: [0, 1, 2] }));
    expect(e.message).toContain(
      'every token was filtered out at step 0, row 0 (active processors: suppress_tokens)',
    );
  });
});

describe('context length', () => {
  const model = () => toyModel(4, () => Float32Array.from([0, 1, 0, 0]), 8);

  it('refuses prompt + max_new_tokens past the context with the numbers and the fix', async () => {
    expect(() => generate(model(), [0, 0, 0, 0, 0], { max_new_tokens: 5 })).toThrow(
      "prompt (5 tokens) + max_new_tokens (5) = 10 exceeds the model's context of 8 tokens; set max_new_tokens ≤ 3, or on_context_overflow: 'stop' | 'truncate_left'",
    );
    try {
      generate(model(), Array(9).fill(0), { max_new_tokens: 1 });
    } catch (e) {
      expect(SamplingError.isInstance(e) && e.code).toBe('context_overflow');
      expect((e as Error).message).toContain("the prompt has 9 tokens but the model's context is 8 tokens");
    }
    expect.assertions(3);
  });

  it("'stop' generates until the context is full", async () => {
    const result = await runGeneration(model(), [0, 0, 0, 0, 0], {
      max_new_tokens: 5,
      on_context_overflow: 'stop',
    });
    expect(result.generatedIds[0]).toEqual([1, 1, 1]);
    expect(result.finishReason).toBe('length');
  });

  it("'truncate_left' drops the oldest prompt tokens", async () => {
    const m = model();
    const result = await runGeneration(m, [3, 2, 1, 0, 3, 2, 1, 0, 3], {
      max_new_tokens: 4,
      on_context_overflow: 'truncate_left',
    });
    expect(result.stats.droppedPromptTokens).toBe(5);
    expect(result.sequences[0]).toEqual([2, 1, 0, 3, 1, 1, 1, 1]);
    expect(m.stats.forwards[0]).toEqual([[2, 1, 0, 3]]);
  });

  it('max_length counts the prompt, like HF', async () => {
    const result = await runGeneration(model(), [0, 0, 0], { max_length: 5 });
    expect(result.generatedIds[0].length).toBe(2);
    expect(() => generate(model(), [0, 0, 0], { max_length: 3 })).toThrow(GenerationOptionError);
  });
});

describe('empty prompt', () => {
  it('starts from bos_token_id, else the first eos id (GPT-2 <|endoftext|>), like HF', async () => {
    const m = scriptedModel(6, 1, [2, 3]);
    const result = await runGeneration(m, [], { max_new_tokens: 2, eos_token_id: [5, 4] });
    expect(m.stats.forwards[0]).toEqual([[5]]);
    expect(result.sequences[0]).toEqual([5, 2, 3]);
    const withBos = scriptedModel(6, 1, [2]);
    await runGeneration(withBos, [], { max_new_tokens: 1, bos_token_id: 1, eos_token_id: 5 });
    expect(withBos.stats.forwards[0]).toEqual([[1]]);
  });

  it('without bos or eos id raises an option error naming bos_token_id', () => {
    expect(() => generate(scriptedModel(6, 1, [2]), [], {})).toThrow(
      'an empty prompt needs bos_token_id (or eos_token_id) to start from',
    );
  });
});

describe('model contract', () => {
  it('names the shape when the model returns logits of the wrong vocabulary size', async () => {
    const model = toyModel(4, () => new Float32Array(3));
    const e = await rejection(runGeneration(model, [0], {}));
    expect(e.code).toBe('model_contract');
    expect(e.message).toBe(
      'the model returned logits of shape [1, 3], expected [1, 4] (session batch × model.vocabSize)',
    );
    expectAllDisposed(model);
  });
});
