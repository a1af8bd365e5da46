// The kernel conformance suite: every op on random inputs of GPT-2 shapes and awkward shapes (1, 3, 97, 769),
// checked against the plain-TypeScript reference backend. Exported so vitest (Node) and a browser page run the
// same cases on every backend.
//
// Bounds, relative to the magnitude (max |reference|) of the result:
//   f32 1e-4; f16 weights 2e-3 against the f32 result; int8 weights 2e-2 against the f32 result.
// Quantised kernels must also match the reference run on the same quantised weights within 1e-4.

import { createReferenceBackend } from '../backends/reference.js';
import { add } from '../ops/add.js';
import { attention } from '../ops/attention.js';
import { embedding } from '../ops/embedding.js';
import { geluNew } from '../ops/gelu-new.js';
import { layerNorm } from '../ops/layer-norm.js';
import { linear } from '../ops/linear.js';
import { softmax } from '../ops/softmax.js';
import { takeRows } from '../ops/take-rows.js';
import { argmax, topk } from '../ops/top-k.js';
import type { Backend, KVCacheDType, Tensor, Weight, WeightDType } from '../types.js';
import { cacheHalfValue } from '../webasm/cache-half.js';
import { expectClose, expectEqual, randomArray, seededRandom } from './compare.js';
import { topKCases } from './conformance-top-k.js';

export const F32_TOLERANCE = 1e-4;
export const F16_TOLERANCE = 2e-3;
export const INT8_TOLERANCE = 2e-2;

/** One conformance check; `run` throws an Error describing the first mismatch. */
export interface ConformanceCase {
  readonly name: string;
  /** Large GPT-2 shapes (768×50257): run once per backend, skippable for quick runs. */
  readonly big: boolean;
  run(backend: Backend, reference: Backend): Promise<void>;
}

const read = (t: Tensor) => t.toArray();

async function both<T>(backend: Backend, reference: Backend, fn: (b: Backend) => T): Promise<[T, T]> {
  return [fn(backend), fn(reference)];
}

function linearCase(
  R: number,
  K: number,
  N: number,
  layout: 'in_out' | 'out_in',
  dtype: WeightDType,
  bias: boolean,
  gelu: boolean,
  big = false,
): ConformanceCase {
  return {
    name: `linear ${R}×${K}·${layout === 'in_out' ? `${K}×${N}` : `(${N}×${K})ᵀ`} ${dtype}${bias ? ' +bias' : ''}${gelu ? ' gelu' : ''}`,
    big,
    async run(backend, reference) {
      const rnd = seededRandom(R * 7919 + K * 31 + N);
      const x = randomArray(rnd, R * K);
      const w = randomArray(rnd, K * N, 1 / Math.sqrt(K));
      const b = randomArray(rnd, N, 0.5);
      const shape: [number, number] = layout === 'in_out' ? [K, N] : [N, K];
      const options = gelu ? { activation: 'gelu_new' as const } : {};
      const weights: Weight[] = [];
      const make = (be: Backend, d: WeightDType) => {
        const weight = be.weight(w, shape, { layout, dtype: d });
        weights.push(weight);
        return weight;
      };
      try {
        const [got, want] = await both(backend, reference, (be) =>
          linear(be.tensor(x, [R, K]), make(be, dtype), bias ? be.tensor(b, [N]) : undefined, options),
        );
        expectClose(this.name, await read(got), await read(want), F32_TOLERANCE);
        if (dtype !== 'f32') {
          const exact = linear(
            reference.tensor(x, [R, K]),
            make(reference, 'f32'),
            bias ? reference.tensor(b, [N]) : undefined,
            options,
          );
          expectClose(
            `${this.name} vs f32`,
            await read(got),
            await read(exact),
            dtype === 'f16' ? F16_TOLERANCE : INT8_TOLERANCE,
          );
        }
      } finally {
        for (const weight of weights) weight.dispose();
      }
    },
  };
}

