// f16 weights stored × 2^halfShift on webasm (src/webasm/half-shift.ts): no stored half is subnormal when
// the matrix leaves room, every value comes back exactly, a late block with a large half lowers the shift
// of rows already written, and the linear kernels (raw halves, or rebiasing ones for activations too large
// to scale) give the bits of the f32 kernels on the same half values in the same kernel form.

import { describe, expect, it, vi } from 'vitest';
import { HalfArray, RawHalfArray } from '../src/codegen/half-array.js';
import { fromHalfBits, roundToHalf, toHalfArray, toHalfBits } from '../src/dtype.js';
import { createBackend, linear } from '../src/index.js';
import { JOINED_STREAMS, streamName } from '../src/ops/linear-webasm.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';
import { Arena } from '../src/webasm/arena.js';
import { halfScaleTable, MAX_HALF_SHIFT, shiftFor, topExponent } from '../src/webasm/half-shift.js';
import { packedView, packWeight, readFeature } from '../src/webasm/packed-weight.js';
import { WasmProgram } from '../src/webasm/program.js';
import { packWeightFromRows } from '../src/webasm/stream-pack.js';
import { STREAMS_PER_STEP_SWITCH } from '../src/webasm/stream-step.js';

const isSubnormal = (h: number) => (h & 0x7c00) === 0 && (h & 0x3ff) !== 0;
const exponentOf = (h: number) => (h >> 10) & 31;

/** Gaussian-like weights (sum of uniforms) with many subnormal halves: std ≈ `std`. */
function weights(length: number, seed: number, std: number): Float32Array {
  const rnd = seededRandom(seed);
  return Float32Array.from({ length }, () => (rnd() + rnd() + rnd() - 1.5) * 2 * std);
}

describe('halfScaleTable', () => {
  it('× 2^10 is exact for every half up to exponent 20, and no result is subnormal', () => {
    const table = halfScaleTable(MAX_HALF_SHIFT);
    let subnormals = 0;
    for (let h = 0; h < 65536; h++) {
      const e = exponentOf(h);
      if (e === 31) {
        expect(table[h]).toBe(h); // Inf and NaN (with payload) stay
        continue;
      }
      if (e > 20) continue;
      if (isSubnormal(h)) subnormals++;
      expect(fromHalfBits(table[h]!)).toBe(fromHalfBits(h) * 1024);
      expect(isSubnormal(table[h]!)).toBe(false);
    }
    expect(subnormals).toBe(2 * 1023);
  });

  it('a smaller shift undoes part of a larger one exactly', () => {
    const up = halfScaleTable(10);
    const down = halfScaleTable(-7);
    const three = halfScaleTable(3);
    for (let h = 0; h < 65536; h++) {
      if (exponentOf(h) > 20 || exponentOf(h) === 31) continue;
      expect(down[up[h]!]).toBe(three[h]);
    }
  });

  it('picks the largest shift that keeps the top half finite', () => {
    expect(topExponent(Uint16Array.of(0, 0x8001, 0x7c00, toHalfBits(0.5)))).toBe(14); // Inf ignored
    expect(shiftFor(14)).toBe(10);
    expect(shiftFor(25)).toBe(5);
    expect(shiftFor(30)).toBe(0);
  });
});

