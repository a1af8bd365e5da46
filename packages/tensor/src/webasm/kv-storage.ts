// The KV cache of the webasm engine: every layer's keys and values in two arena regions, appended in place
// from the host and read in place by the attention kernels of ops/attention-webasm.ts.
//
//   K4 [layers·S][L/4][nH][hd][4]: four consecutive positions side by side, so the scores kernel reads them
//      with one vector load per d, and the heads of one quad of positions next to each other, so the
//      kernel's cells (head after head, then the next quad) read the cache front to back;
//      V [layers·S·nH·hd/W][L][W]: column groups of W = valueWidth(hd) d (16 for GPT-2's 64), each a
//      position-major run, so a SIMD cell of the output kernel reads its group front to back
//      (layers: n_layer rounded up to a power of two, S: the batch B likewise, for the bounds proofs of
//      ops/attention-webasm.ts; rows B … S − 1 are address space nobody writes).
//   Only the positions written are ever touched, so a 1024-position cache costs resident memory in
//   proportion to the positions used.
//
// Attention runs query rows in blocks of QB (1 when decoding one row, BATCH_BLOCK when decoding several,
// PREFILL_BLOCK otherwise) through four chained
// programs whose intermediates (scores, max, exp) stay in the arena: each program reads its predecessor's
// output region in place.

import type { DeviceBuffer, KVShape, KVStorage } from '../backend.js';
import { DeviceBuffer as Buffer } from '../backend.js';
import {
  HALF_Q_SCALE,
  HALF_SCORE_SCALE,
  limitCells,
  outputRow,
  sharesPrefix,
  valueWidth,
} from '../ops/attention-webasm.js';
import type { KVCacheDType } from '../types.js';
import type { Region } from './arena.js';
import { attentionPrograms } from './attention-programs.js';
import type { HostBuffers } from './host-buffers.js';
import { appendFloat, appendHalf, type CacheLayout } from './kv-append.js';
import type { ProgramOptions, WasmProgram } from './program.js';

/** Query rows per attention call in prefill (a power of two: the kernels split rows with shifts). */
export const PREFILL_BLOCK = 32;
/** Query rows per attention call when several rows decode one position each (beams, several sequences). */
export const BATCH_BLOCK = 4;

/** What the storage needs from its engine: regions, compiled (cached) programs and the thread pool. */
export interface KVHost {
  /** A region for a cache (reused across caches of one size), in a chunk with room for its programs. */
  cacheRegions(kBytes: number, vBytes: number, slack: number): { k: Region; v: Region };
  returnCacheRegions(k: Region, v: Region): void;
  /** A program built once per `key` (kernels depend on the shape and the regions they read). */
  program(key: string, build: () => ProgramOptions): WasmProgram;
  /** Host arrays to take outputs and staging from (and give staging back to). */
  readonly buffers: HostBuffers;
  /** Runs cells [0, cells) of `program` (default all). */
  callProgram(
    program: WasmProgram,
    inputs: (ArrayLike<number> | null)[],
    scalars: number[],
    cells?: number,
  ): void;
}

/**
 * Rows a layer's cache region reserves for a batch of B: B rounded up to a power of two up to 8 rows (beams,
 * a few sequences), B itself beyond (where doubling the address space could exhaust WebAssembly's 4 GiB).
 */
export function rowStride(B: number): number {
  return B <= 8 ? 2 ** Math.ceil(Math.log2(B)) : B;
}

/** One cache region's values: f32, or half bit patterns. */
type CacheView = Float32Array | Uint16Array;

