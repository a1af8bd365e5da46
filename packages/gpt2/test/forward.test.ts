// Forward-pass semantics on every backend: the KV cache equals full recomputation, a left-padded batch equals
// its unpadded rows (HF position ids from the mask), attention probabilities, GPT2Model's hidden state, and
// the errors for a context overflow and bad inputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Error, GPT2LMHeadModel, GPT2Model } from '../src/index.js';
import { forEachBackend, MODELS } from './helpers/backends.js';
import { loadReference, maxAbsDiff } from './helpers/reference.js';

// Different kernels (one position against many) may round differently; far below the 1e-3 reference bound.
const SAME = 1e-4;
const PAD = 50256;

forEachBackend((backend) => {
  describe.each(['gpt2-odd', 'gpt2-tiny'])('%s', (name) => {
    const ref = loadReference(name);
    let model: GPT2LMHeadModel;
    beforeAll(async () => {
      model = await GPT2LMHeadModel.fromPretrained(`${MODELS}${name}`, { backend });
    });
    afterAll(() => model?.dispose());

    it('a session computes a prompt shared by its rows once, with the logits and cache of a batch', async () => {
      const c = ref.cases[1]!;
      const next = [c.greedy_ids[0]!, 11, 290];
      const batch = await model.forward({ inputIds: [c.ids, c.ids, c.ids] });
      const session = model.createSession(3);
      try {
        const first = await session.forward([c.ids, c.ids, c.ids]);
        expect(session.length).toBe(c.ids.length);
        const rows = await first.read();
        first.dispose();
        const want = await batch.logits.toArray();
        const V = model.vocabSize;
        for (let b = 0; b < 3; b++) {
          expect(maxAbsDiff(rows[b]!, want.subarray(b * V, (b + 1) * V))).toBeLessThanOrEqual(SAME);
        }
        // every row has its own copy: rows that go on with different tokens give the batch's results
        session.reorder([2, 0, 1]);
        const second = await session.forward(next.map((id) => [id]));
        const direct = await model.forward({
          inputIds: next.map((id) => [id]),
          pastKeyValues: batch.pastKeyValues,
        });
        const got = await second.read();
        second.dispose();
        const expected = await direct.logits.toArray();
        direct.logits.dispose();
        for (let b = 0; b < 3; b++) {
          expect(maxAbsDiff(got[b]!, expected.subarray(b * V, (b + 1) * V))).toBeLessThanOrEqual(SAME);
        }
        expect(maxAbsDiff(got[0]!, got[1]!)).toBeGreaterThan(0);
      } finally {
        session.dispose();
        batch.logits.dispose();
        batch.pastKeyValues?.dispose();
      }
    });

    it('decoding with the KV cache equals full recomputation at every step', async () => {
      const c = ref.cases[1]!;
      const seq = [...c.ids, ...c.greedy_ids.slice(0, 8)];
      const V = ref.vocab_size;
      const full = await model.forward({ inputIds: [seq], logitsFor: 'all', useCache: false });
      const fullRows = await full.logits.toArray();
      full.logits.dispose();
      const step = await model.forward({ inputIds: [c.ids] });
      const cache = step.pastKeyValues!;
      try {
        let last = await step.logits.toArray();
        step.logits.dispose();
        for (let t = c.ids.length; t <= seq.length; t++) {
          expect(maxAbsDiff(last, fullRows.subarray((t - 1) * V, t * V))).toBeLessThanOrEqual(SAME);
          if (t === seq.length) break;
          const next = await model.forward({ inputIds: [[seq[t]!]], pastKeyValues: cache });
          expect(next.pastKeyValues).toBe(cache);
          last = await next.logits.toArray();
          next.logits.dispose();
        }
        expect(cache.length).toBe(seq.length);
      } finally {
        cache.dispose();
      }
    });

    it('a left-padded batch equals its rows run alone, at prefill and at the next cached step', async () => {
      const a = ref.cases[0]!.ids;
      const b = ref.cases[1]!.ids; // shorter
      const T = Math.max(a.length, b.length);
      const pad = (ids: number[]) => [...Array(T - ids.length).fill(PAD), ...ids];
      const mask = (ids: number[]) => [...Array(T - ids.length).fill(0), ...Array(ids.length).fill(1)];
      const V = ref.vocab_size;
      const alone = async (ids: number[], next: number) => {
        const first = await model.forward({ inputIds: [ids] });
        const second = await model.forward({ inputIds: [[next]], pastKeyValues: first.pastKeyValues });
        const out = [await first.logits.toArray(), await second.logits.toArray()];
        first.logits.dispose();
        second.logits.dispose();
        first.pastKeyValues!.dispose();
        return out;
      };
      const [a0, a1] = await alone(a, 262);
      const [b0, b1] = await alone(b, 318);
      const masks = [mask(a), mask(b)];
      const first = await model.forward({ inputIds: [pad(a), pad(b)], attentionMask: masks });
      expect(first.logits.shape).toEqual([2, V]);
      const p0 = await first.logits.toArray();
      const second = await model.forward({
        inputIds: [[262], [318]],
        attentionMask: masks.map((m) => [...m, 1]),
        pastKeyValues: first.pastKeyValues,
      });
      const p1 = await second.logits.toArray();
      first.logits.dispose();
      second.logits.dispose();
      first.pastKeyValues!.dispose();
      expect(maxAbsDiff(p0.subarray(0, V), a0!)).toBeLessThanOrEqual(SAME);
      expect(maxAbsDiff(p0.subarray(V), b0!)).toBeLessThanOrEqual(SAME);
      expect(maxAbsDiff(p1.subarray(0, V), a1!)).toBeLessThanOrEqual(SAME);
      expect(maxAbsDiff(p1.subarray(V), b1!)).toBeLessThanOrEqual(SAME);
    });

    it('returns causal, padding-aware attention probabilities that sum to 1', async () => {
      const ids = [PAD, PAD, 464, 26062, 1628];
      const out = await model.forward({
        inputIds: [ids],
        attentionMask: [[0, 0, 1, 1, 1]],
        outputAttentions: true,
        useCache: false,
      });
      const { n_layer: L, n_head: H } = model.config;
      expect(out.attentions).toHaveLength(L);
      for (const probs of out.attentions!) {
        expect(probs.shape).toEqual([1, H, 5, 5]);
        const p = await probs.toArray();
        for (let h = 0; h < H; h++) {
          for (let q = 2; q < 5; q++) {
            const row = p.subarray((h * 5 + q) * 5, (h * 5 + q + 1) * 5);
            expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
            for (let k = 0; k < 5; k++) if (k > q || k < 2) expect(row[k]).toBeLessThan(1e-6);
          }
        }
        probs.dispose();
      }
      out.logits.dispose();
    });

    it('refuses a sequence longer than n_positions, and leaves a given cache as it was', async () => {
      const n = model.config.n_positions;
      await expect(model.forward({ inputIds: [Array(n + 1).fill(11)] })).rejects.toThrow(
        new RegExp(
          `sequence of ${n + 1} tokens \\(0 cached \\+ ${n + 1} new\\) exceeds the model's context, n_positions=${n}`,
        ),
      );
      const first = await model.forward({ inputIds: [Array(n - 2).fill(11)] });
      first.logits.dispose();
      const cache = first.pastKeyValues!;
      const error = await model.forward({ inputIds: [[1, 2, 3]], pastKeyValues: cache }).catch((e) => e);
      expect(GPT2Error.isInstance(error) && error.code).toBe('context_overflow');
      expect(cache.length).toBe(n - 2);
      cache.dispose();
    });

    it('names bad inputs', async () => {
      await expect(model.forward({ inputIds: [[1, 50257]] })).rejects.toThrow(
        /inputIds\[0\]\[1\] = 50257 is not a token id in \[0, 50256\]/,
      );
      await expect(model.forward({ inputIds: [[1, 2], [3]] })).rejects.toThrow(
        /row 1 has 1 tokens, row 0 has 2; left-pad/,
      );
      await expect(model.forward({ inputIds: [[1, 2]], attentionMask: [[1, 0]] })).rejects.toThrow(
        /masks its last token/,
      );
      await expect(model.forward({ inputIds: [[]] })).rejects.toThrow(/pass at least one token/);
      await expect(model.forward({ inputIds: [[1]], logitsFor: 'first' as 'last' })).rejects.toThrow(
        /logitsFor must be 'last' or 'all'/,
      );
      expect(model.backend.memory().tensors).toBe(model.config.n_layer * 12 + 4);
    });
  });
});

