// attention: multi-head causal scaled-dot-product attention of T new positions over the KV cache, for prefill
// (T > 1) and decode (T = 1). Appends this call's K and V to the cache of `layer` first (on the device).
//
//   qkv: [B·T, 3C] (q | k | v, heads contiguous inside each), cache layer: K, V [B·nH·maxLen, hd]
//   → output [B·T, C] (heads concatenated), probs? [B, nH, T, L0+T]     with L0 = cache.length, C = nH·hd
//
// Kernels (scores are laid out [B·nH·T, maxLen] so decode steps keep one shape and one compiled kernel):
//   scores: s[bht, j] = scale · q·k_j for j ≤ L0+t; keyMask 0 → −1e30 (finite, like HF's additive mask);
//           positions past the causal limit are never read by the kernels below
//   stats:  [B·nH·T, 2] = (max_j s, Σ_j exp(s − max)) over j ≤ L0+t
//   output: out[bt, h·hd+d] = Σ_j exp(s − max)/Σ · v_j[d]
//   probs:  only when asked, [B·nH·T, L0+T]
//
// On webasm the three kernels are replaced by attention-host.ts over the cache arrays (a kernel call would copy
// the whole K/V cache into WebAssembly memory per call, and its 12·maxLen-cell output went to the thread pool).

import type { DeviceBuffer, KernelSpec } from '../backend.js';
import { TensorError } from '../errors.js';
import type { KVCacheImpl } from '../kv-cache.js';
import { KVCacheImpl as KVCacheClass } from '../kv-cache.js';
import type { KVCache, Tensor } from '../types.js';
import { attentionHost } from './attention-host.js';
import { asTensor, checkInteger, sameBackend, shapeError } from './common.js';

export interface AttentionParams {
  readonly B: number;
  readonly T: number;
  readonly nH: number;
  readonly hd: number;
  readonly maxLen: number;
  readonly masked: boolean;
}

const MASKED = -1e30;

/** Splits a flat row index into (outer, inner) with inner < n, robust to f32 division rounding. */
const split = (v: string, n: number, outer: string, inner: string) =>
  `const ${outer} = Math.floor((${v} + 0.5) / ${n}.0);\nconst ${inner} = ${v} - ${outer} * ${n};`;

export const attentionScoresSpec: KernelSpec<AttentionParams> = {
  name: 'attention_scores',
  inputNames: (p) => ['qkv', 'k', ...(p.masked ? ['mask'] : [])],
  scalarNames: ['L0', 'scale'],
  key: (p) => `${p.B}.${p.T}.${p.nH}.${p.hd}.${p.maxLen}.${p.masked}`,
  body(c, p) {
    return [
      `const row = ${c.row};`,
      `const j = ${c.col};`,
      split('row', p.T, 'bh', 't'),
      split('bh', p.nH, 'b', 'h'),
      'if (j > L0 + t) { return 0.0; }',
      'let s = 0.0;',
      `for (let d = 0; d < ${p.hd}; d++) {`,
      `  s += ${c.at('qkv', `b * ${p.T} + t`, `h * ${p.hd} + d`)} * ${c.at('k', `bh * ${p.maxLen} + j`, 'd')};`,
      '}',
      p.masked ? `if (${c.at('mask', 'b', 'j')} == 0.0) { return ${MASKED}; }` : '',
      'return s * scale;',
    ].join('\n');
  },
  reference(args, p) {
    const [qkv, k] = args.inputs;
    const mask = p.masked ? args.inputs[2] : undefined;
    const [L0, scale] = args.scalars;
    const C3 = 3 * p.nH * p.hd;
    const W = p.maxLen;
    for (let row = 0; row < args.dims.out.rows; row++) {
      const t = row % p.T;
      const bh = (row - t) / p.T;
      const h = bh % p.nH;
      const b = (bh - h) / p.nH;
      for (let j = 0; j < W; j++) {
        let v = 0;
        if (j <= L0 + t) {
          for (let d = 0; d < p.hd; d++)
            v += qkv[(b * p.T + t) * C3 + h * p.hd + d] * k[(bh * p.maxLen + j) * p.hd + d];
          v = mask && mask[b * p.maxLen + j] === 0 ? MASKED : v * scale;
        }
        args.out[row * W + j] = v;
      }
    }
  },
};

