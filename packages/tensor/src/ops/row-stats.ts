// Row statistics in two stages, shared by softmax and layerNorm. A GL fragment shader may run at most
// 65536 loop iterations in total (measured on headless-gl/llvmpipe: the excess is silently skipped), so no
// thread walks more than SEGMENT columns twice: stage 1 reduces segments, stage 2 combines them.
//
//   x: [R, C] → partial: [R, 2S] (S = ⌈C / SEGMENT⌉) → stats: [R, 2]
//   softmax:   partial (max_s, Σ_s exp(x − max_s)) → (max, Σ exp(x − max))
//   layerNorm: partial (mean_s, M2_s)              → (mean, 1/√(M2/C + eps))   (Chan et al. pairwise combine)
//
// A row of one segment (C ≤ SEGMENT: every GPT-2 layerNorm) takes one kernel that runs stage 1 and stage 2's
// arithmetic in each thread, the same operations in the same order, so the same bits on f32 engines with one
// kernel call fewer (decoding calls layerNorm 2·n_layer + 1 times per token).

import type { DeviceBuffer, KernelSpec } from '../backend.js';
import type { BaseBackend } from '../backends/base.js';

export const SEGMENT = 8192;

export type StatsKind = 'softmax' | 'layernorm';

const segments = (C: number) => Math.ceil(C / SEGMENT);

/** The statements of stage 1 for one segment `n` columns wide read by `each`: `mean`/`m2` or `m`/`z`. */
function segmentStatements(
  kind: StatsKind,
  first: string,
  read: string,
  each: (from: number, body: string) => string,
): { head: string[]; tail: string[] } {
  if (kind === 'softmax') {
    return {
      head: [`let m = ${first};`, each(1, `m = Math.max(m, ${read});`)],
      tail: ['let z = 0.0;', each(0, `z += Math.exp(${read} - m);`)],
    };
  }
  return {
    head: ['let mean = 0.0;', each(0, `mean += ${read};`), 'mean = mean / n;'],
    tail: ['let m2 = 0.0;', each(0, `const d = ${read} - mean; m2 += d * d;`)],
  };
}

/** Stage 1: segment s of row r → cols 2s, 2s+1. */
export const rowStatsPartialSpec: KernelSpec<StatsKind> = {
  name: 'row_stats_partial',
  inputNames: () => ['x'],
  scalarNames: [],
  key: (kind) => kind,
  body(c, kind, dims) {
    const C = dims.inputs[0].cols;
    const seg = Math.min(C, SEGMENT);
    // A row of one segment (C ≤ SEGMENT) is read whole, at integer indices with no per-column bound test:
    // the same sums in the same order, and reads the webasm code generation turns into pointer loads.
    const whole = C <= SEGMENT;
    const read = whole ? c.at('x', 'r', 't') : c.at('x', 'r', 'start + t');
    const each = (first: number, body: string) =>
      whole
        ? `for (let t = ${first}; t < ${C}; t++) { ${body} }`
        : `for (let t = ${first}; t < ${seg}; t++) { if (t < n) { ${body} } }`;
    const head = [
      `const r = ${c.row};`,
      `const s = Math.floor((${c.col} + 0.5) / 2.0);`,
      `const which = ${c.col} - s * 2;`,
      ...(whole
        ? [`const n = ${C}.0;`]
        : [`const start = s * ${seg};`, `const n = Math.min(${seg}.0, ${C}.0 - start);`]),
    ];
    const { head: first, tail } = segmentStatements(
      kind,
      whole ? c.at('x', 'r', '0') : c.at('x', 'r', 'start'),
      read,
      each,
    );
    const value = kind === 'softmax' ? 'm' : 'mean';
    const spread = kind === 'softmax' ? 'z' : 'm2';
    return [...head, ...first, `if (which == 0) { return ${value}; }`, ...tail, `return ${spread};`].join(
      '\n',
    );
  },
  reference(args, kind) {
    const x = args.inputs[0];
    const C = args.dims.inputs[0].cols;
    const S = segments(C);
    for (let r = 0; r < args.dims.out.rows; r++) {
      for (let s = 0; s < S; s++) {
        const start = s * SEGMENT;
        const end = Math.min(C, start + SEGMENT);
        let a = 0;
        let b = 0;
        if (kind === 'softmax') {
          a = x[r * C + start];
          for (let i = start + 1; i < end; i++) a = Math.max(a, x[r * C + i]);
          for (let i = start; i < end; i++) b += Math.exp(x[r * C + i] - a);
        } else {
          for (let i = start; i < end; i++) a += x[r * C + i];
          a /= end - start;
          for (let i = start; i < end; i++) b += (x[r * C + i] - a) ** 2;
        }
        args.out[r * 2 * S + 2 * s] = a;
        args.out[r * 2 * S + 2 * s + 1] = b;
      }
    }
  },
};