describe('a generation session step', () => {
  it('reads back one row per batch row, each its own, matching the device argmax and topk', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend: 'cpu' });
    const session = model.createSession(2);
    try {
      const logits = await session.forward([
        [464, 2068, 7586],
        [40, 716, 257],
      ]);
      const rows = await logits.read();
      const ids = await logits.argmax();
      const top = await logits.topk(3);
      expect(rows.map((r) => r.length)).toEqual([model.vocabSize, model.vocabSize]);
      const argmaxOf = (row: Float32Array) => row.indexOf(Math.max(...row));
      expect(rows.map(argmaxOf)).toEqual([...ids]);
      for (const b of [0, 1]) {
        expect([...top[b]!.indices]).toEqual(
          [...top[b]!.indices].sort((x, y) => rows[b]![y]! - rows[b]![x]!),
        );
        expect(top[b]!.values[0]).toBe(rows[b]![ids[b]!]);
      }
      expect(ids[0]).not.toBe(ids[1]);
      // a row is not a window into the other, and each read is fresh
      rows[0]!.fill(0);
      expect(argmaxOf(rows[1]!)).toBe(ids[1]);
      expect(argmaxOf((await logits.read())[0]!)).toBe(ids[0]);
      logits.dispose();
    } finally {
      session.dispose();
      model.dispose();
    }
  });
});

describe('GPT2Model', () => {
  it('returns ln_f hidden states equal to the reference last hidden state, and prints its tree', async () => {
    const ref = loadReference('gpt2-tiny');
    const model = await GPT2Model.fromPretrained(`${MODELS}gpt2-tiny`, { backend: 'cpu' });
    try {
      const c = ref.cases[0]!;
      const out = await model.forward({ inputIds: [c.ids] });
      const C = model.config.n_embd;
      const T = c.ids.length;
      const h = await out.lastHiddenState.toArray();
      const last = h.subarray((T - 1) * C, T * C);
      const want = c.hidden_states[model.config.n_layer]!;
      expect(Math.hypot(...last)).toBeCloseTo(want.l2_norm_last, 4);
      expect(maxAbsDiff(last.subarray(0, 8), want.first8_last)).toBeLessThanOrEqual(1e-4);
      out.lastHiddenState.dispose();
      out.pastKeyValues!.dispose();
      expect(model.numParameters()).toBe(7_259_008);
      expect(model.toString()).toMatch(
        /^GPT2Model\(\n {2}\(wte\): Embedding\(50257, 128\)\n {2}\(wpe\): Embedding\(256, 128\)/,
      );
      expect(model.toString()).toContain('(0-3): 4 x GPT2Block(');
      expect(model.summary()).toMatch(/^GPT2Model: 7,259,008 parameters/);
    } finally {
      model.dispose();
    }
    expect(model.disposed).toBe(true);
    await expect(model.forward({ inputIds: [[1]] })).rejects.toThrow(/this model was disposed/);
  });
});