export const attentionStatsSpec: KernelSpec<AttentionParams> = {
  name: 'attention_stats',
  inputNames: () => ['s'],
  scalarNames: ['L0'],
  key: (p) => `${p.T}.${p.maxLen}`,
  body(c, p) {
    return [
      `const row = ${c.row};`,
      `const t = row - Math.floor((row + 0.5) / ${p.T}.0) * ${p.T};`,
      `let m = ${c.at('s', 'row', '0')};`,
      `for (let j = 1; j < ${p.maxLen}; j++) { if (j > L0 + t) { break; } m = Math.max(m, ${c.at('s', 'row', 'j')}); }`,
      `if (${c.col} == 0) { return m; }`,
      'let z = 0.0;',
      `for (let j = 0; j < ${p.maxLen}; j++) { if (j > L0 + t) { break; } z += Math.exp(${c.at('s', 'row', 'j')} - m); }`,
      'return z;',
    ].join('\n');
  },
  loopMax: (p) => p.maxLen,
  reference(args, p) {
    const s = args.inputs[0];
    const [L0] = args.scalars;
    for (let row = 0; row < args.dims.out.rows; row++) {
      const lim = L0 + (row % p.T);
      let m = s[row * p.maxLen];
      for (let j = 1; j <= lim; j++) m = Math.max(m, s[row * p.maxLen + j]);
      let z = 0;
      for (let j = 0; j <= lim; j++) z += Math.exp(s[row * p.maxLen + j] - m);
      args.out[row * 2] = m;
      args.out[row * 2 + 1] = z;
    }
  },
};

export const attentionOutputSpec: KernelSpec<AttentionParams> = {
  name: 'attention_output',
  inputNames: () => ['s', 'stats', 'v'],
  scalarNames: ['L0'],
  key: (p) => `${p.B}.${p.T}.${p.nH}.${p.hd}.${p.maxLen}`,
  body(c, p) {
    return [
      `const bt = ${c.row};`,
      `const col = ${c.col};`,
      split('bt', p.T, 'b', 't'),
      split('col', p.hd, 'h', 'd'),
      `const bh = b * ${p.nH} + h;`,
      `const row = bh * ${p.T} + t;`,
      `const m = ${c.at('stats', 'row', '0')};`,
      `const z = ${c.at('stats', 'row', '1')};`,
      'let acc = 0.0;',
      `for (let j = 0; j < ${p.maxLen}; j++) {`,
      '  if (j > L0 + t) { break; }',
      `  acc += Math.exp(${c.at('s', 'row', 'j')} - m) * ${c.at('v', `bh * ${p.maxLen} + j`, 'd')};`,
      '}',
      'return acc / z;',
    ].join('\n');
  },
  loopMax: (p) => p.maxLen,
  reference(args, p) {
    const [s, stats, v] = args.inputs;
    const [L0] = args.scalars;
    const C = p.nH * p.hd;
    for (let bt = 0; bt < args.dims.out.rows; bt++) {
      const t = bt % p.T;
      const b = (bt - t) / p.T;
      for (let col = 0; col < C; col++) {
        const d = col % p.hd;
        const h = (col - d) / p.hd;
        const bh = b * p.nH + h;
        const row = bh * p.T + t;
        let acc = 0;
        for (let j = 0; j <= L0 + t; j++) {
          acc += Math.exp(s[row * p.maxLen + j] - stats[row * 2]) * v[(bh * p.maxLen + j) * p.hd + d];
        }
        args.out[bt * C + col] = acc / stats[row * 2 + 1];
      }
    }
  },
};

export const attentionProbsSpec: KernelSpec<AttentionParams> = {
  name: 'attention_probs',
  inputNames: () => ['s', 'stats'],
  scalarNames: ['L0'],
  key: (p) => `${p.T}.${p.maxLen}`,
  body(c, p) {
    return [
      `const row = ${c.row};`,
      `const j = ${c.col};`,
      `const t = row - Math.floor((row + 0.5) / ${p.T}.0) * ${p.T};`,
      'if (j > L0 + t) { return 0.0; }',
      `return Math.exp(${c.at('s', 'row', 'j')} - ${c.at('stats', 'row', '0')}) / ${c.at('stats', 'row', '1')};`,
    ].join('\n');
  },
  reference(args, p) {
    const [s, stats] = args.inputs;
    const [L0] = args.scalars;
    const W = args.dims.out.cols;
    for (let row = 0; row < args.dims.out.rows; row++) {
      const t = row % p.T;
      for (let j = 0; j < W; j++) {
        args.out[row * W + j] =
          j > L0 + t ? 0 : Math.exp(s[row * p.maxLen + j] - stats[row * 2]) / stats[row * 2 + 1];
      }
    }
  },
};

/** keyMask [B, W] → [B, width] (positions past W stay 0: never read below the causal limit). */
function paddedMask(keyMask: Float32Array, B: number, W: number, width: number): Float32Array {
  const padded = new Float32Array(B * width);
  for (let b = 0; b < B; b++) padded.set(keyMask.subarray(b * W, (b + 1) * W), b * width);
  return padded;
}

/** Options of {@link attention}. */
export interface AttentionOptions {
  batch: number;
  scale: number;
  /** [B, cache.length + T]: 1 attend, 0 masked (left padding). */
  keyMask?: Float32Array;
  returnProbs?: boolean;
}

