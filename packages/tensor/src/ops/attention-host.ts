// attention on host memory (webasm): the same math as the three attention kernels, run in plain TypeScript over
// the cache arrays themselves. A kernel call would copy the whole [B·nH·maxLen, hd] K and V caches into its
// WebAssembly memory on every call and evaluate B·nH·T·maxLen score cells; here only j ≤ L0+t is touched.
//
//   qkv: [B·T, 3C], k, v: [B·nH·maxLen, hd], mask?: [B, maxLen] → out [B·T, C], probs? [B·nH·T, L0+T]

import type { AttentionParams } from './attention.js';

const MASKED = -1e30;

export function attentionHost(
  p: AttentionParams,
  qkv: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Float32Array | undefined,
  L0: number,
  scale: number,
  probs: Float32Array | undefined,
): Float32Array {
  const { B, T, nH, hd, maxLen } = p;
  const C = nH * hd;
  const out = new Float32Array(B * T * C);
  const s = new Float64Array(L0 + T);
  const acc = new Float64Array(hd);
  const W = L0 + T;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < nH; h++) {
      const bh = b * nH + h;
      for (let t = 0; t < T; t++) {
        const lim = L0 + t; // inclusive causal limit
        const qo = (b * T + t) * 3 * C + h * hd;
        let m = -Infinity;
        for (let j = 0; j <= lim; j++) {
          const ko = (bh * maxLen + j) * hd;
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += qkv[qo + d] * k[ko + d];
          // scores are f32 in the kernels: round the same way before the softmax
          const sj = mask && mask[b * maxLen + j] === 0 ? MASKED : Math.fround(dot * scale);
          s[j] = sj;
          if (sj > m) m = sj;
        }
        let z = 0;
        acc.fill(0);
        for (let j = 0; j <= lim; j++) {
          const e = Math.exp(s[j] - m);
          s[j] = e;
          z += e;
          const vo = (bh * maxLen + j) * hd;
          for (let d = 0; d < hd; d++) acc[d] += e * v[vo + d];
        }
        const oo = (b * T + t) * C + h * hd;
        for (let d = 0; d < hd; d++) out[oo + d] = acc[d] / z;
        if (probs) {
          const po = (bh * T + t) * W;
          for (let j = 0; j <= lim; j++) probs[po + j] = s[j] / z;
        }
      }
    }
  }
  return out;
}