function elementwiseCases(R: number, C: number): ConformanceCase[] {
  const seed = R * 1009 + C;
  const inputs = () => {
    const rnd = seededRandom(seed);
    return {
      a: randomArray(rnd, R * C, 4),
      b: randomArray(rnd, R * C, 4),
      g: randomArray(rnd, C),
      beta: randomArray(rnd, C),
    };
  };
  const unary = (
    name: string,
    fn: (be: Backend, v: ReturnType<typeof inputs>) => Tensor,
  ): ConformanceCase => ({
    name: `${name} [${R}, ${C}]`,
    big: false,
    async run(backend, reference) {
      const v = inputs();
      const [got, want] = await both(backend, reference, (be) => fn(be, v));
      expectClose(this.name, await read(got), await read(want), F32_TOLERANCE);
    },
  });
  return [
    unary('add', (be, v) => add(be.tensor(v.a, [R, C]), be.tensor(v.b, [R, C]))),
    unary('geluNew', (be, v) => geluNew(be.tensor(v.a, [R, C]))),
    unary('layerNorm', (be, v) =>
      layerNorm(be.tensor(v.a, [R, C]), be.tensor(v.g, [C]), be.tensor(v.beta, [C]), 1e-5),
    ),
    unary('softmax', (be, v) => softmax(be.tensor(v.a, [R, C]))),
    unary('takeRows', (be, v) => takeRows(be.tensor(v.a, [R, C]), [R - 1, 0, Math.floor(R / 2), R - 1])),
  ];
}

function embeddingCase(V: number, C: number, P: number, dtype: WeightDType): ConformanceCase {
  return {
    name: `embedding V=${V} C=${C} P=${P} ${dtype}`,
    big: false,
    async run(backend, reference) {
      const rnd = seededRandom(V + C + P);
      const wte = randomArray(rnd, V * C);
      const wpe = randomArray(rnd, P * C);
      const ids = Int32Array.from({ length: 5 }, (_, i) => (i * 7919) % V);
      ids[4] = V - 1;
      const pos = Int32Array.from({ length: 5 }, (_, i) => (i * 3) % P);
      const weights = [backend, reference].map((be) => be.weight(wte, [V, C], { layout: 'out_in', dtype }));
      const [got, want] = [backend, reference].map((be, i) =>
        embedding(weights[i], be.tensor(wpe, [P, C]), ids, pos),
      );
      const g = await read(got);
      for (const weight of weights) weight.dispose();
      expectClose(this.name, g, await read(want), F32_TOLERANCE);
      if (dtype === 'f32') {
        const hand = new Float32Array(5 * C);
        for (let r = 0; r < 5; r++)
          for (let c = 0; c < C; c++) hand[r * C + c] = wte[ids[r] * C + c] + wpe[pos[r] * C + c];
        expectClose(`${this.name} (hand-computed)`, g, hand, 1e-6);
      }
    },
  };
}

/** qkv rows whose K and V thirds an 'f16' cache stores exactly (q as drawn). */
function halvesInKV(qkv: Float32Array, C: number): Float32Array {
  for (let i = 0; i < qkv.length; i++) if (i % (3 * C) >= C) qkv[i] = cacheHalfValue(qkv[i]);
  return qkv;
}

function attentionCase(
  B: number,
  nH: number,
  hd: number,
  T: number,
  steps: number,
  masked: boolean,
  dtype: KVCacheDType = 'f32',
): ConformanceCase {
  return {
    name: `attention B=${B} nH=${nH} hd=${hd} prefill T=${T} + ${steps} decode steps${masked ? ' left-padded' : ''} + reorder + crop${dtype === 'f16' ? ', f16 cache of K and V that are halves' : ''}`,
    big: false,
    async run(backend, reference) {
      const rnd = seededRandom(B * 31 + nH * 7 + hd + T);
      const C = nH * hd;
      const maxLength = T + steps + 2;
      // the reference keeps f32; an f16 cache of values that are halves must give the same results
      const caches = [backend, reference].map((be, i) =>
        be.createKVCache({
          nLayer: 2,
          nHead: nH,
          headDim: hd,
          maxLength,
          batch: B,
          dtype: i ? 'f32' : dtype,
        }),
      );
      const pad = (length: number) => {
        const mask = new Float32Array(B * length).fill(1);
        if (masked)
          for (let b = 1; b < B; b++) for (let j = 0; j < Math.min(b, length); j++) mask[b * length + j] = 0;
        return mask;
      };
      const step = async (t: number, label: string) => {
        const drawn = randomArray(rnd, B * t * 3 * C, 2);
        const qkv = dtype === 'f16' ? halvesInKV(drawn, C) : drawn;
        const L = caches[0].length + t;
        const results = [backend, reference].map((be, i) => {
          const opts = {
            batch: B,
            scale: 1 / Math.sqrt(hd),
            keyMask: masked ? pad(L) : undefined,
            returnProbs: true,
          };
          const first = attention(be.tensor(qkv, [B * t, 3 * C]), caches[i], 0, opts);
          attention(be.tensor(qkv, [B * t, 3 * C]), caches[i], 1, opts);
          caches[i].advance(t);
          return first;
        });
        expectClose(
          `${this.name}: ${label} output`,
          await read(results[0].output),
          await read(results[1].output),
          F32_TOLERANCE,
        );
        expectClose(
          `${this.name}: ${label} probs`,
          await read(results[0].probs!),
          await read(results[1].probs!),
          F32_TOLERANCE,
        );
        expectEqual(`${label} probs shape`, results[0].probs!.shape, [B, nH, t, L]);
      };
      await step(T, 'prefill');
      for (let s = 0; s < steps; s++) await step(1, `decode ${s}`);
      if (B > 1) {
        const rows = Array.from({ length: B }, (_, i) => B - 1 - i);
        for (const c of caches) c.reorder(rows);
        await step(1, 'after reorder');
        // a row kept, two rows from one source, a row that is a source and a destination at once (B = 3)
        const shifted = Array.from({ length: B }, (_, i) => Math.max(0, i - 1));
        for (const c of caches) c.reorder(shifted);
        await step(1, 'after a reorder with repeats');
      }
      for (const c of caches) c.crop(T - 1);
      await step(1, 'after crop');
      expectEqual('cache length', [caches[0].length], [T]);
      for (const c of caches) c.dispose();
    },
  };
}

