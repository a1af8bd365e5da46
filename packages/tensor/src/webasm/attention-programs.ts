// The four attention programs of a webasm KV cache (ops/attention-webasm.ts has their kernels): compiled once
// per shape and cache regions, each reading its predecessor's output region in place.

import { RawHalfArray } from '../codegen/half-array.js';
import {
  attentionArgumentTypes,
  expSource,
  maxSource,
  outputCells,
  outputSource,
  outputValueDims,
  scoresSource,
  sharesPrefix,
  type WebasmAttentionShape,
} from '../ops/attention-webasm.js';
import type { Region } from './arena.js';
import type { KVHost } from './kv-storage.js';
import type { WasmProgram } from './program.js';

export interface AttentionPrograms {
  shape: WebasmAttentionShape;
  scores: WasmProgram;
  max: WasmProgram;
  exp: WasmProgram;
  output: WasmProgram;
}

/** The programs of shape `s` over cache regions `k` and `v` (built on first use, then the host's). */
export function attentionPrograms(
  s: WebasmAttentionShape,
  host: KVHost,
  cache: { k: Region; v: Region },
  Input: new (value: unknown, size: number[]) => unknown,
): AttentionPrograms {
  const { B, nH, hd, L, QB } = s;
  const C = nH * hd;
  const key = `${s.layers}.${B}.${nH}.${hd}.${L}.${QB}.${s.masked}.${s.decoding}.${s.half}@${cache.k.chunk.id}:${cache.k.offset}:${cache.v.offset}`;
  const f32 = (n: number) => new Float32Array(n);
  // a bound argument's representative value is a view of the region it reads
  const view = (r: Region, n: number) => new Float32Array(r.chunk.buffer, r.offset, n);
  const cacheView = (r: Region, n: number) =>
    s.half ? RawHalfArray.fromBits(new Uint16Array(r.chunk.buffer, r.offset, n)) : view(r, n);
  const settings = (output: number[], types: string[]) => ({
    output,
    argumentTypes: types,
    tactic: 'precision',
    loopMaxIterations: L,
  });
  const scalars = (n: number) => Array.from({ length: n }, () => 0);
  const rows = s.layers * s.S * nH; // (layer, row, head) blocks of the regions
  const scores = host.program(`attention_scores|${key}`, () => ({
    source: scoresSource(s),
    settings: settings(
      [4, nH, (QB * L) / 4],
      attentionArgumentTypes(s.masked ? 3 : 2, sharesPrefix(s) ? 5 : 4, 1),
    ),
    args: [
      new Input(f32(QB * 3 * C), [3 * C, QB]),
      new Input(cacheView(cache.k, rows * L * hd), [4, rows * (L / 4) * hd]),
      ...(s.masked ? [new Input(f32(B * L), [L, B])] : []),
      ...scalars(sharesPrefix(s) ? 6 : 5),
    ],
    bind: { k4: cache.k },
    threaded: true,
  }));
  const max = host.program(`attention_max|${key}`, () => ({
    source: maxSource(s),
    settings: settings([nH, QB], attentionArgumentTypes(1, 4, 0)),
    args: [new Input(view(scores.outputRegion, L * QB * nH), [4, nH, (QB * L) / 4]), ...scalars(4)],
    bind: { s: scores.outputRegion },
    threaded: false,
  }));
  const exp = host.program(`attention_exp|${key}`, () => ({
    source: expSource(s),
    settings: settings([4, nH, (QB * L) / 4], attentionArgumentTypes(2, 4, 0)),
    args: [
      new Input(view(scores.outputRegion, L * QB * nH), [4, nH, (QB * L) / 4]),
      new Input(view(max.outputRegion, nH * QB), [nH, QB]),
      ...scalars(4),
    ],
    bind: { s: scores.outputRegion, m: max.outputRegion },
    threaded: true,
  }));
  const output = host.program(`attention_output|${key}`, () => ({
    source: outputSource(s),
    settings: settings(outputCells(s), attentionArgumentTypes(2, sharesPrefix(s) ? 5 : 4, 0)),
    args: [
      new Input(view(exp.outputRegion, L * QB * nH), [4, nH, (QB * L) / 4]),
      new Input(cacheView(cache.v, rows * L * hd), outputValueDims(s, rows)),
      ...scalars(sharesPrefix(s) ? 5 : 4),
    ],
    bind: { e: exp.outputRegion, v: cache.v },
    threaded: true,
  }));
  return { shape: s, scores, max, exp, output };
}
