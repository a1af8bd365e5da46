// argmax and top-k over the last dimension, on the device; only R·k (value, index) pairs are read back. On
// the CPU engines (webasm, cpu), whose buffers are host memory, both select on the host instead, from the
// buffer itself (top-k-host.ts): one pass and no copy, against k passes of two kernel calls (argmax after a
// gpt2-tiny step on webasm: 104 → about 45 µs); on a GPU, topk with k > DEVICE_PICKS reads the rows back once
// and selects on the host. The kernels below serve GPUs.
//
//   x: [R, V] → argmax: [R] ids; topk: [R, k] values + ids, descending, ties → lower index first
//
// Order: a before b ⇔ a.value > b.value, or equal values and a.index < b.index (NaN never selected).
// Pass j finds, per row, the first element after pick j−1 in that order, in two kernels:
//   segment: [R·S, 4]     cell (lane l, row r·S + s): the index of the best element among columns
//                         s·seg + 4t + l (t = 0, 1, …) below V4 (V rounded down to a multiple of 4), or −1
//   reduce:  [R, 2k]      the picks so far, then pick j: the best of the 4S candidates (values read from x)
//                         and of the last V − V4 ≤ 3 columns (the columns after it wait for later passes)
// A segment that did not hold pick j−1 keeps its candidates in pass j (its lanes' best elements after pick j−2
// all come after pick j−1, and every better element of those lanes came before pick j−2), so after the first
// pass only one segment a row is scanned again: k picks cost R·V + (k − 1)·R·seg reads and one readback of
// [R, 2k] at the end. S (segmentsFor) is up to 64 on GPUs and for k > 1; an argmax on the CPU engines scans
// one segment a row. The four lanes of a segment read neighbouring columns, which webasm loads as one vector
// per step, and no lane reads past V4, so the scan needs no per-lane bound test (the masked, lane-by-lane
// path on webasm); the segment returns indices only, so each element is scanned once. The kernels on webasm
// (Node 20, GPT-2's 50257 logits, before the CPU engines selected on the host): argmax 0.22 → 0.065 ms, topk(20) 5.3 → 0.8 ms, topk(50) 14.7 → 2.8 ms against the
// earlier form (256 segments of a value cell and an index cell each, every read bound-tested, every pass
// over the whole row).

import type { DeviceBuffer, KernelSpec, SourceContext } from '../backend.js';
import type { BaseBackend } from '../backends/base.js';
import type { Tensor } from '../types.js';
import { asTensor, checkInteger, sameBackend } from './common.js';
import { argmaxOnHost, NONE, topkOnHost } from './top-k-host.js';

export interface TopKParams {
  /** A pass after the first (it reads the picks so far and the previous pass's candidates). */
  readonly later: boolean;
  /** Segments per row: a power of two. */
  readonly segments: number;
  /** Columns per segment: a multiple of 4. */
  readonly seg: number;
}

/** Columns the segments scan: V rounded down to a multiple of 4 (the rest is the reduce's tail). */
export const scannedColumns = (V: number): number => V - (V % 4);

/**
 * Segments for a row of V values, for k picks. Many (about 256 columns each, at most 64: a power of two, so a
 * cell splits its row into (r, s) with a shift and a mask on webasm) on a GPU, so that enough cells run side
 * by side, and for k > 1 everywhere, so that a later pass rescans one segment (see the segment kernel). For
 * an argmax on a CPU (webasm, cpu), one segment of V4 columns per row, whose reads the code generator proves
 * in bounds (a loop with a break tests every vector load: GPT-2's 50257 logits, 52 against 35 µs on one thread).
 */
export function segmentsFor(V: number, gpu: boolean, k = 1): { segments: number; seg: number } {
  const V4 = scannedColumns(V);
  let segments = 1;
  while ((gpu || k > 1) && segments < 64 && segments * 2 * 256 <= V4) segments *= 2;
  return { segments, seg: Math.max(4, Math.ceil(V4 / segments / 4) * 4) };
}