/**
 * expand: rows of a prefilled cache copied into a new cache of another batch size; a decoding step on it
 * must equal the step on a cache prefilled with those rows directly (the reference backend), and the source
 * must be unchanged.
 */
function expandCase(
  nH: number,
  hd: number,
  T: number,
  dtype: KVCacheDType,
  rows: readonly number[],
): ConformanceCase {
  return {
    name: `KVCache.expand: 2 rows of nH=${nH} hd=${hd}, T=${T} positions → rows [${rows.join(', ')}] of a new cache (${dtype}), two steps and a reorder`,
    big: false,
    async run(backend, reference) {
      const rnd = seededRandom(nH * 13 + hd * 5 + T + rows[0]!);
      const C = nH * hd;
      const options = { nLayer: 2, nHead: nH, headDim: hd, maxLength: T + 4, dtype };
      const scale = 1 / Math.sqrt(hd);
      const kv = (length: number) =>
        dtype === 'f16' ? halvesInKV(randomArray(rnd, length, 2), C) : randomArray(rnd, length, 2);
      const prompt = kv(2 * T * 3 * C);
      const source = backend.createKVCache({ ...options, batch: 2 });
      const direct = reference.createKVCache({ ...options, batch: 3 });
      // the direct cache gets the prompt's rows in the expanded order
      const reordered = new Float32Array(3 * T * 3 * C);
      for (const [i, r] of rows.entries()) {
        reordered.set(prompt.subarray(r * T * 3 * C, (r + 1) * T * 3 * C), i * T * 3 * C);
      }
      for (let layer = 0; layer < 2; layer++) {
        attention(backend.tensor(prompt, [2 * T, 3 * C]), source, layer, {
          batch: 2,
          scale,
        }).output.dispose();
        attention(reference.tensor(reordered, [3 * T, 3 * C]), direct, layer, {
          batch: 3,
          scale,
        }).output.dispose();
      }
      source.advance(T);
      direct.advance(T);
      const expanded = source.expand(rows);
      expectEqual('expanded length and batch', [expanded.length, expanded.batch], [T, 3]);
      expectEqual("expanded dtype is the source's", [expanded.dtype === source.dtype ? 1 : 0], [1]);
      // a step, a reorder that moves rows (webasm moves only what differs between them), another step
      const step = kv(3 * 3 * C);
      for (const [k, qkv] of [step, kv(3 * 3 * C)].entries()) {
        for (const layer of [0, 1]) {
          const got = attention(backend.tensor(qkv, [3, 3 * C]), expanded, layer, { batch: 3, scale });
          const want = attention(reference.tensor(qkv, [3, 3 * C]), direct, layer, { batch: 3, scale });
          expectClose(
            `${this.name}: step ${k + 1}, layer ${layer}`,
            await read(got.output),
            await read(want.output),
            F32_TOLERANCE,
          );
        }
        expanded.advance(1);
        direct.advance(1);
        if (k === 0) for (const c of [expanded, direct]) c.reorder([2, 0, 0]);
      }
      // the source still holds its own rows: a step on it equals the reference's
      const pair = step.subarray(0, 2 * 3 * C);
      const mine = attention(backend.tensor(pair, [2, 3 * C]), source, 0, { batch: 2, scale });
      const check = reference.createKVCache({ ...options, batch: 2 });
      attention(reference.tensor(prompt, [2 * T, 3 * C]), check, 0, { batch: 2, scale }).output.dispose();
      check.advance(T);
      const theirs = attention(reference.tensor(pair, [2, 3 * C]), check, 0, { batch: 2, scale });
      expectClose(
        `${this.name}: source after expand`,
        await read(mine.output),
        await read(theirs.output),
        F32_TOLERANCE,
      );
      for (const c of [source, direct, expanded, check]) c.dispose();
    },
  };
}

