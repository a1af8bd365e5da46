// attention on webasm: GPU.js kernels over the KV cache where it lives, in the arena (webasm/kv-storage.ts),
// for a block of QB query rows at a time (QB = 1 when decoding, a power of two otherwise), so a handful of
// compiled kernels serves every prompt length and every layer (layer, cache length and block are scalars).
//
//   cache (all layers): K4 [layers·B][L/4][nH][hd][4] (four positions side by side, the heads of a quad
//   next to each other), V [layers·B·nH·hd/W][L][W] in column groups of W = valueWidth(hd) d (16 when hd is
//   16 times a power of two, GPT-2's 64: four groups; else W = hd, position-major rows),
//   layers = n_layer rounded up to a power of two (the regions reserve address space for the rest)
//   qkv block: [QB, 3C], rows r0 … r0+QB−1 of the batch's [B·T, 3C] (row bt = b·T + t)
//
//   scores  S: S(i, h, j) = scale · q·k_j for j ≤ L0 + t, keyMask 0 → −1e30, else −1e30
//   max     M [QB, nH]:   max over j of S
//   exp     P: exp(S − M) for j ≤ L0 + t, else 0 (exp-vector.ts: arithmetic, no call per lane)
//   output  O [QB, C]:    Σ_j P·v_j / Σ_j P; a cell returns four d (hd/4 apart), `outputRow` puts them in
//                         natural [B·T, C] order, heads concatenated
//
// S and P are laid out [L/4][QB][nH][4]: cell (lane x, head y, z = jq·QB + i) holds position j = 4·jq + x.
// A SIMD quad is four consecutive positions (K4 makes them one vector load per d), and positions are the
// slowest axis, so every position up to a limit is a prefix of the cells: a call computes only the prefix
// up to the block's causal limit (`limitCells`), whole quads; the other kernels read whole quads too (the
// lanes past a row's limit hold −1e30 in S and 0 in P).

import { EXP_SOURCE } from './exp-vector.js';

export interface WebasmAttentionShape {
  /** layers the cache regions are laid out for: n_layer rounded up to a power of two (see `lyr`) */
  readonly layers: number;
  readonly B: number;
  /** rows per layer in the cache regions (the row stride): B rounded up to a power of two up to 8 rows */
  readonly S: number;
  readonly nH: number;
  readonly hd: number;
  /** cache length (maxLength rounded up to a multiple of 4) */
  readonly L: number;
  /** query rows per call: 1 or a power of two */
  readonly QB: number;
  readonly masked: boolean;
  /** every call appends one position a row (T = 1): the batch row is the block row, no division */
  readonly decoding: boolean;
  /**
   * K and V stored as raw halves (RawHalfArray: a value v reads as v·2^-112). The host scales q by
   * HALF_Q_SCALE and `scale` by 2^112 / HALF_Q_SCALE, so each product q·k is the true one times 2^-16 (far
   * from f32's subnormals, which x86 multiplies slowly); the exp kernel writes e·2^112, so each e·v is the true
   * one, and the output divides by Σe·2^112 · 2^-112.
   */
  readonly half: boolean;
}

/** What the host multiplies q by for a half cache (see `half`). */
export const HALF_Q_SCALE = 2 ** 96;
/** What the host multiplies the score scale by for a half cache. */
export const HALF_SCORE_SCALE = 2 ** 16;

const MASKED = -1e30;

/** Cells of the scores / exp kernels covering positions 0 … limit (inclusive). */
export function limitCells(p: WebasmAttentionShape, limit: number): number {
  return (Math.floor(Math.min(limit, p.L - 1) / 4) + 1) * p.QB * p.nH * 4;
}

/** Argument types: arrays, then the integer scalars, then (scores only) the float scale. */
export function attentionArgumentTypes(arrays: number, integers: number, floats: number): string[] {
  return [
    ...Array.from({ length: arrays }, () => 'Input'),
    ...Array.from({ length: integers }, () => 'Integer'),
    ...Array.from({ length: floats }, () => 'Float'),
  ];
}

/**
 * Local row i → batch row bt = r0 + i → (b, t). The scalars are Integer arguments and these are integer
 * locals (i32 in the code generator); one sequence (B = 1) needs no division. `lyr` is the layer masked
 * to the power-of-two layer count of the regions: the same value, but with a range the code generator
 * can prove, so every cache read of a single sequence is a vector load without a bounds test.
 */