describe('f16 weights in the arena', () => {
  const K = 40;
  const N = 48;

  it('store no subnormal half, and read back exactly the IEEE half values', () => {
    const w = weights(K * N, 1, 1e-4); // most halves near the subnormal range
    const bits = toHalfArray(w);
    expect(bits.some(isSubnormal)).toBe(true);
    const packed = packWeight(new Arena({ shared: false }), bits, 'out_in', K, N, undefined);
    expect(packed.halfShift).toBe(MAX_HALF_SHIFT);
    expect(packedView(packed).some(isSubnormal)).toBe(false);
    const row = new Float32Array(K);
    const halves = Float32Array.from({ length: 65536 }, (_, h) => fromHalfBits(h));
    for (const n of [0, 17, N - 1]) {
      readFeature(packed, n, row, halves);
      expect([...row]).toEqual([...bits.subarray(n * K, (n + 1) * K)].map(fromHalfBits));
    }
  });

  it('a later block with a large half lowers the shift of the rows already written, exactly', async () => {
    const w = weights(K * N, 2, 1e-3);
    w[(K - 1) * N + 5] = 60000; // exponent 30 in the last block: no shift is left
    w[(K - 1) * N + 6] = Number.POSITIVE_INFINITY;
    const bits = toHalfArray(w);
    const streamed = await packWeightFromRows(
      new Arena({ shared: false }),
      (bytes) => new ArrayBuffer(bytes),
      'in_out',
      K,
      N,
      'f16',
      async (start, count) => w.subarray(start * N, (start + count) * N),
      8,
    );
    expect(streamed.halfShift).toBe(0);
    expect(streamed.finite).toBe(false);
    const whole = packWeight(new Arena({ shared: false }), bits, 'in_out', K, N, undefined);
    expect(whole.halfShift).toBe(0);
    expect([...packedView(streamed)]).toEqual([...packedView(whole)]);
    // with no shift left, the packed halves are the IEEE bits themselves
    expect(new Set(packedView(whole))).toEqual(new Set(bits));
  });

  it.each([2, 4] as const)(
    'linear with f16 weights gives the bits of f32 weights holding the same half values (%i streams per step)',
    async (step) => {
      // both storages in one kernel form: the forms sum k in different orders (stream-step.ts), and V8 11
      // gives f32 and f16 different forms by default
      (globalThis as Record<string, unknown>)[STREAMS_PER_STEP_SWITCH] = step;
      // which f16 weight constants the linear kernels are compiled with: raw halves, rebiasing ones
      const compiled = new Set<string>();
      const compile = WasmProgram.compile.bind(WasmProgram);
      const spy = vi.spyOn(WasmProgram, 'compile').mockImplementation((factory, arena, options) => {
        const constants = (options.settings as { constants?: Record<string, { value?: unknown }> }).constants;
        // the four streams as one constant, or stream 0 of four (linear-webasm.ts)
        const w = (constants?.[JOINED_STREAMS] ?? constants?.[streamName(0)])?.value;
        if (w instanceof HalfArray) compiled.add(w instanceof RawHalfArray ? 'raw' : 'rebiasing');
        return compile(factory, arena, options);
      });
      const backend = await createBackend({ backend: 'webasm' });
      try {
        expect(backend.report().reason).toContain(`linear kernels: ${step} weight streams per step`);
        const Kx = 96;
        const Nx = 80;
        const w = weights(Kx * Nx, 3, 4e-3); // GPT-2's residual-projection scale: ≈ 1 % subnormal halves
        expect(toHalfArray(w).filter(isSubnormal).length).toBeGreaterThan(Kx * Nx * 0.005);
        const f16 = backend.weight(w, [Kx, Nx], { dtype: 'f16' });
        const f32 = backend.weight(roundToHalf(w), [Kx, Nx], { dtype: 'f32' });
        for (const [R, big] of [
          [1, 0],
          [5, 0],
          [1, 2 ** 30],
          [5, 2 ** 30],
        ] as const) {
          // one row takes the decode kernel, five the prefill kernel; an activation of 2^30 would overflow
          // once scaled for the raw kernels (× 2^102), so those calls take the rebiasing ones
          const values = randomArray(seededRandom(4 + R), R * Kx);
          if (big) values[3] = big;
          const x = backend.tensor(values, [R, Kx]);
          const [a, b] = await backend.scope(() =>
            Promise.all([linear(x, f16).toArray(), linear(x, f32).toArray()]),
          );
          expect(new Uint32Array(a!.buffer)).toEqual(new Uint32Array(b!.buffer));
        }
        expect(compiled).toEqual(new Set(['raw', 'rebiasing']));
      } finally {
        spy.mockRestore();
        backend.dispose();
        delete (globalThis as Record<string, unknown>)[STREAMS_PER_STEP_SWITCH];
      }
    },
  );
});
