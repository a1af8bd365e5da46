// The generation loop over toy models: greedy, sampling rows, stopping, streaming text, hooks, stats.

import { describe, expect, it } from 'vitest';
import {
  createRng,
  generate,
  generateText,
  runGeneration,
  type StepEvent,
  sampleFromLogits,
  type TokenEvent,
} from '../src/index.js';
import { logProbs, scriptedModel, toyModel } from './toy-models.js';

// A bigram model over 6 ids: the next distribution depends on the last id.
const BIGRAM: Record<number, number[]> = {
  0: [0.1, 0.2, 0.3, 0.2, 0.1, 0.1],
  1: [0.05, 0.05, 0.6, 0.1, 0.1, 0.1],
  2: [0.3, 0.1, 0.1, 0.4, 0.05, 0.05],
  3: [0.2, 0.5, 0.1, 0.1, 0.05, 0.05],
  4: [0.5, 0.1, 0.1, 0.1, 0.1, 0.1],
  5: [0.1, 0.1, 0.1, 0.1, 0.1, 0.5],
};
const bigram = () => toyModel(6, (h) => logProbs(BIGRAM[h[h.length - 1]]));

async function collect(run: AsyncGenerator<TokenEvent, unknown>): Promise<TokenEvent[]> {
  const events: TokenEvent[] = [];
  for await (const e of run) events.push(e);
  return events;
}

describe('greedy', () => {
  it('follows the argmax chain and returns prompt + generated (HF sequences)', async () => {
    // 5 → 5 (0.5) → 5 …; from 1: 1 → 2 → 3 → 1 → 2
    const model = bigram();
    const result = await runGeneration(model, [0, 1], { max_new_tokens: 5 });
    expect(result.generatedIds).toEqual([[2, 3, 1, 2, 3]]);
    expect(result.sequences).toEqual([[0, 1, 2, 3, 1, 2, 3]]);
    expect(result.finishReason).toBe('length');
    expect(result.stats.promptTokens).toBe(2);
    expect(result.stats.generatedTokens).toBe(5);
    expect(result.seed).toBeUndefined();
  });

  it('breaks ties toward the lowest id', async () => {
    const model = toyModel(4, () => Float32Array.from([0, 2, 2, 1]));
    const result = await runGeneration(model, [0], { max_new_tokens: 3, repetition_penalty: 1.0 });
    expect(result.generatedIds[0]).toEqual([1, 1, 1]);
  });

  it('reads only the argmax from the model when no processor can change it (full read only at step 0)', async () => {
    const model = bigram();
    await runGeneration(model, [1], { max_new_tokens: 6 });
    expect(model.stats.reads).toBe(1);
    expect(model.stats.argmaxCalls).toBe(5);
    expect(model.stats.topkCalls).toBe(0);
  });

  it('serves onStep from StepLogits.topk(k) in the fast path, with the raw logits', async () => {
    const model = bigram();
    const steps: StepEvent[] = [];
    const result = await runGeneration(model, [1], {
      max_new_tokens: 3,
      stepTopK: 2,
      onStep: (e) => steps.push(e),
    });
    expect(model.stats.topkCalls).toBe(2);
    expect(model.stats.argmaxCalls).toBe(0);
    expect(steps.map((s) => s.ids)).toEqual([[2], [3], [1]]);
    expect(steps[1].step).toBe(1);
    expect([...steps[1].topk[0].indices]).toEqual([3, 0]);
    expect(steps[1].topk[0].values[0]).toBeCloseTo(Math.log(0.4), 6);
    expect(result.generatedIds[0]).toEqual([2, 3, 1]);
  });

  it('reads full logits only while min_new_tokens suppresses EOS, then returns to argmax', async () => {
    // from 4 the argmax is 0 (EOS here); min_new_tokens 2 forces two non-EOS tokens first
    const model = bigram();
    const result = await runGeneration(model, [4], { max_new_tokens: 6, min_new_tokens: 2, eos_token_id: 0 });
    // step 0: EOS banned → argmax of [.1 .1 .1 .1 .1] = 1; step 1 (after 1): 2; step 2 (after 2): 3 (0.4 > EOS 0.3)
    expect(result.generatedIds[0]).toEqual([1, 2, 3, 1, 2, 3]);
    expect(model.stats.reads).toBe(2);
    const free = await runGeneration(bigram(), [4], { max_new_tokens: 6, eos_token_id: 0 });
    expect(free.generatedIds[0]).toEqual([0]);
    expect(free.finishReason).toBe('eos');
  });

  it('stops on any of several eos ids and keeps the eos id in sequences', async () => {
    const result = await runGeneration(bigram(), [1], { max_new_tokens: 9, eos_token_id: [4, 3] });
    expect(result.generatedIds[0]).toEqual([2, 3]);
    expect(result.finishReason).toBe('eos');
  });

  it('applies repetition_penalty through the loop (HF semantics on prompt + generated)', async () => {
    // from 1 the top is 2 (ln .6 = −0.51); with penalty 3 on ids {1, 2} after the first step things change
    const result = await runGeneration(bigram(), [1], { max_new_tokens: 3, repetition_penalty: 3 });
    // step 0: ids seen {1}: logit[1] = ln .05 · 3 → argmax 2; step 1 (after 2): seen {1,2}: top is 3 (ln .4);
    // step 2 (after 3): seen {1,2,3}: [ln.2, 3·ln.5, 3·ln.1, 3·ln.1, ln.05, ln.05] → max ln .2 = id 0
    expect(result.generatedIds[0]).toEqual([2, 3, 0]);
  });

  it('forces forced_eos_token_id as the last token', async () => {
    const result = await runGeneration(bigram(), [1], { max_new_tokens: 3, forced_eos_token_id: 5 });
    expect(result.generatedIds[0]).toEqual([2, 3, 5]);
  });
});