export class ArenaKVStorage implements KVStorage {
  readonly bytes: number;
  readonly dtype: KVCacheDType;
  readonly #shape: KVShape;
  readonly #L: number;
  readonly #layers: number;
  readonly #host: KVHost;
  readonly #k: Region;
  readonly #v: Region;
  readonly #kView: CacheView;
  readonly #vView: CacheView;
  /** d per V row: runs of L·W floats ("slabs"), hd / W of them per head */
  readonly #W: number;
  readonly #Input: new (
    value: unknown,
    size: number[],
  ) => unknown;
  /** One past the highest position written: V rows up to it are zeroed before the regions are reused. */
  #written = 0;
  /**
   * Positions below this hold the same keys and values in every row (a cache expanded from one row: a prompt
   * shared by beams), so a reorder leaves them where they are.
   */
  #shared = 0;
  /** Rows a layer's region holds: the batch rounded up to a power of two (the kernels' row stride). */
  readonly #S: number;
  /** The layout the appends write (kv-append.ts). */
  readonly #layout: CacheLayout;
  /** reorder's copy of its source rows. */
  #saved: CacheView = new Float32Array(0);
  #disposed = false;

  constructor(shape: KVShape, host: KVHost, Input: new (value: unknown, size: number[]) => unknown) {
    this.#shape = shape;
    this.#host = host;
    this.#Input = Input;
    const L = Math.ceil(shape.maxLength / 4) * 4;
    this.#L = L;
    this.#layers = 2 ** Math.ceil(Math.log2(shape.nLayer));
    this.#S = rowStride(shape.batch);
    // regions for power-of-two layer and row counts: the layers past n_layer and the rows past the batch are
    // address space nobody touches (a batch of 3 or 5 beams decodes as fast per row as one of 4 or 8)
    const floats = this.#layers * this.#S * shape.nHead * L * shape.headDim;
    const C = shape.nHead * shape.headDim;
    // intermediates of the three block sizes: scores and exp [QB·nH, L], plus qkv, max and output blocks
    const perBlock = (qb: number) => (2 * qb * shape.nHead * L + qb * (4 * C + shape.nHead)) * 4 + 4096;
    const slack = perBlock(1) + perBlock(BATCH_BLOCK) + perBlock(PREFILL_BLOCK);
    this.dtype = shape.dtype;
    const size = shape.dtype === 'f16' ? 2 : 4;
    const { k, v } = host.cacheRegions(floats * size, floats * size, slack);
    this.#k = k;
    this.#v = v;
    const view = (r: Region): CacheView =>
      shape.dtype === 'f16'
        ? new Uint16Array(r.chunk.buffer, r.offset, floats)
        : new Float32Array(r.chunk.buffer, r.offset, floats);
    this.#kView = view(k);
    this.#vView = view(v);
    this.#W = valueWidth(shape.headDim);
    this.#layout = { B: shape.batch, S: this.#S, nH: shape.nHead, hd: shape.headDim, L, W: this.#W };
    this.bytes = shape.nLayer * shape.batch * shape.nHead * L * shape.headDim * 2 * size;
  }

  append(layer: number, qkv: DeviceBuffer, T: number, L0: number): void {
    const src = qkv.storage as Float32Array;
    this.#written = Math.max(this.#written, L0 + T);
    this.#shared = Math.min(this.#shared, L0);
    if (this.dtype === 'f16') {
      const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
      appendHalf(this.#layout, layer, bits, T, L0, this.#kView as Uint16Array, this.#vView as Uint16Array);
    } else {
      appendFloat(this.#layout, layer, src, T, L0, this.#kView as Float32Array, this.#vView as Float32Array);
    }
  }

  attention(
    layer: number,
    qkv: DeviceBuffer,
    args: { T: number; L0: number; scale: number; mask?: Float32Array; returnProbs: boolean },
  ): { output: DeviceBuffer; probs?: Float32Array } {
    const { batch: B, nHead: nH, headDim: hd } = this.#shape;
    const { T, L0, scale } = args;
    const C = nH * hd;
    const mask = args.mask && this.#widen(args.mask);
    const R = B * T;
    // a decoding step of several rows (beams) runs them BATCH_BLOCK at a time: four calls a block, not a row
    const QB = T === 1 ? (R === 1 ? 1 : BATCH_BLOCK) : PREFILL_BLOCK;
    const half = this.dtype === 'f16';
    const p = attentionPrograms(
      {
        layers: this.#layers,
        B,
        S: this.#S,
        nH,
        hd,
        L: this.#L,
        QB,
        masked: !!mask,
        decoding: T === 1,
        half,
      },
      this.#host,
      { k: this.#k, v: this.#v },
      this.#Input,
    );
    // several rows decoding one position each: the kernels take the quads of positions every row shares
    const sharing = sharesPrefix(p.shape);
    const src = qkv.storage as Float32Array;
    const host = this.#host;
    const out = host.buffers.take(R * C);
    const probs = args.returnProbs ? new Float32Array(B * nH * T * (L0 + T)) : undefined;
    const block = host.buffers.take(QB * 3 * C);
    for (let r0 = 0; r0 < R; r0 += QB) {
      const rows = Math.min(QB, R - r0);
      block.fill(0);
      block.set(src.subarray(r0 * 3 * C, (r0 + rows) * 3 * C));
      if (half) scaleQueries(block, rows, C);
      // positions past the block's last causal limit are never computed
      let limit = 0;
      for (let i = 0; i < rows; i++) limit = Math.max(limit, L0 + ((r0 + i) % T));
      const cells = limitCells(p.shape, limit);
      host.callProgram(
        p.scores,
        mask ? [block, null, mask] : [block, null],
        sharing
          ? [layer, L0, T, r0, Math.floor(this.#shared / 4), half ? scale * HALF_SCORE_SCALE : scale]
          : [layer, L0, T, r0, half ? scale * HALF_SCORE_SCALE : scale],
        cells,
      );
      host.callProgram(p.max, [null], [layer, L0, T, r0]);
      host.callProgram(p.exp, [null, null], [layer, L0, T, r0], cells);
      host.callProgram(
        p.output,
        [null, null],
        sharing ? [layer, L0, T, r0, Math.floor(this.#shared / 4)] : [layer, L0, T, r0],
      );
      outputRow(p.shape, p.output.output(), rows, out, r0 * C);
      if (probs) this.#probs(p.exp.output(), probs, r0, rows, T, L0, QB);
    }
    host.buffers.give(block);
    const output = new Buffer(R, C, out);
    return probs ? { output, probs } : { output };
  }

  reorder(rows: readonly number[]): void {
    const { nLayer, nHead: nH, headDim: hd } = this.#shape;
    const L = this.#L;
    const block = nH * L * hd; // one batch row of one layer, in both layouts
    // only the positions written so far move, and only into the rows whose source is another row (a beam
    // search's cache of 1,024 positions used to be copied whole, twice, at every step); the sources' values
    // are saved first, since two rows may share a source and a row may be a source and a destination at once
    const moved = rows.flatMap((source, b) => (source === b ? [] : [b]));
    if (moved.length === 0) return;
    const sources = [...new Set(moved.map((b) => rows[b]))];
    const slot = new Map(sources.map((source, i) => [source, i]));
    // K is [layer][b][position quad][head][d][4]: a row's written positions are a prefix of its block;
    // V is [layer][b][head][group][position][d in group]: one prefix per slab (group of a head). Both move
    // from the first position that differs between rows (whole quads of K) to the last written.
    const W = this.#W;
    const slabsPerHead = hd / W;
    const quadFrom = Math.floor(this.#shared / 4) * 4;
    const kFrom = quadFrom * nH * hd;
    const kSpan = (Math.ceil(this.#written / 4) * 4 - quadFrom) * nH * hd;
    const vFrom = this.#shared * W;
    const vSpan = (this.#written - this.#shared) * W;
    const saved = this.#reorderScratch(sources.length * Math.max(kSpan, vSpan));
    for (let layer = 0; layer < nLayer; layer++) {
      const base = layer * this.#S * block + kFrom;
      for (const [source, i] of slot) {
        saved.set(this.#kView.subarray(base + source * block, base + source * block + kSpan), i * kSpan);
      }
      for (const b of moved) {
        const i = slot.get(rows[b]) as number;
        this.#kView.set(saved.subarray(i * kSpan, (i + 1) * kSpan), base + b * block);
      }
      // V: a row's slabs of L·W floats, hd / W per head, each written up to the same position
      for (let slab = 0; slab < nH * slabsPerHead; slab++) {
        const at = (b: number) => (layer * this.#S + b) * block + slab * L * W + vFrom;
        for (const [source, i] of slot)
          saved.set(this.#vView.subarray(at(source), at(source) + vSpan), i * vSpan);
        for (const b of moved) {
          const i = slot.get(rows[b]) as number;
          this.#vView.set(saved.subarray(i * vSpan, (i + 1) * vSpan), at(b));
        }
      }
    }
  }

  copyRowsInto(target: KVStorage, rows: readonly number[]): void {
    if (!(target instanceof ArenaKVStorage) || target.dtype !== this.dtype || target.#W !== this.#W) {
      throw new Error('webasm KV cache: expand needs a cache of the same engine, shape and dtype');
    }
    const { nLayer, nHead: nH, headDim: hd } = this.#shape;
    const S = this.#S;
    const St = target.#S;
    const L = this.#L;
    const W = this.#W;
    const block = nH * L * hd; // one batch row of one layer, in both layouts
    // only the positions written so far: a prefix of each row's K block and of each V slab
    const kSpan = Math.ceil(this.#written / 4) * 4 * nH * hd;
    const vSpan = this.#written * W;
    const slabs = (nH * hd) / W;
    target.#written = this.#written;
    // copies of one row share every position; rows of several share what this cache's rows share
    target.#shared = rows.every((r) => r === rows[0]) ? this.#written : this.#shared;
    for (let layer = 0; layer < nLayer; layer++) {
      for (let b = 0; b < rows.length; b++) {
        const from = (layer * S + rows[b]) * block;
        const to = (layer * St + b) * block;
        target.#kView.set(this.#kView.subarray(from, from + kSpan), to);
        for (let slab = 0; slab < slabs; slab++) {
          const at = slab * L * W;
          target.#vView.set(this.#vView.subarray(from + at, from + at + vSpan), to + at);
        }
      }
    }
  }

  /** Host scratch for `reorder`, kept from call to call (grown when needed). */
  #reorderScratch(length: number): CacheView {
    if (this.#saved.length < length) {
      this.#saved = this.dtype === 'f16' ? new Uint16Array(length) : new Float32Array(length);
    }
    return this.#saved;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    // the output kernel reads whole quads of positions (weights 0 past the limit): keep reused V rows finite
    const { nLayer, batch: B, nHead: nH, headDim: hd } = this.#shape;
    const W = this.#W;
    const slabs = (nH * hd) / W; // a row's, in each layer
    for (let layer = 0; layer < nLayer; layer++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < slabs; j++) {
          const slab = (layer * this.#S + b) * slabs + j;
          this.#vView.fill(0, slab * this.#L * W, (slab * this.#L + this.#written) * W);
        }
      }
    }
    this.#host.returnCacheRegions(this.#k, this.#v);
    this.#saved = new Float32Array(0);
  }

  /** A [B, maxLength] mask as the kernels read it: [B, L] (L rounds maxLength up to a multiple of 4). */
  #widen(mask: Float32Array): Float32Array {
    const { batch: B, maxLength } = this.#shape;
    const L = this.#L;
    if (L === maxLength) return mask;
    const out = new Float32Array(B * L);
    for (let b = 0; b < B; b++) out.set(mask.subarray(b * maxLength, (b + 1) * maxLength), b * L);
    return out;
  }

  /** Normalised probabilities of one block: e / Σe per row, into probs [B, nH, T, L0 + T]. */
  #probs(
    e: Float32Array,
    probs: Float32Array,
    r0: number,
    rows: number,
    T: number,
    L0: number,
    QB: number,
  ): void {
    const { nHead: nH } = this.#shape;
    const W = L0 + T;
    for (let i = 0; i < rows; i++) {
      const bt = r0 + i;
      const b = Math.floor(bt / T);
      const t = bt - b * T;
      for (let h = 0; h < nH; h++) {
        // e is laid out [L/4][QB][nH][4]
        const at = (j: number) => (((j >> 2) * QB + i) * nH + h) * 4 + (j & 3);
        let sum = 0;
        for (let j = 0; j <= L0 + t; j++) sum += e[at(j)];
        const to = ((b * nH + h) * T + t) * W;
        for (let j = 0; j <= L0 + t; j++) probs[to + j] = e[at(j)] / sum;
      }
    }
  }
}

/** A half cache's queries: the q third of each of the block's first `rows` rows times HALF_Q_SCALE. */
function scaleQueries(block: Float32Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    const at = r * 3 * C;
    for (let c = 0; c < C; c++) block[at + c] *= HALF_Q_SCALE;
  }
}
