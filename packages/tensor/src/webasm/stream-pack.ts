// Packs a weight into the arena from blocks of its source rows as they arrive (backend.weightFromRows):
// each block is converted (f16) or quantised (int8) and written in place, so the whole f32 matrix never
// exists. int8 'in_out' weights read their rows twice: their per-column scales span every row. The
// converted blocks go through the engine's one scratch buffer (`PackScratch`): a fresh megabyte-sized
// array per block or per weight left the native heap 25–30 MB larger after loading GPT-2 124M (freed
// arrays wait for the garbage collector, and the allocator keeps their pages). A block is converted and
// written with no await in between, so loads running concurrently can share that buffer.

import { int8Scales, maxAbsPerFeature, quantizeWithScales, toHalfArray } from '../dtype.js';
import type { WeightDType } from '../types.js';
import type { Arena } from './arena.js';
import { allocPackedWeight, type PackedWeight, writeRows, writeScales } from './packed-weight.js';

/** Rows start … start+count−1 of the source matrix, row-major (consumed before the next call). */
export type RowReader = (start: number, count: number) => Promise<Float32Array>;

/** At least `bytes` bytes of scratch memory, reused from call to call (its contents are not kept). */
export type PackScratch = (bytes: number) => ArrayBuffer;

export async function packWeightFromRows(
  arena: Arena,
  scratch: PackScratch,
  layout: 'in_out' | 'out_in',
  K: number,
  N: number,
  dtype: WeightDType,
  read: RowReader,
  rowsPerRead: number,
): Promise<PackedWeight> {
  const weight = allocPackedWeight(arena, dtype, K, N);
  const rows = layout === 'in_out' ? K : N;
  const cols = layout === 'in_out' ? N : K;
  const blocks = async (each: (block: Float32Array, start: number, count: number) => void) => {
    for (let start = 0; start < rows; start += rowsPerRead) {
      const count = Math.min(rowsPerRead, rows - start);
      each(await read(start, count), start, count);
    }
  };
  try {
    let scales: Float32Array | undefined;
    if (dtype === 'int8' && layout === 'in_out') {
      const max = new Float32Array(N);
      await blocks((block, _, count) => maxAbsPerFeature(block, count, cols, 1, max));
      scales = int8Scales(max);
    }
    const rowScales = dtype === 'int8' && layout === 'out_in' ? new Float32Array(N) : undefined;
    const blockLength = Math.min(rowsPerRead, rows) * cols;
    const converted =
      dtype === 'f16'
        ? new Uint16Array(scratch(2 * blockLength), 0, blockLength)
        : dtype === 'int8'
          ? new Int8Array(scratch(blockLength), 0, blockLength)
          : undefined;
    await blocks((block, start, count) => {
      let values: Float32Array | Int8Array | Uint16Array = block;
      const into = converted?.subarray(0, count * cols);
      if (into instanceof Uint16Array) values = toHalfArray(block, into);
      else if (into && scales) values = quantizeWithScales(block, count, cols, 1, scales, 0, into);
      else if (into && rowScales) {
        const own = int8Scales(maxAbsPerFeature(block, count, cols, 0));
        rowScales.set(own, start);
        values = quantizeWithScales(block, count, cols, 0, own, 0, into);
      }
      writeRows(weight, layout, start, values, count);
    });
    if (dtype === 'int8') writeScales(weight, (scales ?? rowScales) as Float32Array);
  } catch (error) {
    weight.block.chunk.release(weight.block);
    throw error;
  }
  return weight;
}