describe('sampling', () => {
  it('draws each row from the processed distribution with one seeded PRNG, rows in order', async () => {
    const model = bigram();
    const result = await runGeneration(model, [1], {
      do_sample: true,
      top_k: 0,
      max_new_tokens: 4,
      num_return_sequences: 3,
      seed: 123,
    });
    // replay: the same draws from the same rng, row by row, step by step
    const rng = createRng(123);
    const rows = [[1], [1], [1]];
    for (let step = 0; step < 4; step++) {
      for (const row of rows) row.push(sampleFromLogits(logProbs(BIGRAM[row[row.length - 1]]), rng));
    }
    expect(result.sequences).toEqual(rows);
    expect(result.seed).toBe(123);
    expect(model.stats.forwards[0]).toEqual([[1], [1], [1]]);
    // every whole-row read went into one array of the loop's own (3 rows × vocab), the same each step
    const targets = model.stats.readTargets;
    expect(targets).toHaveLength(4);
    expect(targets[0]).toBeInstanceOf(Float32Array);
    expect(targets[0]?.length).toBe(3 * 6);
    for (const t of targets) expect(t).toBe(targets[0]);
  });

  it('gives the same tokens for the same seed and reports a random seed that reproduces the run', async () => {
    const options = { do_sample: true, max_new_tokens: 20, top_p: 0.9, temperature: 0.8 } as const;
    const a = await runGeneration(bigram(), [0], { ...options, seed: 7 });
    const b = await runGeneration(bigram(), [0], { ...options, seed: 7 });
    expect(a.sequences).toEqual(b.sequences);
    const c = await runGeneration(bigram(), [0], { ...options, seed: 8 });
    expect(c.sequences).not.toEqual(a.sequences);
    const unseeded = await runGeneration(bigram(), [0], options);
    const replay = await runGeneration(bigram(), [0], { ...options, seed: unseeded.seed });
    expect(replay.sequences).toEqual(unseeded.sequences);
  });

  it('samples top_k + temperature with the expected frequencies (chi-square over 4,000 loop draws, df 1)', async () => {
    // constant logits ln[.5 .3 .15 .05]; top_k 2 keeps {0, 1}; temperature 0.5 squares the odds:
    // p0 = .25 / (.25 + .09) = 0.735294…, p1 = 0.264706…
    const model = toyModel(4, () => logProbs([0.5, 0.3, 0.15, 0.05]), 1024);
    const result = await runGeneration(model, [2], {
      do_sample: true,
      top_k: 2,
      temperature: 0.5,
      max_new_tokens: 500,
      num_return_sequences: 8,
      seed: 31337,
    });
    const counts = [0, 0, 0, 0];
    for (const row of result.generatedIds) for (const id of row) counts[id]++;
    expect(counts[2] + counts[3]).toBe(0);
    const n = 4000;
    const p = [0.25 / 0.34, 0.09 / 0.34];
    const stat = (counts[0] - n * p[0]) ** 2 / (n * p[0]) + (counts[1] - n * p[1]) ** 2 / (n * p[1]);
    expect(stat).toBeLessThan(10.828); // χ²(1) upper 0.1%
  });

  it('treats temperature 0 as greedy', async () => {
    const result = await runGeneration(bigram(), [1], { do_sample: true, temperature: 0, max_new_tokens: 3 });
    expect(result.generatedIds[0]).toEqual([2, 3, 1]);
    expect(result.seed).toBeUndefined();
  });

  it('finishes rows independently and feeds pad_token_id to finished rows', async () => {
    const model = bigram();
    const result = await runGeneration(model, [4], {
      do_sample: true,
      max_new_tokens: 30,
      num_return_sequences: 4,
      eos_token_id: 0,
      pad_token_id: 5,
      seed: 3,
    });
    for (let r = 0; r < 4; r++) {
      const ids = result.generatedIds[r];
      expect(ids.slice(0, -1)).not.toContain(0);
      expect(result.finishReasons[r]).toBe(ids[ids.length - 1] === 0 ? 'eos' : 'length');
    }
    const lengths = result.generatedIds.map((ids) => ids.length);
    const first = lengths.indexOf(Math.min(...lengths));
    expect(Math.max(...lengths)).toBeGreaterThan(lengths[first]);
    // forwards[0] is the prompt; forwards[k] feeds the ids chosen at step k − 1
    expect(model.stats.forwards[lengths[first]][first]).toEqual([5]);
    expect(model.stats.forwards.length).toBe(Math.max(...lengths));
  });
});

