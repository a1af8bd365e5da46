// Packs a weight into the arena from blocks of its source rows as they arrive (backend.weightFromRows):
// each block is converted (f16) or quantised (int8) and written in place, so the whole f32 matrix never
// exists. int8 'in_out' weights read their rows twice: their per-column scales span every row.

import { int8Scales, maxAbsPerFeature, quantizeWithScales, toHalfArray } from '../dtype.js';
import type { WeightDType } from '../types.js';
import type { Arena } from './arena.js';
import { allocPackedWeight, type PackedWeight, writeRows, writeScales } from './packed-weight.js';

/** Rows start … start+count−1 of the source matrix, row-major (consumed before the next call). */
export type RowReader = (start: number, count: number) => Promise<Float32Array>;

export async function packWeightFromRows(
  arena: Arena,
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
    await blocks((block, start, count) => {
      let values: Float32Array | Int8Array | Uint16Array = block;
      if (dtype === 'f16') values = toHalfArray(block);
      else if (scales) values = quantizeWithScales(block, count, cols, 1, scales);
      else if (rowScales) {
        const own = int8Scales(maxAbsPerFeature(block, count, cols, 0));
        rowScales.set(own, start);
        values = quantizeWithScales(block, count, cols, 0, own);
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