function rowOf(p: WebasmAttentionShape, i: string): string[] {
  return [
    `const lyr = layer & ${p.layers - 1};`,
    `const i = ${i};`,
    'const bt = r0 + i;',
    p.B === 1 ? 'const b = 0;' : p.decoding ? 'const b = bt;' : 'const b = Math.floor((bt + 0.5) / T);',
    p.B === 1 ? 'const t = bt;' : p.decoding ? 'const t = 0;' : 'const t = bt - b * T;',
  ];
}

/**
 * The batch row b as an expression with a range the code generator can prove (so cache reads need no bounds
 * test): `b & (S − 1)`, which is b, when b is an integer (decoding: the block row) and S a power of two; b
 * itself otherwise (a mask on the float quotient of a prefill's b made the scores kernel 2× slower).
 */
function batchRow(p: WebasmAttentionShape): string {
  return p.decoding && p.B > 1 && (p.S & (p.S - 1)) === 0 ? `(b & ${p.S - 1})` : 'b';
}

/**
 * Whether the scores and output kernels take `shared`, the quads of positions every row holds alike (several
 * rows decoding one position each, as beams do), and read those from row 0.
 */
export function sharesPrefix(p: WebasmAttentionShape): boolean {
  return p.B > 1 && p.decoding;
}

/** jq and i of an S cell's z = jq·QB + i (QB a power of two: shifts and masks, integer arithmetic). */
function splitZ(p: WebasmAttentionShape): string[] {
  const shift = Math.log2(p.QB);
  return p.QB === 1
    ? ['const jq = this.thread.z;', ...rowOf(p, '0')]
    : [`const jq = this.thread.z >> ${shift};`, ...rowOf(p, `this.thread.z & ${p.QB - 1}`)];
}

/**
 * Partial sums of a score's dot product: d mod 4 (or 2) into separate accumulators, added pairwise at the
 * end. With one chain of 64 dependent adds each core waited on the add's latency (decoding GPT-2 124M at
 * about 190 positions, keys already in the CPU's cache: 3.3 GMAC/s on two threads); four chains run side
 * by side.
 */
function scorePartials(hd: number): string[] {
  const count = hd % 4 === 0 ? 4 : hd % 2 === 0 ? 2 : 1;
  return Array.from({ length: count }, (_, u) => `s${u}`);
}

const sumOf = (names: string[]): string =>
  names.length === 4 ? `(${names[0]} + ${names[1]}) + (${names[2]} + ${names[3]})` : names.join(' + ');

/** S: output [4, nH, QB·L/4]; arguments qkv [3C, QB], k4 [4, layers·B·nH·(L/4)·hd], mask? [L, B]. */
export function scoresSource(p: WebasmAttentionShape): string {
  const partials = scorePartials(p.hd);
  return [
    `function (qkv, k4, ${p.masked ? 'mask, ' : ''}layer, L0, T, r0, ${sharesPrefix(p) ? 'shared, ' : ''}scale) {`,
    'const h = this.thread.y;',
    ...splitZ(p),
    'const j = jq * 4 + this.thread.x;',
    // quads below `shared` hold the same keys in every row (a prompt shared by beams): read row 0's, which the
    // block's other rows then find in the CPU's cache, instead of a copy each
    // (as integer arithmetic the code generator can bound: `& mask` and a 0/1 factor from the sign bit)
    sharesPrefix(p)
      ? `const bk = ${batchRow(p)} * (1 - (((jq - shared) >> 31) & 1));`
      : `const bk = ${batchRow(p)};`,
    // every lane of the quad computes (a lane past the limit reads finite cache contents) and is masked
    // after the loop: a loop under a varying branch would run lane by lane with gathered loads
    `const row = (((lyr * ${p.S} + bk) * ${p.L / 4} + jq) * ${p.nH} + h) * ${p.hd};`,
    `const q = h * ${p.hd};`,
    ...partials.map((a) => `let ${a} = 0.0;`),
    `for (let d = 0; d < ${p.hd}; d += ${partials.length}) {`,
    ...partials.map((a, u) => {
      const du = u === 0 ? 'd' : `d + ${u}`;
      return `  ${a} += qkv[i][q + ${du}] * k4[row + ${du}][this.thread.x];`;
    }),
    '}',
    `let s = ${sumOf(partials)};`,
    's = s * scale;',
    p.masked ? `if (mask[b][j] == 0.0) { s = ${MASKED}; }` : '',
    `if (j > L0 + t) { s = ${MASKED}; }`,
    'return s;',
    '}',
  ].join('\n');
}

