// Appending keys and values to a webasm KV cache (kv-storage.ts has the layout): the same loops over two
// stores, the value (f32) or its half's bits, rounded (f16); one function each keeps every store monomorphic.
// K at kAt + 4d, V at vAt + d within a group of W.

import { cacheHalfBits } from './cache-half.js';

/** Batch rows B (S of them reserved per layer), heads nH, head size hd, positions L (a multiple of 4), V group width W. */
export interface CacheLayout {
  readonly B: number;
  readonly S: number;
  readonly nH: number;
  readonly hd: number;
  readonly L: number;
  readonly W: number;
}

/** Writes the K and V thirds of qkv rows [B·T, 3C] at positions L0 … L0+T−1 of `layer`. */
export function appendFloat(
  { B, S, nH, hd, L, W }: CacheLayout,
  layer: number,
  src: Float32Array,
  T: number,
  L0: number,
  k: Float32Array,
  v: Float32Array,
): void {
  const C = nH * hd;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * 3 * C;
      const pos = L0 + t;
      const quad = (layer * S + b) * (L / 4) + (pos >> 2);
      for (let h = 0; h < nH; h++) {
        const bh = (layer * S + b) * nH + h;
        const kAt = (quad * nH + h) * hd * 4 + (pos & 3);
        const from = row + C + h * hd;
        // plain loops: a subarray per head and layer was most of this function's cost
        for (let d = 0; d < hd; d++) k[kAt + d * 4] = src[from + d];
        for (let g = 0; g < hd; g += W) {
          const vAt = (bh * hd + g) * L + pos * W; // slab bh·hd/W + g/W, row pos
          for (let d = 0; d < W; d++) v[vAt + d] = src[from + C + g + d];
        }
      }
    }
  }
}

/** {@link appendFloat} into a cache of halves; `src` holds the f32 bits of the qkv rows. */
export function appendHalf(
  { B, S, nH, hd, L, W }: CacheLayout,
  layer: number,
  src: Uint32Array,
  T: number,
  L0: number,
  k: Uint16Array,
  v: Uint16Array,
): void {
  const C = nH * hd;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * 3 * C;
      const pos = L0 + t;
      const quad = (layer * S + b) * (L / 4) + (pos >> 2);
      for (let h = 0; h < nH; h++) {
        const bh = (layer * S + b) * nH + h;
        const kAt = (quad * nH + h) * hd * 4 + (pos & 3);
        const from = row + C + h * hd;
        for (let d = 0; d < hd; d++) k[kAt + d * 4] = cacheHalfBits(src[from + d]);
        for (let g = 0; g < hd; g += W) {
          const vAt = (bh * hd + g) * L + pos * W;
          for (let d = 0; d < W; d++) v[vAt + d] = cacheHalfBits(src[from + C + g + d]);
        }
      }
    }
  }
}