/** Engines whose cells run side by side by the thousand (the others scan with one or two threads). */
const isGPU = (engine: string): boolean => !['webasm', 'cpu', 'reference'].includes(engine);

/** True when (v, i) comes after (pv, pi) in the order. */
function after(v: number, i: number, pv: number, pi: number): boolean {
  return v < pv || (v === pv && i > pi);
}

/** Row r and segment s of a segment cell (row r·S + s): integer shifts on webasm, float division elsewhere. */
function rowAndSegment(c: SourceContext, rows: number, S: number): string[] {
  if (rows === 1) return ['const r = 0;', `const s = ${c.row};`];
  if (c.mode === 'webasm')
    return [`const r = ${c.row} >> ${Math.log2(S)};`, `const s = ${c.row} & ${S - 1};`];
  return [`const r = Math.floor((${c.row} + 0.5) / ${S}.0);`, `const s = ${c.row} - r * ${S};`];
}

/** The previous pick (pv, pi) of row r, for a later pass (j, the pass, is a run-time scalar). */
const previousPick = (c: SourceContext, later: boolean): string[] =>
  later
    ? [`const pv = ${c.at('prev', 'r', 'j * 2 - 2')};`, `const pi = ${c.at('prev', 'r', 'j * 2 - 1')};`]
    : [];

/** Whether (v, i), not NaN, may be picked in this pass: after the previous pick, or anything in the first. */
const eligible = (later: boolean): string => (later ? '(v < pv || (v == pv && i > pi))' : '(v == v)');

/** Whether x[i] = v may be picked in this pass (reference code): not NaN, and after the previous pick. */
function eligibleRef(v: number, i: number, prev: [number, number] | undefined): boolean {
  return !Number.isNaN(v) && (!prev || after(v, i, prev[0], prev[1]));
}

export const topkSegmentSpec: KernelSpec<TopKParams> = {
  name: 'topk_segment',
  // a later pass also reads the picks so far [R, 2k] and the previous pass's candidates
  inputNames: (p) => (p.later ? ['x', 'prev', 'cand'] : ['x']),
  scalarNames: ['j'],
  key: (p) => `${p.later}.${p.segments}.${p.seg}`,
  body(c, p, dims) {
    const V4 = scannedColumns(dims.inputs[0].cols);
    const rows = dims.out.rows / p.segments;
    const partial = p.segments * p.seg > V4;
    return [
      ...rowAndSegment(c, rows, p.segments),
      ...previousPick(c, p.later),
      `const start = s * ${p.seg};`,
      // a segment that did not hold pick j − 1 keeps its candidates: the best of a lane after pick j − 2 that
      // was not pick j − 1 comes after it, and every better element of that lane came before pick j − 2
      p.later ? `if (pi < start || pi >= start + ${p.seg}) { return ${c.at('cand', c.row, c.col)}; }` : '',
      // the last segment may end before the others: a break, unless every segment is whole
      partial ? `const n = Math.min(${p.seg}, ${V4} - start);` : '',
      `let bv = ${NONE};`,
      'let bi = -1.0;',
      `for (let t = 0; t < ${p.seg / 4}; t++) {`,
      partial ? '  if (t * 4 >= n) { break; }' : '',
      `  const i = start + t * 4 + ${c.col};`,
      `  const v = ${c.at('x', 'r', 'i')};`,
      `  if (v > bv || bi < 0.0) { if ${eligible(p.later)} { bv = v; bi = i; } }`,
      '}',
      'return bi;',
    ].join('\n');
  },
  reference(args, p) {
    const [x, prev] = args.inputs;
    const j = args.scalars[0];
    const V = args.dims.inputs[0].cols;
    const V4 = scannedColumns(V);
    const pw = p.later ? args.dims.inputs[1].cols : 0;
    const S = p.segments;
    // every segment scanned anew, also in a later pass: the kernel's shortcut (a segment without pick j − 1
    // keeps its candidates) must give the same candidates, which the conformance cases check
    for (let y = 0; y < args.dims.out.rows; y++) {
      const r = Math.floor(y / S);
      const s = y - r * S;
      const last: [number, number] | undefined = p.later
        ? [prev[r * pw + 2 * j - 2], prev[r * pw + 2 * j - 1]]
        : undefined;
      for (let lane = 0; lane < 4; lane++) {
        let bv = NONE;
        let bi = -1;
        for (let i = s * p.seg + lane; i < Math.min(V4, (s + 1) * p.seg); i += 4) {
          const v = x[r * V + i];
          if (eligibleRef(v, i, last) && (bi < 0 || v > bv)) {
            bv = v;
            bi = i;
          }
        }
        args.out[y * 4 + lane] = bi;
      }
    }
  },
};