const handCases: ConformanceCase[] = [
  {
    name: 'argmax and topk: ties → lowest index, descending order',
    big: false,
    async run(backend) {
      const x = Float32Array.from([1, 5, 5, 2, 5, -1, /* row 2 */ -3, -3, -3, -3, -3, -3]);
      const t = backend.tensor(x, [2, 6]);
      expectEqual('argmax', await argmax(t), [1, 0]);
      const k = await topk(t, 4);
      expectEqual('topk indices', k.indices, [1, 2, 4, 3, 0, 1, 2, 3]);
      expectEqual('topk values', k.values, [5, 5, 5, 2, -3, -3, -3, -3]);
    },
  },
  {
    name: 'attention by hand: one key gives v; equal scores give the mean of v',
    big: false,
    async run(backend) {
      const cache = backend.createKVCache({ nLayer: 1, nHead: 1, headDim: 2, maxLength: 4 });
      // q | k | v per row; q = 0 makes every score equal
      const first = attention(backend.tensor(Float32Array.of(0, 0, 1, 1, 2, 4), [1, 6]), cache, 0, {
        batch: 1,
        scale: 1,
      });
      expectClose('single key', await read(first.output), Float32Array.of(2, 4), 1e-6);
      cache.advance(1);
      const second = attention(backend.tensor(Float32Array.of(0, 0, 3, 3, 6, 8), [1, 6]), cache, 0, {
        batch: 1,
        scale: 1,
      });
      expectClose('mean of two', await read(second.output), Float32Array.of(4, 6), 1e-6);
      cache.dispose();
    },
  },
  {
    name: "attention by hand: an 'f16' cache gives back its values rounded to halves, where it keeps halves",
    big: false,
    async run(backend) {
      const cache = backend.createKVCache({ nLayer: 1, nHead: 1, headDim: 4, maxLength: 4, dtype: 'f16' });
      // one key, so the output is v as the cache gives it back: 1 + 2^-11 is a tie (to even: 1), 1e-5 is
      // below the halves' normal range (0), 1 + 3·2^-11 a tie rounded up, −π to 11 bits
      const v = [1 + 2 ** -11, 1e-5, 1 + 3 * 2 ** -11, -Math.PI];
      const row = Float32Array.of(0.5, -1, 2, 0.25, 1e-5, 3, -7, 1e3, ...v);
      const { output } = attention(backend.tensor(row, [1, 12]), cache, 0, { batch: 1, scale: 0.5 });
      const kept = cache.dtype === 'f16' ? [1, 0, 1 + 2 * 2 ** -10, -3.140625] : v.map(Math.fround);
      expectClose(
        `v from a cache of dtype ${cache.dtype}`,
        await read(output),
        Float32Array.from(kept),
        1e-6,
      );
      cache.dispose();
    },
  },
  {
    name: 'toArray(into): the values written into the given array, a view of its first ones returned',
    big: false,
    async run(backend) {
      // a kernel's output (an engine may hand out a pooled buffer longer than the tensor)
      const t = add(
        backend.tensor(Float32Array.of(1, 2, 3, 4, 5), [5]),
        backend.tensor(Float32Array.of(1, 1, 1, 1, 1), [5]),
      );
      const into = new Float32Array(8).fill(-7);
      const first = await t.toArray(into);
      expectEqual('values', first, [2, 3, 4, 5, 6]);
      expectEqual(
        'view of into',
        [first.buffer === into.buffer ? 1 : 0, first.byteOffset, first.length],
        [1, 0, 5],
      );
      expectEqual('rest of into untouched', into.subarray(5), [-7, -7, -7]);
      const exact = new Float32Array(5);
      expectEqual('an exact fit is returned itself', [(await t.toArray(exact)) === exact ? 1 : 0], [1]);
      let refused = '';
      await t.toArray(new Float32Array(4)).catch((e: { code?: string }) => {
        refused = e.code ?? 'no code';
      });
      expectEqual('too short refused', [refused === 'shape_mismatch' ? 1 : 0], [1]);
      t.dispose();
    },
  },
  {
    name: 'scope frees intermediates and keeps the returned tensor',
    big: false,
    async run(backend) {
      const before = backend.memory();
      const kept = await backend.scope(() => {
        const a = backend.tensor(Float32Array.of(1, 2, 3), [3]);
        const b = geluNew(add(a, a));
        return { out: add(b, a) };
      });
      const after = backend.memory();
      expectEqual('live tensors after scope', [after.tensors - before.tensors], [1]);
      expectEqual('live bytes after scope', [after.bytes - before.bytes], [12]);
      kept.out.dispose();
      expectEqual('live tensors after dispose', [backend.memory().tensors], [before.tensors]);
    },
  },
];

