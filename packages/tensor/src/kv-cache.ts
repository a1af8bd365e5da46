// KV cache: per layer, keys and values of past positions as [B·nH·maxLen, hd] device buffers (position-major
// inside each (batch, head) block). Appends happen on the device: in place on host-memory engines (cpu, webasm,
// reference), by a copy kernel elsewhere (GL textures and WebGPU buffers are immutable kernel outputs).

import type { DeviceBuffer, KernelSpec, KVStorage } from './backend.js';
import type { BaseBackend } from './backends/base.js';
import { TensorError } from './errors.js';
import type { KVCache, KVCacheDType, KVCacheOptions } from './types.js';

interface AppendParams {
  readonly B: number;
  readonly T: number;
  readonly nH: number;
  readonly hd: number;
  readonly maxLen: number;
  /** 1 for keys, 2 for values: which third of the qkv row. */
  readonly part: 1 | 2;
}

/** new[bh·maxLen + p, d] = qkv[b·T + p − L0, part·C + h·hd + d] for L0 ≤ p < L0+T, else old. Scalar: L0. */
export const kvAppendSpec: KernelSpec<AppendParams> = {
  name: 'kv_append',
  inputNames: () => ['old', 'qkv'],
  scalarNames: ['L0'],
  key: (p) => `${p.B}.${p.T}.${p.nH}.${p.hd}.${p.maxLen}.${p.part}`,
  body(c, p) {
    const C = p.nH * p.hd;
    return [
      `const row = ${c.row};`,
      `const d = ${c.col};`,
      `const bh = Math.floor((row + 0.5) / ${p.maxLen}.0);`,
      `const pos = row - bh * ${p.maxLen};`,
      `const b = Math.floor((bh + 0.5) / ${p.nH}.0);`,
      `const h = bh - b * ${p.nH};`,
      `if (pos >= L0 && pos < L0 + ${p.T}) { return ${c.at('qkv', `b * ${p.T} + pos - L0`, `${p.part * C} + h * ${p.hd} + d`)}; }`,
      `return ${c.at('old', 'row', 'd')};`,
    ].join('\n');
  },
  reference(args, p) {
    const [old, qkv] = args.inputs;
    const [L0] = args.scalars;
    args.out.set(old);
    appendInto(args.out, qkv, L0, p);
  },
};

function appendInto(cache: Float32Array, qkv: Float32Array, L0: number, p: AppendParams): void {
  const C = p.nH * p.hd;
  for (let b = 0; b < p.B; b++) {
    for (let t = 0; t < p.T; t++) {
      const src = (b * p.T + t) * 3 * C + p.part * C;
      for (let h = 0; h < p.nH; h++) {
        const dst = ((b * p.nH + h) * p.maxLen + L0 + t) * p.hd;
        cache.set(qkv.subarray(src + h * p.hd, src + (h + 1) * p.hd), dst);
      }
    }
  }
}

/** new block b = old block rows[b] (beam reorder); input idx [1, B]. */
export const kvReorderSpec: KernelSpec<{ nH: number; maxLen: number }> = {
  name: 'kv_reorder',
  inputNames: () => ['old', 'idx'],
  scalarNames: [],
  key: (p) => `${p.nH}.${p.maxLen}`,
  body(c, p) {
    const block = p.nH * p.maxLen;
    return [
      `const row = ${c.row};`,
      `const b = Math.floor((row + 0.5) / ${block}.0);`,
      `const src = ${c.at('idx', '0', 'b')} * ${block} + row - b * ${block};`,
      `return ${c.at('old', 'src', c.col)};`,
    ].join('\n');
  },
  reference(args, p) {
    const [old, idx] = args.inputs;
    const block = p.nH * p.maxLen * args.dims.out.cols;
    for (let b = 0; b < idx.length; b++)
      args.out.set(old.subarray(idx[b] * block, (idx[b] + 1) * block), b * block);
  },
};

export class KVCacheImpl implements KVCache {
  readonly nLayer: number;
  readonly nHead: number;
  readonly headDim: number;
  readonly maxLength: number;
  readonly batch: number;
  readonly dtype: KVCacheDType;
  /** the storage asked for (`dtype` is what the engine keeps) */
  readonly #requested: KVCacheDType;
  #length = 0;
  #disposed = false;
  readonly #k: DeviceBuffer[] = [];
  readonly #v: DeviceBuffer[] = [];
  /** The engine's own cache and attention, when it has them (webasm); then #k and #v stay empty. */
  readonly storage: KVStorage | undefined;

