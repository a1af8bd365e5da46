// pipeline('text-generation'): the reference greedy texts through tokenizer + model + generate, HF's output
// shape and defaults, streaming, several sequences, and option errors.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, pipeline, type TextGenerationPipeline } from '../src/index.js';
import { MODELS } from './helpers/backends.js';
import { SMALL_CONFIG, writeCheckpoint } from './helpers/checkpoint.js';
import { checkGreedy, loadReference } from './helpers/reference.js';

const ref = loadReference('gpt2-tiny');
const EOS = 50256;

describe('pipeline text-generation', () => {
  let generator: TextGenerationPipeline;
  beforeAll(async () => {
    generator = await pipeline('text-generation', `${MODELS}gpt2-tiny`, { backend: 'cpu' });
  });
  afterAll(() => generator?.dispose());

  it('tokenizes every reference prompt to the reference ids', async () => {
    const tokenizer = await loadTokenizer(`${MODELS}gpt2-tiny`);
    for (const c of ref.cases) expect(tokenizer.encode(c.prompt)).toEqual(c.ids);
  });

  it('honours generation_config.json and task_specific_params as defaults', () => {
    expect(generator.defaults).toEqual({
      bos_token_id: EOS,
      eos_token_id: EOS,
      do_sample: true,
      max_length: 50,
    });
    expect(generator.task).toBe('text-generation');
    expect(generator.model.numParameters()).toBe(7_259_008);
  });

  it('reproduces the reference greedy continuations as generated_text (prompt included, stops at EOS)', async () => {
    for (const c of ref.cases) {
      const ids: number[] = [];
      const out = await generator(c.prompt, {
        do_sample: false,
        max_new_tokens: c.greedy_ids.length,
        onToken: (e) => ids.push(e.id),
      });
      expect(out).toHaveLength(1);
      const end = c.greedy_ids.indexOf(EOS);
      const expectedIds = end >= 0 ? c.greedy_ids.slice(0, end + 1) : c.greedy_ids;
      const { nearTieAt } = checkGreedy(ids, { ...c, greedy_ids: expectedIds }, ref.tolerance.logits_abs);
      if (nearTieAt === undefined) {
        expect(ids).toEqual(expectedIds);
        expect(out[0]!.generated_text).toBe(c.prompt + c.greedy_text.split('<|endoftext|>')[0]);
      }
    }
  });

  it('return_full_text: false leaves the prompt out', async () => {
    const c = ref.cases[2]!;
    const [full] = await generator(c.prompt, { do_sample: false, max_new_tokens: 10 });
    const [bare] = await generator(c.prompt, {
      do_sample: false,
      max_new_tokens: 10,
      return_full_text: false,
    });
    expect(full!.generated_text).toBe(c.prompt + bare!.generated_text);
    expect(bare!.generated_text.startsWith(c.greedy_text.slice(0, 12))).toBe(true);
  });

  it('by default samples up to max_length 50 like the HF pipeline for gpt2 (seeded runs repeat)', async () => {
    const c = ref.cases[0]!;
    let tokens = 0;
    const a = await generator(c.prompt, { seed: 42, onToken: () => tokens++ });
    const b = await generator(c.prompt, { seed: 42 });
    expect(a).toEqual(b);
    expect(a[0]!.generated_text.startsWith(c.prompt)).toBe(true);
    expect(tokens).toBeLessThanOrEqual(50 - c.ids.length);
    expect(a[0]!.generated_text.endsWith('<|endoftext|>')).toBe(false);
  });

  it('returns num_return_sequences entries, and one list per prompt for an array', async () => {
    const out = await generator(ref.cases[1]!.prompt, {
      num_return_sequences: 3,
      max_new_tokens: 12,
      seed: 3,
    });
    expect(out).toHaveLength(3);
    for (const o of out) expect(o.generated_text.startsWith(ref.cases[1]!.prompt)).toBe(true);
    expect(new Set(out.map((o) => o.generated_text)).size).toBeGreaterThan(1);
    const many = await generator([ref.cases[0]!.prompt, ref.cases[1]!.prompt], {
      do_sample: false,
      max_new_tokens: 4,
    });
    expect(many).toHaveLength(2);
    expect(many[1]![0]!.generated_text).toBe(ref.cases[1]!.prompt + ' not be used to');
  });

  it('streams text chunks whose concatenation is the generated_text of the same seeded call', async () => {
    const c = ref.cases[3]!;
    const options = { max_new_tokens: 30, seed: 11 };
    const chunks: string[] = [];
    for await (const chunk of generator.stream(c.prompt, options)) chunks.push(chunk);
    const [out] = await generator(c.prompt, options);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]).toBe(c.prompt);
    expect(chunks.join('')).toBe(out!.generated_text);
  });

  it('streams with stop strings, cut before the stop string like the call', async () => {
    const c = ref.cases[0]!; // greedy: ' "The Devil\'s a man who are not a man who is …'
    const options = {
      do_sample: false,
      max_new_tokens: 30,
      stop_strings: ['man who is'],
      return_full_text: false,
    };
    const chunks: string[] = [];
    for await (const chunk of generator.stream(c.prompt, options)) chunks.push(chunk);
    const [out] = await generator(c.prompt, options);
    expect(out!.generated_text).toBe(' "The Devil\'s a man who are not a ');
    expect(chunks.join('')).toBe(out!.generated_text);
  });

  it('starts an empty prompt from <|endoftext|> like Hugging Face', async () => {
    let tokens = 0;
    const [out] = await generator('', { do_sample: false, max_new_tokens: 5, onToken: () => tokens++ });
    expect(tokens).toBe(5);
    expect(out!.generated_text.length).toBeGreaterThan(0);
  });

  it('ends a stream cleanly on abort and frees the device memory of the run', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    for await (const chunk of generator.stream(ref.cases[0]!.prompt, {
      max_new_tokens: 40,
      seed: 5,
      signal: controller.signal,
    })) {
      chunks.push(chunk);
      if (chunks.length === 4) controller.abort();
    }
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(chunks.length).toBeLessThan(10);
    expect(generator.model.backend.memory().tensors).toBe(52); // weights only: no cache, no logits left
  });

  it('refuses a prompt plus max_new_tokens past the context with a clear error', async () => {
    const long = Array(250).fill(' the').join('');
    await expect(generator(long, { max_new_tokens: 20, do_sample: false })).rejects.toThrow(/256|context/);
    expect(generator.model.backend.memory().tensors).toBe(52);
  });

  it('names invalid options with their range', async () => {
    await expect(generator('Hi', { temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(generator('Hi', { max_new_tokns: 3 } as never)).rejects.toThrow(
      /unknown generation option max_new_tokns/,
    );
    await expect(pipeline('summarization' as 'text-generation')).rejects.toThrow(
      /task must be 'text-generation'/,
    );
    await expect(
      generator.stream('Hi', { num_return_sequences: 2 })[Symbol.asyncIterator]().next(),
    ).rejects.toThrow(/stream\(\) produces one sequence/);
  });
});

describe('pipeline defaults', () => {
  it('rejects a bad generation_config.json before loading any weight', async () => {
    const tokenizerFiles = Object.fromEntries(
      ['vocab.json', 'merges.txt'].map((f) => [f, readFileSync(`${MODELS}gpt2-tiny/${f}`)]),
    );
    // No model.safetensors at all: the error must come from the defaults, before the weights are looked for.
    const dir = writeCheckpoint(SMALL_CONFIG, undefined, {
      ...tokenizerFiles,
      'generation_config.json': '{"temperature": -1}',
    });
    try {
      await expect(pipeline('text-generation', dir, { backend: 'cpu' })).rejects.toThrow(
        /generation_config\.json .* bad default: .*temperature/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
