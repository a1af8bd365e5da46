// Typed errors at the op boundary: shapes, disposed tensors, cache limits, mixed backends, option ranges.

import { afterAll, describe, expect, it } from 'vitest';
import {
  add,
  attention,
  createBackend,
  embedding,
  linear,
  TensorError,
  takeRows,
  topk,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

const backend = await createBackend({ backend: 'cpu' });
const other = createReferenceBackend();
afterAll(() => {
  backend.dispose();
  other.dispose();
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(TensorError.isInstance(e)).toBe(true);
    return (e as TensorError).code;
  }
  return undefined;
}

describe('op argument errors', () => {
  it('names shapes in a linear mismatch', () => {
    const x = backend.tensor(new Float32Array(6), [2, 3]);
    const w = backend.weight(new Float32Array(8), [4, 2]);
    expect(() => linear(x, w)).toThrow(/x has shape \[2, 3\], expected \[…, 4\]/);
    expect(codeOf(() => linear(x, w))).toBe('shape_mismatch');
    expect(codeOf(() => add(x, backend.tensor(new Float32Array(3), [3])))).toBe('shape_mismatch');
  });

  it('refuses disposed tensors and tensors of another backend', () => {
    const a = backend.tensor(Float32Array.of(1, 2), [2]);
    a.dispose();
    expect(a.disposed).toBe(true);
    expect(codeOf(() => add(a, a))).toBe('disposed');
    expect(
      codeOf(() => add(backend.tensor(Float32Array.of(1), [1]), other.tensor(Float32Array.of(1), [1]))),
    ).toBe('backend_mismatch');
  });

  it('checks data length, embedding ids, rows and k', async () => {
    expect(codeOf(() => backend.tensor(new Float32Array(3), [2, 2]))).toBe('shape_mismatch');
    const wte = backend.weight(new Float32Array(12), [4, 3], { layout: 'out_in' });
    const wpe = backend.tensor(new Float32Array(6), [2, 3]);
    expect(() => embedding(wte, wpe, Int32Array.of(4), Int32Array.of(0))).toThrow(
      /outside the vocabulary \[0, 4\)/,
    );
    expect(() => embedding(wte, wpe, Int32Array.of(0), Int32Array.of(2))).toThrow(/n_positions/);
    expect(codeOf(() => takeRows(wpe, [2]))).toBe('invalid_option');
    await expect(topk(wpe, 4)).rejects.toThrow(/k must be an integer in \[1, 3\]/);
    expect(codeOf(() => backend.weight(new Float32Array(4), [2, 2], { dtype: 'bf16' as never }))).toBe(
      'invalid_option',
    );
  });

  it('stops a cache overflow with the lengths in the message', () => {
    const cache = backend.createKVCache({ nLayer: 1, nHead: 1, headDim: 2, maxLength: 2 });
    const qkv = backend.tensor(new Float32Array(18), [3, 6]);
    expect(() => attention(qkv, cache, 0, { batch: 1, scale: 1 })).toThrow(
      /0 cached \+ 3 new positions exceed the cache's maxLength 2/,
    );
    expect(() => cache.advance(3)).toThrow(TensorError);
    expect(() => cache.reorder([1])).toThrow(/row indices in \[0, 1\)/);
    expect(() => cache.expand([0, 1])).toThrow(
      /expand: rows must list 1 to 65536 row indices in \[0, 1\), got \[0,1\]/,
    );
    expect(codeOf(() => cache.expand([]))).toBe('invalid_option');
    cache.dispose();
    expect(codeOf(() => cache.expand([0]))).toBe('disposed');
  });

  it('frees everything on dispose', async () => {
    const b = await createBackend({ backend: 'cpu' });
    b.tensor(new Float32Array(4), [4]);
    b.weight(new Float32Array(4), [2, 2], { dtype: 'int8' });
    b.createKVCache({ nLayer: 1, nHead: 1, headDim: 1, maxLength: 1 });
    expect(b.memory().tensors).toBe(3);
    b.dispose();
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
    expect(codeOf(() => b.tensor(new Float32Array(1), [1]))).toBe('disposed');
  });
});