  constructor(
    readonly owner: BaseBackend,
    options: KVCacheOptions,
  ) {
    const check = (name: string, value: number | undefined, max: number) => {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
        throw new TensorError(
          'invalid_option',
          `createKVCache: ${name} must be an integer in [1, ${max}], got ${value}`,
        );
      }
    };
    check('nLayer', options.nLayer, 4096);
    check('nHead', options.nHead, 4096);
    check('headDim', options.headDim, 16384);
    check('maxLength', options.maxLength, 1 << 20);
    check('batch', options.batch ?? 1, 65536);
    const dtype = options.dtype ?? 'f32';
    if (dtype !== 'f32' && dtype !== 'f16') {
      throw new TensorError(
        'invalid_option',
        `createKVCache: dtype must be 'f32' or 'f16', got ${JSON.stringify(options.dtype)}`,
      );
    }
    this.nLayer = options.nLayer;
    this.nHead = options.nHead;
    this.headDim = options.headDim;
    this.maxLength = options.maxLength;
    this.batch = options.batch ?? 1;
    this.storage = owner.engine.createKVStorage?.({
      nLayer: this.nLayer,
      nHead: this.nHead,
      headDim: this.headDim,
      maxLength: this.maxLength,
      batch: this.batch,
      dtype,
    });
    this.#requested = dtype;
    this.dtype = this.storage?.dtype ?? 'f32';
    if (this.storage) return;
    const rows = this.batch * this.nHead * this.maxLength;
    const zeros = new Float32Array(rows * this.headDim);
    for (let i = 0; i < this.nLayer; i++) {
      this.#k.push(owner.engine.upload(zeros, rows, this.headDim));
      this.#v.push(owner.engine.upload(zeros, rows, this.headDim));
    }
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): number {
    return this.storage?.bytes ?? this.#k.reduce((sum, b) => sum + b.bytes, 0) * 2;
  }

  assertLive(what: string): void {
    if (this.#disposed)
      throw new TensorError(
        'disposed',
        `${what}: the KV cache was disposed; create a new one with createKVCache()`,
      );
  }

  /** Writes the K and V thirds of `qkv` ([B·T, 3C]) at positions length … length+T−1 of `layer`. */
  append(layer: number, qkv: DeviceBuffer, B: number, T: number): { k: DeviceBuffer; v: DeviceBuffer } {
    if (this.storage)
      throw new TensorError('invalid_option', 'KVCache.append: this cache is kept by its engine');
    const engine = this.owner.engine;
    for (const part of [1, 2] as const) {
      const list = part === 1 ? this.#k : this.#v;
      const p: AppendParams = { B, T, nH: this.nHead, hd: this.headDim, maxLen: this.maxLength, part };
      const host = engine.hostView(list[layer]);
      const src = engine.hostView(qkv);
      if (host && src) {
        appendInto(host, src, this.#length, p);
      } else {
        const next = engine.run(
          kvAppendSpec,
          p,
          [list[layer], qkv],
          [this.#length],
          list[layer].rows,
          this.headDim,
        );
        engine.free(list[layer]);
        list[layer] = next;
      }
    }
    return { k: this.#k[layer], v: this.#v[layer] };
  }

  advance(steps: number): void {
    this.assertLive('advance');
    if (!Number.isInteger(steps) || steps < 0 || this.#length + steps > this.maxLength) {
      throw new TensorError(
        'cache_overflow',
        `KVCache.advance: ${this.#length} + ${steps} positions do not fit maxLength ${this.maxLength}`,
      );
    }
    this.#length += steps;
  }

  reorder(rows: readonly number[]): void {
    this.assertLive('reorder');
    if (rows.length !== this.batch || rows.some((r) => !Number.isInteger(r) || r < 0 || r >= this.batch)) {
      throw new TensorError(
        'invalid_option',
        `KVCache.reorder: rows must list ${this.batch} row indices in [0, ${this.batch}), got [${rows.join(', ')}]`,
      );
    }
    if (rows.every((r, i) => r === i)) return;
    if (this.storage) {
      this.storage.reorder(rows);
      return;
    }
    this.#gatherFrom(this, rows);
  }

  expand(rows: readonly number[]): KVCache {
    this.assertLive('expand');
    if (
      !Array.isArray(rows) ||
      rows.length < 1 ||
      rows.length > 65536 ||
      rows.some((r) => !Number.isInteger(r) || r < 0 || r >= this.batch)
    ) {
      throw new TensorError(
        'invalid_option',
        `KVCache.expand: rows must list 1 to 65536 row indices in [0, ${this.batch}), got [${String(rows)}]`,
      );
    }
    const target = this.owner.createKVCache({
      nLayer: this.nLayer,
      nHead: this.nHead,
      headDim: this.headDim,
      maxLength: this.maxLength,
      batch: rows.length,
      dtype: this.#requested,
    }) as KVCacheImpl;
    try {
      if (this.storage) this.storage.copyRowsInto(target.storage as KVStorage, rows);
      else target.#gatherFrom(this, rows);
      target.#length = this.#length;
    } catch (e) {
      target.dispose();
      throw e;
    }
    return target;
  }

  /**
   * This cache's buffers become rows `rows` of `source`'s (the reorder kernel): a reorder when `source` is this
   * cache, an expand into another batch size otherwise. Each old buffer is read before it is freed.
   */
  #gatherFrom(source: KVCacheImpl, rows: readonly number[]): void {
    const engine = this.owner.engine;
    const idx = engine.upload(Float32Array.from(rows), 1, rows.length);
    try {
      for (const [mine, theirs] of [
        [this.#k, source.#k],
        [this.#v, source.#v],
      ] as const) {
        for (let layer = 0; layer < this.nLayer; layer++) {
          const next = engine.run(
            kvReorderSpec,
            { nH: this.nHead, maxLen: this.maxLength },
            [theirs[layer], idx],
            [],
            mine[layer].rows,
            this.headDim,
          );
          engine.free(mine[layer]);
          mine[layer] = next;
        }
      }
    } finally {
      engine.free(idx);
    }
  }

  crop(length: number): void {
    this.assertLive('crop');
    if (!Number.isInteger(length) || length < 0 || length > this.#length) {
      throw new TensorError(
        'invalid_option',
        `KVCache.crop: length must be an integer in [0, ${this.#length}], got ${length}`,
      );
    }
    this.#length = length;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.storage?.dispose();
    for (const b of [...this.#k, ...this.#v]) this.owner.engine.free(b);
    this.#k.length = 0;
    this.#v.length = 0;
    this.owner.untrackCache(this);
  }
}