export const topkReduceSpec: KernelSpec<TopKParams> = {
  name: 'topk_reduce',
  inputNames: (p) => (p.later ? ['cand', 'x', 'prev'] : ['cand', 'x']),
  scalarNames: ['j'],
  key: (p) => `${p.later}.${p.segments}`,
  body(c, p, dims) {
    const V = dims.inputs[1].cols;
    const V4 = scannedColumns(V);
    const S = p.segments;
    const better = '(bi < 0.0 || v > bv || (v == bv && i < bi))';
    return [
      `const r = ${c.row};`,
      `const col = ${c.col};`,
      // [R, 2k]: the picks so far, this pass's pick, and columns later passes fill
      p.later ? `if (col < j * 2) { return ${c.at('prev', 'r', 'col')}; }` : '',
      `if (col > j * 2 + 1) { return ${NONE}; }`,
      ...previousPick(c, p.later),
      `let bv = ${NONE};`,
      'let bi = -1.0;',
      `for (let q = 0; q < ${S}; q++) {`,
      '  for (let lane = 0; lane < 4; lane++) {',
      `    const i = ${c.at('cand', `r * ${S} + q`, 'lane')};`,
      `    if (i >= 0.0) { const v = ${c.at('x', 'r', 'i')}; if ${better} { bv = v; bi = i; } }`,
      '  }',
      '}',
      // the tail's indices exceed every candidate's: a tie keeps the candidate
      `for (let i = ${V4}; i < ${V}; i++) {`,
      `  const v = ${c.at('x', 'r', 'i')};`,
      `  if (v > bv || bi < 0.0) { if ${eligible(p.later)} { bv = v; bi = i; } }`,
      '}',
      'if (col == j * 2) { return bv; }',
      'return bi;',
    ].join('\n');
  },
  reference(args, p) {
    const [cand, x, prev] = args.inputs;
    const j = args.scalars[0];
    const V = args.dims.inputs[1].cols;
    const S = p.segments;
    const W = args.dims.out.cols;
    for (let r = 0; r < args.dims.out.rows; r++) {
      for (let c = 0; c < W; c++) args.out[r * W + c] = c < 2 * j ? prev[r * W + c] : NONE;
      const last: [number, number] | undefined = p.later
        ? [prev[r * W + 2 * j - 2], prev[r * W + 2 * j - 1]]
        : undefined;
      let bv = NONE;
      let bi = -1;
      for (let u = 0; u < 4 * S; u++) {
        const i = cand[r * 4 * S + u];
        if (i < 0) continue;
        const v = x[r * V + i];
        if (bi < 0 || v > bv || (v === bv && i < bi)) {
          bv = v;
          bi = i;
        }
      }
      for (let i = scannedColumns(V); i < V; i++) {
        const v = x[r * V + i];
        if (eligibleRef(v, i, last) && (bi < 0 || v > bv)) {
          bv = v;
          bi = i;
        }
      }
      args.out[r * W + 2 * j] = bv;
      args.out[r * W + 2 * j + 1] = bi;
    }
  },
};

/**
 * Runs k passes on the device and reads back the [R, 2k] picks once. Each kernel has one program for the
 * first pass and one for all later ones (the pass is a run-time scalar, the picks a [R, 2k] buffer), so a
 * topk(20) compiles four programs, not forty.
 */
