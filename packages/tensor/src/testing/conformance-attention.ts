// Conformance cases for attention over the KV cache: prefill, decoding steps, left padding, reorders and
// crops of several shapes, f16 caches, KVCache.expand, and two cases small enough to check by hand; each
// against the reference backend (or by hand).

import { attention } from '../ops/attention.js';
import type { KVCacheDType, Tensor } from '../types.js';
import { cacheHalfValue } from '../webasm/cache-half.js';
import { expectClose, expectEqual, randomArray, seededRandom } from './compare.js';
import { type ConformanceCase, F32_TOLERANCE } from './conformance.js';

const read = (t: Tensor) => t.toArray();

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
      const n = rows.length;
      const direct = reference.createKVCache({ ...options, batch: n });
      // the direct cache gets the prompt's rows in the expanded order
      const reordered = new Float32Array(n * T * 3 * C);
      for (const [i, r] of rows.entries()) {
        reordered.set(prompt.subarray(r * T * 3 * C, (r + 1) * T * 3 * C), i * T * 3 * C);
      }
      for (let layer = 0; layer < 2; layer++) {
        attention(backend.tensor(prompt, [2 * T, 3 * C]), source, layer, {
          batch: 2,
          scale,
        }).output.dispose();
        attention(reference.tensor(reordered, [n * T, 3 * C]), direct, layer, {
          batch: n,
          scale,
        }).output.dispose();
      }
      source.advance(T);
      direct.advance(T);
      const expanded = source.expand(rows);
      expectEqual('expanded length and batch', [expanded.length, expanded.batch], [T, n]);
      expectEqual("expanded dtype is the source's", [expanded.dtype === source.dtype ? 1 : 0], [1]);
      // a step, a reorder that moves rows (webasm moves only what differs between them), another step
      const step = kv(n * 3 * C);
      for (const [k, qkv] of [step, kv(n * 3 * C)].entries()) {
        for (const layer of [0, 1]) {
          const got = attention(backend.tensor(qkv, [n, 3 * C]), expanded, layer, { batch: n, scale });
          const want = attention(reference.tensor(qkv, [n, 3 * C]), direct, layer, { batch: n, scale });
          expectClose(
            `${this.name}: step ${k + 1}, layer ${layer}`,
            await read(got.output),
            await read(want.output),
            F32_TOLERANCE,
          );
        }
        expanded.advance(1);
        direct.advance(1);
        const moves = rows.map((_, i) => (i === 0 ? n - 1 : 0));
        if (k === 0) for (const c of [expanded, direct]) c.reorder(moves);
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
];

/** Every attention case. */
export function attentionCases(): ConformanceCase[] {
  return [
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
    // nine rows: beyond 8 the webasm regions keep the batch as the row stride (no power of two), three blocks
    attentionCase(9, 2, 8, 3, 2, true),
    attentionCase(1, 12, 64, 7, 2, false, 'f16'),
    attentionCase(3, 2, 32, 5, 2, true, 'f16'),
    attentionCase(2, 3, 6, 9, 2, false, 'f16'),
    expandCase(2, 32, 6, 'f32', [1, 0, 1]),
    expandCase(3, 6, 5, 'f32', [1, 0, 1]),
    expandCase(2, 32, 6, 'f16', [1, 0, 1]),
    // one row copied to all: every position shared, so the reorder moves only the step's
    expandCase(2, 32, 7, 'f32', [1, 1, 1]),
    expandCase(3, 6, 5, 'f16', [0, 0, 0]),
    // four rows (a power of two: the webasm kernels bound the row index), a shared prefix of two quads
    expandCase(2, 16, 9, 'f32', [1, 1, 1, 1]),
    expandCase(2, 32, 12, 'f16', [0, 0, 0, 0]),
    ...handCases,
  ];
}