/**
 * A loop over the whole quads up to position `lim` of S-shaped `a` for row i, head h: `body(read)`. The
 * bound is the constant L/4 with a break, so the counter has a known range (bounds proofs).
 */
function quads(
  p: WebasmAttentionShape,
  a: string,
  body: (read: (lane: number) => string) => string[],
  stop = '',
  when = '',
): string[] {
  const at = (lane: number) => `${a}[jq * ${p.QB} + i][h][${lane}]`;
  const lines = body(at);
  return [
    `for (let jq = 0; jq < ${p.L / 4}; jq++) {`,
    '  if (jq * 4 > lim) { break; }',
    ...(stop ? [`  if (${stop}) { break; }`] : []),
    ...(when
      ? [`  if (${when}) {`, ...lines.map((line) => `    ${line}`), '  }']
      : lines.map((l) => `  ${l}`)),
    '}',
  ];
}

/** M: output [nH, QB]; argument s [4, nH, QB·L/4]. */
export function maxSource(p: WebasmAttentionShape): string {
  return [
    'function (s, layer, L0, T, r0) {',
    'const h = this.thread.x;',
    ...rowOf(p, 'this.thread.y'),
    `const lim = Math.min(L0 + t, ${p.L - 1});`,
    'let m = -3.0e38;',
    ...quads(p, 's', (at) => [
      `m = Math.max(Math.max(m, ${at(0)}), Math.max(${at(1)}, Math.max(${at(2)}, ${at(3)})));`,
    ]),
    'return m;',
    '}',
  ].join('\n');
}

/** P: output [4, nH, QB·L/4]; arguments s (as output), m [nH, QB]. */
export function expSource(p: WebasmAttentionShape): string {
  return [
    'function (s, m, layer, L0, T, r0) {',
    'const h = this.thread.y;',
    ...splitZ(p),
    'const j = jq * 4 + this.thread.x;',
    'const sm = s[this.thread.z][this.thread.y][this.thread.x] - m[i][h];',
    EXP_SOURCE('sm', 'ex'),
    'let e = 0.0;',
    p.half ? `if (j <= L0 + t) { e = ex * ${2 ** 112}; }` : 'if (j <= L0 + t) { e = ex; }',
    'return e;',
    '}',
  ].join('\n');
}

/**
 * Head-dimension values per output cell: four (a cell returns Array(4)) when hd is a multiple of 4, else one.
 * Four independent sums per cell instead of one chain keep the multiply-adds from waiting on each other, and
 * share the cell's reads of P; each value still sums positions in order.
 */
export function outputComponents(p: WebasmAttentionShape): 1 | 4 {
  return p.hd % 4 === 0 ? 4 : 1;
}

/**
 * Groups of 16 head dimensions, when hd is 16 times a power of two (GPT-2's 64: 4), else 0. Then V is stored
 * in column groups ([bh][g][L][16]) and a SIMD cell of the output kernel, four lanes × four components, sums
 * 16 consecutive d of one group: cell (x, y = h·G + g), component c holds d = 16g + 4c + x, and reads its
 * group front to back, 64 bytes a position. With whole rows ([bh][L][hd], the layout for other hd, where
 * component c holds d = x + c·hd/4) a cell reads 16 bytes from each of four lines of every row: at 900
 * positions the output kernel took twice the scores kernel's time for the same bytes.
 */
export function valueGroups(hd: number): number {
  const G = hd / 16;
  return Number.isInteger(G) && (G & (G - 1)) === 0 ? G : 0;
}

/** d per row of the V cache: 16 in column groups (`valueGroups`), else hd. */
export function valueWidth(hd: number): number {
  return valueGroups(hd) ? 16 : hd;
}

/** The output kernel's cells: [x, y, z] = [4, nH·G, QB] (groups of 16 d), else [hd / n, nH, QB]. */
export function outputCells(p: WebasmAttentionShape): number[] {
  const G = valueGroups(p.hd);
  return G ? [4, p.nH * G, p.QB] : [p.hd / outputComponents(p), p.nH, p.QB];
}