/** Stage 2: combine S segments. params: kind and the row width C. Scalar eps (layerNorm only; 0 for softmax). */
export const rowStatsCombineSpec: KernelSpec<{ kind: StatsKind; C: number }> = {
  name: 'row_stats_combine',
  inputNames: () => ['p'],
  scalarNames: ['eps'],
  key: (q) => `${q.kind}.${q.C}`,
  body(c, q) {
    const S = segments(q.C);
    const last = q.C - (S - 1) * SEGMENT;
    const n = (s: string) => `(${s} < ${S - 1} ? ${Math.min(q.C, SEGMENT)}.0 : ${last}.0)`;
    if (q.kind === 'softmax') {
      return [
        `const r = ${c.row};`,
        `let m = ${c.at('p', 'r', '0')};`,
        `for (let s = 1; s < ${S}; s++) { m = Math.max(m, ${c.at('p', 'r', 's * 2')}); }`,
        `if (${c.col} == 0) { return m; }`,
        'let z = 0.0;',
        `for (let s = 0; s < ${S}; s++) { z += ${c.at('p', 'r', 's * 2 + 1')} * Math.exp(${c.at('p', 'r', 's * 2')} - m); }`,
        'return z;',
      ].join('\n');
    }
    return [
      `const r = ${c.row};`,
      'let mean = 0.0;',
      `for (let s = 0; s < ${S}; s++) { mean += ${c.at('p', 'r', 's * 2')} * ${n('s')}; }`,
      `mean = mean / ${q.C}.0;`,
      `if (${c.col} == 0) { return mean; }`,
      'let m2 = 0.0;',
      `for (let s = 0; s < ${S}; s++) { const d = ${c.at('p', 'r', 's * 2')} - mean; m2 += ${c.at('p', 'r', 's * 2 + 1')} + d * d * ${n('s')}; }`,
      `return 1.0 / Math.sqrt(m2 / ${q.C}.0 + eps);`,
    ].join('\n');
  },
  reference(args, q) {
    const p = args.inputs[0];
    const [eps] = args.scalars;
    const S = segments(q.C);
    for (let r = 0; r < args.dims.out.rows; r++) {
      const n = (s: number) => Math.min(q.C, (s + 1) * SEGMENT) - s * SEGMENT;
      let a = 0;
      let b = 0;
      if (q.kind === 'softmax') {
        a = p[r * 2 * S];
        for (let s = 1; s < S; s++) a = Math.max(a, p[r * 2 * S + 2 * s]);
        for (let s = 0; s < S; s++) b += p[r * 2 * S + 2 * s + 1] * Math.exp(p[r * 2 * S + 2 * s] - a);
      } else {
        for (let s = 0; s < S; s++) a += p[r * 2 * S + 2 * s] * n(s);
        a /= q.C;
        for (let s = 0; s < S; s++) b += p[r * 2 * S + 2 * s + 1] + (p[r * 2 * S + 2 * s] - a) ** 2 * n(s);
        b = 1 / Math.sqrt(b / q.C + eps);
      }
      args.out[r * 2] = a;
      args.out[r * 2 + 1] = b;
    }
  },
};

/**
 * Both stages for a row of one segment (C ≤ SEGMENT) in one kernel: stage 1's sums, then stage 2's combine of
 * that single segment, written out as stage 2 computes it (mean·C/C, M2 + d²·C) so the bits match.
 */
export const rowStatsWholeSpec: KernelSpec<StatsKind> = {
  name: 'row_stats_whole',
  inputNames: () => ['x'],
  scalarNames: ['eps'],
  key: (kind) => kind,
  body(c, kind, dims) {
    const C = dims.inputs[0].cols;
    const read = c.at('x', 'r', 't');
    const each = (first: number, body: string) => `for (let t = ${first}; t < ${C}; t++) { ${body} }`;
    const { head, tail } = segmentStatements(kind, c.at('x', 'r', '0'), read, each);
    const lines = [`const r = ${c.row};`, `const n = ${C}.0;`, ...head];
    if (kind === 'softmax') {
      // stage 2 over one segment: max = m, z·exp(m − max) = z·1
      return [...lines, `if (${c.col} == 0) { return m; }`, ...tail, 'return z * Math.exp(m - m);'].join(
        '\n',
      );
    }
    return [
      ...lines,
      `const mc = mean * n / ${C}.0;`,
      `if (${c.col} == 0) { return mc; }`,
      ...tail,
      'const dc = mean - mc;',
      `return 1.0 / Math.sqrt((m2 + dc * dc * n) / ${C}.0 + eps);`,
    ].join('\n');
  },
  reference(args, kind) {
    const x = args.inputs[0];
    const [eps] = args.scalars;
    const C = args.dims.inputs[0].cols;
    for (let r = 0; r < args.dims.out.rows; r++) {
      const row = x.subarray(r * C, (r + 1) * C);
      let a = 0;
      let b = 0;
      if (kind === 'softmax') {
        a = row[0];
        for (let i = 1; i < C; i++) a = Math.max(a, row[i]);
        for (let i = 0; i < C; i++) b += Math.exp(row[i] - a);
      } else {
        for (let i = 0; i < C; i++) a += row[i];
        a /= C;
        for (let i = 0; i < C; i++) b += (row[i] - a) ** 2;
        b = 1 / Math.sqrt(b / C + eps);
      }
      args.out[r * 2] = a;
      args.out[r * 2 + 1] = b;
    }
  },
};

/** [R, 2] statistics of x [R, C]; the caller frees the returned buffer. */
export function rowStats(owner: BaseBackend, x: DeviceBuffer, kind: StatsKind, eps: number): DeviceBuffer {
  const S = segments(x.cols);
  if (S === 1) return owner.engine.run(rowStatsWholeSpec, kind, [x], [eps], x.rows, 2);
  const partial = owner.engine.run(rowStatsPartialSpec, kind, [x], [], x.rows, 2 * S);
  const stats = owner.engine.run(rowStatsCombineSpec, { kind, C: x.cols }, [partial], [eps], x.rows, 2);
  owner.engine.free(partial);
  return stats;
}
