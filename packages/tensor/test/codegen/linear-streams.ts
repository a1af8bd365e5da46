// The weight constants of the webasm linear kernels (src/ops/linear-webasm.ts) from one packed array.
import * as gpujs from 'gpu.js';
import {
  JOINED_STREAMS,
  matvecSource,
  PREFILL_BLOCKS,
  rowsSource,
  STREAMS,
  streamName,
} from '../../src/ops/linear-webasm.js';
import type { KernelFactory } from './harness.js';

type Packed = Float32Array | Int8Array | Uint16Array;

/**
 * Constants w0 … w3 for a weight packed as one array [G][slots][block] (slots: k, or int8's k pairs; block:
 * 16 values, or 32 bytes): slot 4j + s goes to stream s at [G][slots/4][block], as packed-weight.ts lays
 * out the arena. The array's class (HalfArray included) carries over.
 */
export function streamConstants(
  packed: Packed,
  slots: number,
  G: number,
  block: number,
): Record<string, gpujs.Input> {
  const per = slots / STREAMS;
  const make = packed.constructor as new (length: number) => Packed;
  const constants: Record<string, gpujs.Input> = {};
  for (let s = 0; s < STREAMS; s++) {
    const stream = new make(G * per * block);
    for (let g = 0; g < G; g++) {
      for (let j = 0; j < per; j++) {
        const from = (g * slots + j * STREAMS + s) * block;
        stream.set(packed.subarray(from, from + block), (g * per + j) * block);
      }
    }
    constants[streamName(s)] = new gpujs.Input(stream as unknown as number[], [block, per, G]);
  }
  return constants;
}

/**
 * The one constant of a kernel that reads the four streams as one (the f32/f16 prefill kernel, and the
 * decode kernels in the two-streams-per-step form): the streams of {@link streamConstants} end to end,
 * [block, slots/4, 4G] (stream s at groups sG … sG + G − 1).
 */
export function joinedConstants(
  packed: Packed,
  slots: number,
  G: number,
  block: number,
): Record<string, gpujs.Input> {
  const streams = Object.values(streamConstants(packed, slots, G, block));
  const make = packed.constructor as new (length: number) => Packed;
  const per = packed.length / STREAMS;
  const all = new make(packed.length);
  streams.forEach((input, s) => {
    all.set((input as unknown as { value: Packed }).value, s * per);
  });
  return {
    [JOINED_STREAMS]: new gpujs.Input(all as unknown as number[], [block, slots / STREAMS, STREAMS * G]),
  };
}

/**
 * The f32 decode kernel of the webasm linear op in `form` (streams per step) over a weight packed [G][K][16]:
 * arguments x [K], bias (an Input [16, G]), gelu; output [4, G], Array(4).
 */
export function f32DecodeKernel(K: number, G: number, w: Float32Array, form: 2 | 4 = 4): KernelFactory {
  return (gpu) =>
    gpu.createKernel(
      matvecSource({ K, G, int8: false }, form) as unknown as () => number,
      {
        output: [4, G],
        returnType: 'Array(4)',
        constants: form === 2 ? joinedConstants(w, K, G, 16) : streamConstants(w, K, G, 16),
      } as gpujs.IGPUKernelSettings,
    );
}

/**
 * The f32 prefill kernel in `form` over a weight packed [G][K][16]: arguments x (an Input [K, PREFILL_ROWS]),
 * bias (an Input [16, G]), gelu; output [4, 4, G·PREFILL_BLOCKS], Array(4).
 */
export function f32PrefillKernel(K: number, G: number, w: Float32Array, form: 2 | 4): KernelFactory {
  return (gpu) =>
    gpu.createKernel(
      rowsSource({ K, G, int8: false }, form) as unknown as () => number,
      {
        output: [4, 4, G * PREFILL_BLOCKS],
        returnType: 'Array(4)',
        constants: joinedConstants(w, K, G, 16),
      } as gpujs.IGPUKernelSettings,
    );
}