/** The V argument's dimensions: [W, (rows·L·hd) / W] for W = valueWidth(hd). */
export function outputValueDims(p: WebasmAttentionShape, rows: number): number[] {
  const W = valueWidth(p.hd);
  return [W, (rows * p.L * p.hd) / W];
}

/**
 * O: output `outputCells` of n = outputComponents values per cell; arguments e [4, nH, QB·L/4], v
 * (`outputValueDims`). Read it with `outputRow`.
 */
export function outputSource(p: WebasmAttentionShape): string {
  const n = outputComponents(p);
  const G = valueGroups(p.hd);
  const acc = Array.from({ length: n }, (_, c) => `acc${c}`);
  // the lane index must be this.thread.x itself (plus a literal) for the vector load
  const step = G ? 4 : p.hd / n;
  const read = (c: number, position: string) =>
    `v[${position}][${c === 0 ? 'this.thread.x' : `this.thread.x + ${c * step}`}]`;
  const base = (row: string) =>
    G
      ? `(((lyr * ${p.S} + ${row}) * ${p.nH} + h) * ${G} + g) * ${p.L}`
      : `((lyr * ${p.S} + ${row}) * ${p.nH} + h) * ${p.L}`;
  const body = (vb: string) => (at: (lane: number) => string) => [
    ...[0, 1, 2, 3].map((lane) => `const p${lane} = ${at(lane)};`),
    'sum += (p0 + p1) + (p2 + p3);',
    ...acc.flatMap((a, c) =>
      [0, 1, 2, 3].map((lane) => `${a} += p${lane} * ${read(c, `${vb} + jq * 4 + ${lane}`)};`),
    ),
  ];
  // several rows decoding over a prefix they share (beams): its quads from row 0's copy (the block's other
  // rows find it in the CPU's cache), then the rest from the row's own; the same sums in the same order
  const sharing = sharesPrefix(p);
  return [
    `function (e, v, layer, L0, T, r0${sharing ? ', shared' : ''}) {`,
    ...(G
      ? [`const h = this.thread.y >> ${Math.log2(G)};`, `const g = this.thread.y & ${G - 1};`]
      : ['const h = this.thread.y;']),
    ...rowOf(p, 'this.thread.z'),
    `const lim = Math.min(L0 + t, ${p.L - 1});`,
    `const vb = ${base(batchRow(p))};`,
    ...acc.map((a) => `let ${a} = 0.0;`),
    'let sum = 0.0;',
    ...(sharing
      ? [
          `const vs = ${base('0')};`,
          ...quads(p, 'e', body('vs'), 'jq >= shared'),
          ...quads(p, 'e', body('vb'), '', 'jq >= shared'),
        ]
      : quads(p, 'e', body('vb'))),
    p.half ? `const norm = sum * ${2 ** -112};` : 'const norm = sum;',
    n === 1 ? 'return acc0 / norm;' : `return [${acc.map((a) => `${a} / norm`).join(', ')}];`,
    '}',
  ].join('\n');
}

/**
 * Copies rows [0, rows) of the output kernel's result (`outputSource` says which d each cell's components
 * hold) into `out` at `at` in natural [row, C] order, heads concatenated.
 */
export function outputRow(
  p: WebasmAttentionShape,
  result: Float32Array,
  rows: number,
  out: Float32Array,
  at: number,
): void {
  const n = outputComponents(p);
  const C = p.nH * p.hd;
  if (n === 1) {
    out.set(result.subarray(0, rows * C), at);
    return;
  }
  const G = valueGroups(p.hd);
  let from = 0;
  if (G) {
    // cells (x, h·G + g, i), components c: d = 16g + 4c + x
    for (let i = 0; i < rows; i++) {
      for (let hg = 0; hg < p.nH * G; hg++) {
        const to = at + i * C + hg * 16; // h·hd + 16g
        for (let x = 0; x < 4; x++) {
          for (let c = 0; c < 4; c++) out[to + 4 * c + x] = result[from++];
        }
      }
    }
    return;
  }
  const X = p.hd / n;
  for (let i = 0; i < rows; i++) {
    for (let h = 0; h < p.nH; h++) {
      const to = at + i * C + h * p.hd;
      for (let x = 0; x < X; x++) {
        for (let c = 0; c < n; c++) out[to + x + c * X] = result[from++];
      }
    }
  }
}