/**
 * Every conformance case. Run each with a backend under test and {@link createReferenceBackend}'s oracle.
 * @example
 * ```ts
 * for (const c of conformanceCases()) await c.run(backend, createReferenceBackend());
 * ```
 */
export function conformanceCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const shapes: [number, number, number][] = [
    [1, 768, 2304],
    [3, 97, 769],
    [97, 3, 1],
    [1, 1, 3],
    [5, 769, 97],
  ];
  for (const [R, K, N] of shapes) {
    cases.push(linearCase(R, K, N, 'in_out', 'f32', true, false));
    cases.push(linearCase(R, K, N, 'out_in', 'f32', false, false));
  }
  cases.push(linearCase(3, 97, 769, 'in_out', 'f32', true, true));
  for (const dtype of ['f16', 'int8'] as const) {
    cases.push(linearCase(1, 768, 2304, 'in_out', dtype, true, false));
    cases.push(linearCase(3, 97, 769, 'out_in', dtype, false, false));
    cases.push(linearCase(3, 769, 97, 'in_out', dtype, true, true));
    // a prefill block (more than half of its 16 rows) with K not a multiple of the four weight streams (zero-padded k)
    cases.push(linearCase(12, 99, 33, 'out_in', dtype, true, false));
  }
  cases.push(linearCase(1, 768, 50257, 'out_in', 'f32', false, false, true));
  cases.push(linearCase(1, 768, 50257, 'out_in', 'int8', false, false, true));
  for (const [R, C] of [
    [1, 768],
    [3, 97],
    [97, 769],
    [1, 1],
    [1, 50257],
  ])
    cases.push(...elementwiseCases(R, C));
  cases.push(
    embeddingCase(97, 769, 3, 'f32'),
    embeddingCase(50257, 3, 1024, 'int8'),
    embeddingCase(3, 1, 97, 'f16'),
  );
  cases.push(
    attentionCase(1, 12, 64, 7, 2, false),
    attentionCase(2, 3, 5, 4, 2, true),
    // hd 6: the webasm scores kernel sums a dot product in two partial sums (hd 64 and 12: four; 5 and 1: one)
    attentionCase(2, 3, 6, 9, 2, false),
    // hd 12: four head-dimension values per webasm output cell, three cells per head (no full SIMD quad)
    attentionCase(2, 2, 12, 6, 3, true),
    attentionCase(3, 1, 1, 1, 1, false),
    // hd 32: webasm keeps V in two column groups of 16 d a head (hd 64: four; 48, 12, 6: whole rows);
    // three rows decode as one block of BATCH_BLOCK, and the reorders move every group
    attentionCase(3, 2, 32, 5, 2, true),
    attentionCase(1, 12, 64, 7, 2, false, 'f16'),
    attentionCase(3, 2, 32, 5, 2, true, 'f16'),
    attentionCase(2, 3, 6, 9, 2, false, 'f16'),
    expandCase(2, 32, 6, 'f32', [1, 0, 1]),
    expandCase(3, 6, 5, 'f32', [1, 0, 1]),
    expandCase(2, 32, 6, 'f16', [1, 0, 1]),
    // one row copied to all: every position shared, so the reorder moves only the step's
    expandCase(2, 32, 7, 'f32', [1, 1, 1]),
    expandCase(3, 6, 5, 'f16', [0, 0, 0]),
  );
  cases.push(...topKCases(), ...handCases);
  return cases;
}

/** Runs every case on `backend`, collecting results instead of throwing (for pages and scripts). */
export async function runConformance(
  backend: Backend,
  options: { big?: boolean } = {},
): Promise<{ name: string; ok: boolean; error?: string }[]> {
  const reference = createReferenceBackend();
  const results: { name: string; ok: boolean; error?: string }[] = [];
  for (const c of conformanceCases()) {
    if (c.big && options.big === false) continue;
    try {
      await backend.scope(() => reference.scope(() => c.run(backend, reference)));
      results.push({ name: c.name, ok: true });
    } catch (error) {
      results.push({
        name: c.name,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  reference.dispose();
  return results;
}

export { expectClose, magnitude, randomArray, relativeError, seededRandom } from './compare.js';
export { createReferenceBackend };
