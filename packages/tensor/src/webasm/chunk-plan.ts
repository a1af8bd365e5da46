// Where the chunks of one threaded kernel call begin and end (thread-pool.ts): bounds[k] … bounds[k + 1] is
// chunk k, claimed by whichever thread gets to it first (chunk-claim.ts).
//
// Two plans:
// - uniform: about `chunksPerThread` equal chunks per participant (prefill calls: 16).
// - front-loaded (the default, every decode call): each participant's first chunk is large, 3/(4P) of the
//   cells, and the last quarter is cut into P small chunks that balance the finish. A chunk start costs
//   its claim and call, and each weight stream it reads starts cold (the prefetcher ramps up again), so
//   fewer, longer chunks help where a call is short; the small tail still lets a thread that started late
//   or ran slow hand over work. GPT-2 124M int8 decoding (Node 20, two threads, one process alternating
//   plans between generations): 0.90–0.94× the step time of four equal chunks per thread in six runs, 0.96×
//   with another process busy on the second core; f32 and f16 unchanged (their calls are longer).

import { MAX_CHUNKS } from './chunk-claim.js';

/** Whole quads for SIMD calls (`run_simd` serves four cells at a time). */
const grain = (simd: boolean): number => (simd ? 4 : 1);

/**
 * Cells per chunk of a call of `cells` cells over `participants` threads: about `chunksPerThread` chunks each,
 * at most MAX_CHUNKS in all, a multiple of 4 for `simd` calls.
 */
export function chunkCells(
  cells: number,
  participants: number,
  chunksPerThread: number,
  simd: boolean,
): number {
  const chunk = Math.max(Math.ceil(cells / (participants * chunksPerThread)), Math.ceil(cells / MAX_CHUNKS));
  return Math.ceil(chunk / grain(simd)) * grain(simd);
}

/**
 * The chunk bounds of a call: 0 = bounds[0] < bounds[1] < … < bounds[n] = cells, n ≤ MAX_CHUNKS, every inner
 * bound a multiple of 4 for `simd` calls. With `chunksPerThread`, uniform; without, front-loaded.
 */
export function chunkBounds(
  cells: number,
  participants: number,
  simd: boolean,
  chunksPerThread?: number,
): number[] {
  const g = grain(simd);
  let at: number[];
  if (chunksPerThread !== undefined) {
    const chunk = chunkCells(cells, participants, chunksPerThread, simd);
    at = Array.from({ length: Math.ceil(cells / chunk) }, (_, k) => k * chunk);
  } else {
    // P chunks of 3/(4P), then P of 1/(4P): fractions k·3/(4P) for k ≤ P, then 3/4 + (k − P)/(4P)
    const P = Math.min(participants, Math.floor(MAX_CHUNKS / 2));
    at = Array.from({ length: 2 * P }, (_, k) => {
      const fraction = k <= P ? (3 * k) / (4 * P) : 3 / 4 + (k - P) / (4 * P);
      return Math.min(cells, Math.round((cells * fraction) / g) * g);
    });
  }
  const bounds = [0];
  for (const b of [...at, cells]) if (b > bounds[bounds.length - 1]) bounds.push(b);
  return bounds;
}
