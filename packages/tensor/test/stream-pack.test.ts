// packWeightFromRows (webasm/stream-pack.ts) packs a weight block by block through one scratch buffer that
// the engine lends: one request per weight, not one array per block, and the packed bytes are those of
// packWeight over the whole converted matrix. The caller's blocks are read, never written.

import { describe, expect, it } from 'vitest';
import { int8Scales, maxAbsPerFeature, quantizeWithScales, toHalfArray } from '../src/dtype.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';
import { Arena } from '../src/webasm/arena.js';
import { packedView, packWeight, scalesView } from '../src/webasm/packed-weight.js';
import { packWeightFromRows } from '../src/webasm/stream-pack.js';

const K = 37;
const N = 53;

/** The whole source matrix converted the way packWeight expects it (and int8's scales). */
function converted(
  w: Float32Array,
  layout: 'in_out' | 'out_in',
  dtype: 'f16' | 'int8',
): { values: Uint16Array | Int8Array; scales?: Float32Array } {
  const [rows, cols] = layout === 'in_out' ? [K, N] : [N, K];
  if (dtype === 'f16') return { values: toHalfArray(w) };
  const axis = layout === 'in_out' ? 1 : 0;
  const scales = int8Scales(maxAbsPerFeature(w, rows, cols, axis));
  return { values: quantizeWithScales(w, rows, cols, axis, scales), scales };
}

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

describe('packWeightFromRows', () => {
  for (const layout of ['in_out', 'out_in'] as const) {
    for (const dtype of ['f16', 'int8'] as const) {
      it(`packs ${layout} ${dtype} through one scratch request per weight, with packWeight's bytes`, async () => {
        const rnd = seededRandom(layout === 'in_out' ? 3 : 4);
        const w = randomArray(rnd, K * N);
        const original = w.slice();
        const cols = layout === 'in_out' ? N : K;
        const rowsPerRead = 5;
        const arena = new Arena({ shared: false });
        const requests: number[] = [];
        let buffer: ArrayBuffer | undefined;
        const scratch = (bytes: number) => {
          requests.push(bytes);
          if (!buffer || buffer.byteLength < bytes) buffer = new ArrayBuffer(bytes);
          return buffer;
        };
        const blocks: number[] = [];
        const streamed = await packWeightFromRows(
          arena,
          scratch,
          layout,
          K,
          N,
          dtype,
          async (start, count) => {
            blocks.push(count);
            return w.subarray(start * cols, (start + count) * cols);
          },
          rowsPerRead,
        );
        // several blocks, one request of one block's converted size
        expect(blocks.length).toBeGreaterThan(2);
        expect(requests).toEqual([rowsPerRead * cols * (dtype === 'f16' ? 2 : 1)]);
        expect(Array.from(w)).toEqual(Array.from(original));
        const { values, scales } = converted(w, layout, dtype);
        const whole = packWeight(arena, values, layout, K, N, scales);
        expect(bytesOf(packedView(streamed))).toEqual(bytesOf(packedView(whole)));
        if (dtype === 'int8') {
          expect(Array.from(scalesView(streamed) ?? [])).toEqual(Array.from(scalesView(whole) ?? []));
        }
        expect(streamed.finite).toBe(true);
      });
    }
  }

  it('packs two weights loading at once through one shared scratch buffer', async () => {
    const arena = new Arena({ shared: false });
    let buffer: ArrayBuffer | undefined;
    const scratch = (bytes: number) => {
      if (!buffer || buffer.byteLength < bytes) buffer = new ArrayBuffer(bytes);
      return buffer;
    };
    const order: string[] = [];
    const load = (name: string, w: Float32Array, dtype: 'f16' | 'int8') =>
      packWeightFromRows(
        arena,
        scratch,
        'out_in',
        K,
        N,
        dtype,
        async (start, count) => {
          // every read yields, so the two loads' blocks alternate
          await new Promise((resolve) => setTimeout(resolve, 0));
          order.push(name);
          return w.subarray(start * K, (start + count) * K);
        },
        4,
      );
    const a = randomArray(seededRandom(6), K * N);
    const b = randomArray(seededRandom(7), K * N);
    const [packedA, packedB] = await Promise.all([load('a', a, 'int8'), load('b', b, 'f16')]);
    expect(order.slice(0, 4).sort()).toEqual(['a', 'a', 'b', 'b']);
    for (const [packed, w, dtype] of [
      [packedA, a, 'int8'],
      [packedB, b, 'f16'],
    ] as const) {
      const { values, scales } = converted(w, 'out_in', dtype);
      const whole = packWeight(arena, values, 'out_in', K, N, scales);
      expect(bytesOf(packedView(packed)), dtype).toEqual(bytesOf(packedView(whole)));
    }
  });

  it('f32 needs no scratch', async () => {
    const w = randomArray(seededRandom(5), K * N);
    const requests: number[] = [];
    const arena = new Arena({ shared: false });
    const streamed = await packWeightFromRows(
      arena,
      (bytes) => {
        requests.push(bytes);
        return new ArrayBuffer(bytes);
      },
      'in_out',
      K,
      N,
      'f32',
      async (start, count) => w.subarray(start * N, (start + count) * N),
      8,
    );
    expect(requests).toEqual([]);
    const whole = packWeight(arena, w, 'in_out', K, N, undefined);
    expect(bytesOf(packedView(streamed))).toEqual(bytesOf(packedView(whole)));
  });
});