/**
 * Causal multi-head attention of the T new positions in `qkv` over the cache of `layer`, after appending their
 * keys and values. Call `cache.advance(T)` once after every layer ran.
 * @example
 * ```ts
 * const { output } = attention(qkv, cache, i, { batch: 1, scale: 1 / Math.sqrt(64) }); // [T, 768]
 * ```
 */
export function attention(
  qkv: Tensor,
  cache: KVCache,
  layer: number,
  options: AttentionOptions,
): { output: Tensor; probs?: Tensor } {
  const what = 'attention';
  const q = asTensor(qkv, what);
  const owner = sameBackend(what, q);
  if (!(cache instanceof KVCacheClass) || cache.owner !== owner) {
    throw new TensorError(
      'backend_mismatch',
      'attention: cache must come from createKVCache() of the same backend as qkv',
    );
  }
  const kv = cache as KVCacheImpl;
  kv.assertLive(what);
  const { nHead: nH, headDim: hd, maxLength: maxLen } = kv;
  const B = options.batch;
  checkInteger(what, 'options.batch', B, 1, kv.batch);
  if (B !== kv.batch)
    throw new TensorError(
      'shape_mismatch',
      `attention: options.batch is ${B} but the cache holds ${kv.batch} rows; create the cache with this batch`,
    );
  checkInteger(what, 'layer', layer, 0, kv.nLayer - 1);
  if (!Number.isFinite(options.scale))
    throw new TensorError('invalid_option', `attention: scale must be finite, got ${options.scale}`);
  const C = nH * hd;
  if (q.cols !== 3 * C || q.rows % B !== 0) {
    throw shapeError(
      what,
      'qkv',
      q.shape,
      `[B·T, ${3 * C}] with B = ${B}`,
      'pass the c_attn output of the whole batch',
    );
  }
  const T = q.rows / B;
  const L0 = kv.length;
  if (L0 + T > maxLen) {
    throw new TensorError(
      'cache_overflow',
      `attention: ${L0} cached + ${T} new positions exceed the cache's maxLength ${maxLen}; crop the cache or create it longer`,
    );
  }
  let mask: DeviceBuffer | undefined;
  if (options.keyMask) {
    if (options.keyMask.length !== B * (L0 + T)) {
      throw new TensorError(
        'shape_mismatch',
        `attention: keyMask has ${options.keyMask.length} entries, expected [B, cache.length + T] = ${B}·${L0 + T}`,
      );
    }
  }
  if (options.keyMask && !kv.storage) {
    mask = owner.engine.upload(paddedMask(options.keyMask, B, L0 + T, maxLen), B, maxLen);
  }
  if (kv.storage) {
    kv.storage.append(layer, q.buffer, T, L0);
    const hostMask = options.keyMask ? paddedMask(options.keyMask, B, L0 + T, maxLen) : undefined;
    const result = kv.storage.attention(layer, q.buffer, {
      T,
      L0,
      scale: options.scale,
      ...(hostMask ? { mask: hostMask } : {}),
      returnProbs: options.returnProbs === true,
    });
    const output = owner.wrap([B * T, C], result.output);
    return result.probs ? { output, probs: owner.tensor(result.probs, [B, nH, T, L0 + T]) } : { output };
  }
  const { k, v } = kv.append(layer, q.buffer, B, T);
  const p: AttentionParams = { B, T, nH, hd, maxLen, masked: !!mask };
  const engine = owner.engine;
  // webasm: the cache already lives in host memory, and a kernel call would copy all of it per call
  const hq = engine.name === 'webasm' ? engine.hostView(q.buffer) : undefined;
  const hk = hq && engine.hostView(k);
  const hv = hq && engine.hostView(v);
  const hm = mask && engine.hostView(mask);
  if (hq && hk && hv && (!mask || hm)) {
    const probsData = options.returnProbs ? new Float32Array(B * nH * T * (L0 + T)) : undefined;
    const out = attentionHost(p, hq, hk, hv, hm, L0, options.scale, probsData);
    if (mask) engine.free(mask);
    const output = owner.tensor(out, [B * T, C]);
    return probsData ? { output, probs: owner.tensor(probsData, [B, nH, T, L0 + T]) } : { output };
  }
  const rows = B * nH * T;
  const scores = engine.run(
    attentionScoresSpec,
    p,
    mask ? [q.buffer, k, mask] : [q.buffer, k],
    [L0, options.scale],
    rows,
    maxLen,
  );
  const stats = engine.run(attentionStatsSpec, p, [scores], [L0], rows, 2);
  const output = owner.run(attentionOutputSpec, p, [scores, stats, v], [L0], [B * T, C]);
  let probs: Tensor | undefined;
  if (options.returnProbs)
    probs = owner.run(attentionProbsSpec, p, [scores, stats], [L0], [B, nH, T, L0 + T]);
  engine.free(scores);
  engine.free(stats);
  if (mask) engine.free(mask);
  return probs ? { output, probs } : { output };
}