async function picks(
  owner: BaseBackend,
  x: DeviceBuffer,
  rows: number,
  V: number,
  k: number,
): Promise<Float32Array> {
  const { segments, seg } = segmentsFor(V, isGPU(owner.engine.name), k);
  let prev: DeviceBuffer | undefined;
  let cand: DeviceBuffer | undefined;
  for (let j = 0; j < k; j++) {
    const params = { later: j > 0, segments, seg };
    const inputs = prev && cand ? [x, prev, cand] : [x];
    const next = owner.engine.run(topkSegmentSpec, params, inputs, [j], rows * segments, 4);
    if (cand) owner.engine.free(cand);
    cand = next;
    const picked = owner.engine.run(
      topkReduceSpec,
      params,
      prev ? [cand, x, prev] : [cand, x],
      [j],
      rows,
      2 * k,
    );
    if (prev) owner.engine.free(prev);
    prev = picked;
  }
  owner.engine.free(cand!);
  const out = await owner.engine.read(prev!);
  owner.engine.free(prev!);
  return out;
}

/**
 * Index of the largest value of each row, computed on the device (on the host, in place, for a buffer in host
 * memory); ties → lowest index, NaN never (−1 for a row of NaN). Reads back R numbers.
 * @example
 * ```ts
 * const [next] = await argmax(logits); // logits [1, 50257]
 * ```
 */
export async function argmax(x: Tensor): Promise<Int32Array> {
  const xt = asTensor(x, 'argmax');
  const owner = sameBackend('argmax', xt);
  const host = owner.engine.hostView(xt.buffer);
  if (host) return argmaxOnHost(host, xt.rows, xt.cols);
  const out = await picks(owner, xt.buffer, xt.rows, xt.cols, 1);
  const ids = new Int32Array(xt.rows);
  for (let r = 0; r < xt.rows; r++) ids[r] = out[r * 2 + 1];
  return ids;
}

/**
 * The most picks `topk` makes with kernels on a GPU; more read the rows back and select on the host. GPT-2's
 * 50,257 logits on headless-gl (Mesa llvmpipe): reading the row back 0.18 ms, topk(10) by kernels 2.9 ms,
 * topk(51) 13.6 ms; the demo page on WebGPU (SwiftShader) sampled with top-k 50 at 6.2–7.9 tokens/s through
 * topk(51) by kernels, 7.0–9.8 reading the row back.
 */
const DEVICE_PICKS = 8;

/**
 * The k largest values of each row and their indices, descending, ties → lower index first.
 * @returns indices and values, both [R, k] row-major
 * @example
 * ```ts
 * const { indices, values } = await topk(logits, 50);
 * ```
 */
export async function topk(x: Tensor, k: number): Promise<{ indices: Int32Array; values: Float32Array }> {
  const xt = asTensor(x, 'topk');
  const owner = sameBackend('topk', xt);
  checkInteger('topk', 'k', k, 1, xt.cols);
  // a buffer in host memory (the CPU engines): one pass over it beats k passes of kernels (top-k-host.ts)
  const host = owner.engine.hostView(xt.buffer);
  if (host) return topkOnHost(host, xt.rows, xt.cols, k);
  // on a GPU each pick is two kernel calls: past a few, reading the rows back once costs less
  if (k > DEVICE_PICKS) return topkOnHost(await owner.engine.read(xt.buffer), xt.rows, xt.cols, k);
  return topkOnDevice(owner, xt.buffer, xt.rows, xt.cols, k);
}

/** topk by the kernels (k passes), on any engine; `topk` takes it on a GPU for k up to DEVICE_PICKS. */
export async function topkOnDevice(
  owner: BaseBackend,
  x: DeviceBuffer,
  rows: number,
  V: number,
  k: number,
): Promise<{ indices: Int32Array; values: Float32Array }> {
  const out = await picks(owner, x, rows, V, k);
  const indices = new Int32Array(rows * k);
  const values = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      values[r * k + j] = out[r * 2 * k + 2 * j];
      indices[r * k + j] = out[r * 2 * k + 2 * j + 1];
    }
  }
  return { indices, values };
}
