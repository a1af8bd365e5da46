// The 'f16' KV cache: webasm keeps halves (the conformance suite checks its attention on every backend);
// here what only webasm does, and the conversion it stores, against dtype.ts's exact one.
import { afterAll, describe, expect, it } from 'vitest';
import { toHalfBits } from '../src/dtype.js';
import { createBackend } from '../src/index.js';
import type { Backend } from '../src/types.js';
import { cacheHalfBits, cacheHalfValue } from '../src/webasm/cache-half.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (value: number) => {
  f32[0] = value;
  return u32[0];
};

describe('cacheHalfBits', () => {
  it('is the nearest half (ties to even) in the normal range, on 200,000 random f32 patterns', () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    let checked = 0;
    for (let i = 0; i < 200000; i++) {
      // exponents around the halves' range, every mantissa and sign
      const exponent = 100 + (next() % 60);
      const x = ((next() & 1) << 31) | (exponent << 23) | (next() & 0x7fffff);
      const abs = x & 0x7fffffff;
      if (abs < 0x38800000 || abs >= 0x477ff000) continue;
      f32[0] = 0;
      u32[0] = x >>> 0;
      expect(cacheHalfBits(x >>> 0)).toBe(toHalfBits(f32[0]));
      checked++;
    }
    expect(checked).toBeGreaterThan(50000);
  });

  it('stores ±0 below 2^-14 and the exponent-31 pattern from 65,520 on', () => {
    expect(cacheHalfBits(bitsOf(2 ** -14))).toBe(0x0400);
    expect(cacheHalfBits(bitsOf(2 ** -14 * 0.999))).toBe(0);
    expect(cacheHalfBits(bitsOf(-1e-7))).toBe(0x8000);
    expect(cacheHalfBits(bitsOf(65504))).toBe(0x7bff);
    expect(cacheHalfBits(bitsOf(65519.99))).toBe(0x7bff);
    expect(cacheHalfBits(bitsOf(65520))).toBe(0x7c00);
    expect(cacheHalfBits(bitsOf(-1e30))).toBe(0xfc00);
    expect(cacheHalfValue(1 + 2 ** -11)).toBe(1);
    expect(cacheHalfValue(-Math.PI)).toBe(-3.140625);
    expect(cacheHalfValue(3e-5)).toBe(0);
  });
});

describe("createKVCache({ dtype: 'f16' }) on webasm", () => {
  let backend: Backend;
  afterAll(() => backend?.dispose());

  it('keeps halves, in half the memory of an f32 cache', async () => {
    backend = await createBackend({ backend: 'webasm' });
    const options = { nLayer: 2, nHead: 3, headDim: 16, maxLength: 64 };
    const before = backend.memory().bytes;
    const f32Cache = backend.createKVCache(options);
    const f32Bytes = backend.memory().bytes - before;
    f32Cache.dispose();
    const halfCache = backend.createKVCache({ ...options, dtype: 'f16' });
    const halfBytes = backend.memory().bytes - before;
    expect(f32Cache.dtype).toBe('f32');
    expect(halfCache.dtype).toBe('f16');
    expect(f32Bytes).toBe(2 * 2 * 3 * 64 * 16 * 4);
    expect(halfBytes).toBe(f32Bytes / 2);
    halfCache.dispose();
  });

  it('refuses another dtype, naming the allowed ones', () => {
    expect(() =>
      backend.createKVCache({ nLayer: 1, nHead: 1, headDim: 4, maxLength: 4, dtype: 'int8' as 'f16' }),
    ).toThrowError(/dtype must be 'f32' or 'f16', got "int8"/);
  });
});
