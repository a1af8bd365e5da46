// The kernel conformance suite: every op on random inputs of GPT-2 shapes and awkward shapes (1, 3, 97, 769),
// checked against the plain-TypeScript reference backend. Exported so vitest (Node) and a browser page run the
// same cases on every backend.
//
// Bounds, relative to the magnitude (max |reference|) of the result:
//   f32 1e-4; f16 weights 2e-3 against the f32 result; int8 weights 2e-2 against the f32 result.
// Quantised kernels must also match the reference run on the same quantised weights within 1e-4.

import { createReferenceBackend } from '../backends/reference.js';
import { add } from '../ops/add.js';
import { embedding } from '../ops/embedding.js';
import { geluNew } from '../ops/gelu-new.js';
import { layerNorm } from '../ops/layer-norm.js';
import { linear } from '../ops/linear.js';
import { softmax } from '../ops/softmax.js';
import { takeRows } from '../ops/take-rows.js';
import { argmax, topk } from '../ops/top-k.js';
import type { Backend, Tensor, Weight, WeightDType } from '../types.js';
import { expectClose, expectEqual, randomArray, seededRandom } from './compare.js';
import { attentionCases } from './conformance-attention.js';
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
  cases.push(...attentionCases());
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
