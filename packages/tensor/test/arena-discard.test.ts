// Disposing a webasm backend does not scrub its arena (src/webasm/arena.ts, `discard`): the memory is dropped
// with the engine, and zeroing it cost GPT-2 124M f32 180 ms and committed the pages of regions never written.
// While the backend lives, a freed weight's region is still zeroed (free space reads as fresh memory), and a
// discarded arena hands nothing out.

import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import type { WeightImpl } from '../src/tensor.js';
import { Arena } from '../src/webasm/arena.js';
import type { PackedWeight } from '../src/webasm/packed-weight.js';

/** The packed bytes of a webasm weight, as a view of its arena memory. */
function packedBytes(weight: unknown): Uint8Array {
  const packed = (weight as WeightImpl).data.storage as PackedWeight;
  const { chunk, offset, bytes } = packed.data;
  return new Uint8Array(chunk.memory.buffer, offset, bytes);
}

const nonZero = (bytes: Uint8Array) => bytes.reduce((n, b) => n + (b !== 0 ? 1 : 0), 0);

describe('webasm arena at teardown', () => {
  it('zeroes a weight freed while the backend lives, and leaves the arena as it is when the backend is disposed', async () => {
    const backend = await createBackend({ backend: 'webasm', threads: 1, kernelCache: false });
    const values = Float32Array.from({ length: 64 * 96 }, (_, i) => 1 + (i % 7));
    const freed = backend.weight(values, [64, 96]);
    const kept = backend.weight(values, [64, 96]);
    const freedBytes = packedBytes(freed);
    const keptBytes = packedBytes(kept);
    expect(nonZero(freedBytes)).toBeGreaterThan(1000);
    freed.dispose();
    expect(nonZero(freedBytes)).toBe(0);

    const before = nonZero(keptBytes);
    backend.dispose();
    expect((kept as WeightImpl).data.freed).toBe(true);
    expect(nonZero(keptBytes)).toBe(before);
  });

  it('hands nothing out once discarded, and releases without zeroing', () => {
    const arena = new Arena({ shared: false });
    const region = arena.alloc(4096);
    const view = new Uint8Array(region.chunk.memory.buffer, region.offset, region.bytes);
    view.fill(7);
    arena.discard();
    region.chunk.release(region);
    expect(view.every((b) => b === 7)).toBe(true);
    expect(() => arena.alloc(64)).toThrow(/discarded/);
    expect(() => region.chunk.tryAllocAt(region.offset, 64)).toThrow(/discarded/);
    expect(() => arena.allocWeight(1 << 30, 0)).toThrow(/discarded/);
  });
});