describe('streaming', () => {
  const vocab = ['<eos>', 'Hel', 'lo', ' wor', 'ld', '\n', 'EN', 'D', 'x'];
  const decode = (ids: number[]) => ids.map((i) => vocab[i]).join('');

  it('yields the same events as onToken, with text deltas that add up to the text', async () => {
    const model = scriptedModel(vocab.length, 1, [1, 2, 3, 4, 0]);
    const seen: TokenEvent[] = [];
    const run = generate(model, [8], {
      max_new_tokens: 9,
      eos_token_id: 0,
      decode,
      onToken: (e) => seen.push(e),
    });
    const events = await collect(run);
    expect(events).toEqual(seen);
    expect(events.map((e) => e.text)).toEqual(['Hel', 'lo', ' wor', 'ld', '']);
    expect(events.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    const result = await runGeneration(scriptedModel(vocab.length, 1, [1, 2, 3, 4, 0]), [8], {
      max_new_tokens: 9,
      eos_token_id: 0,
      decode,
    });
    expect(result.texts).toEqual(['Hello world']);
    expect(
      await generateText(scriptedModel(vocab.length, 1, [1, 2, 3, 4, 0]), [8], { decode, eos_token_id: 0 }),
    ).toBe('Hello world');
  });

  it('stops on a stop string split across tokens and cuts the text before it', async () => {
    const model = scriptedModel(vocab.length, 1, [1, 2, 3, 4, 5]);
    const run = generate(model, [8], { max_new_tokens: 9, decode, stop_strings: ['o w'] });
    const events = await collect(run);
    // "Hel" | "Hello" holds back "o" (could start "o w") | "Hello wor" contains "o w" → stop
    expect(events.map((e) => e.text)).toEqual(['Hel', 'l', '']);
    const result = await runGeneration(scriptedModel(vocab.length, 1, [1, 2, 3, 4, 5]), [8], {
      max_new_tokens: 9,
      decode,
      stop_strings: ['o w'],
    });
    expect(result.finishReason).toBe('stop_string');
    expect(result.texts).toEqual(['Hell']);
    expect(result.generatedIds[0]).toEqual([1, 2, 3]);
  });

  it('matches a stop string made of whole tokens and releases held-back text when it does not complete', async () => {
    const held = await runGeneration(scriptedModel(vocab.length, 1, [6, 8, 6, 7, 8]), [8], {
      max_new_tokens: 9,
      decode,
      stop_strings: ['END'],
    });
    expect(held.texts).toEqual(['ENx']);
    expect(held.finishReason).toBe('stop_string');
    const events = await collect(
      generate(scriptedModel(vocab.length, 1, [6, 8, 6]), [8], {
        max_new_tokens: 3,
        decode,
        stop_strings: ['END'],
      }),
    );
    // "EN" is held back (prefix of END), released once "x" follows; the final "EN" is flushed at the end
    expect(events.map((e) => e.text)).toEqual(['', 'ENx', 'EN']);
  });

  it('never emits half a UTF-8 character when a character spans two tokens', async () => {
    const bytes = [[0x48], [0xc3], [0xa9], [0x21]]; // H, first and second byte of é, !
    const utf8 = new TextDecoder();
    const byteDecode = (ids: number[]) => utf8.decode(Uint8Array.from(ids.flatMap((i) => bytes[i])));
    const events = await collect(
      generate(scriptedModel(4, 1, [0, 1, 2, 3]), [0], { max_new_tokens: 4, decode: byteDecode }),
    );
    expect(events.map((e) => e.text)).toEqual(['H', '', 'é', '!']);
  });
});
