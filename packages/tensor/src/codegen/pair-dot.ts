// Change 5: integer dot products for sums of int16 × int8 products (the int8 linear kernels).
//
// The int8 linear kernels (ops/linear-webasm.ts) pair consecutive k: the weights of k = 2j and 2j + 1 sit
// side by side for every output feature ([G][K2][16][2] bytes), the activations are int16 with a per-row
// scale, and each step of the sum reads two pairs (k = 4i … 4i + 3):
//
//   x[2i][0] * w[g][2i][this.thread.x * 2 + L] + x[2i][1] * w[g][2i][this.thread.x * 2 + L + 1]
//     + x[2i + 1][0] * w[g][2i + 1][this.thread.x * 2 + L] + x[2i + 1][1] * w[g][2i + 1][… + L + 1]
//
// Stock gpu.js gathers each weight lane by lane, widens every operand to f32 and multiplies and adds in
// f32. Over a quad the two weight reads of a pair cover eight consecutive bytes [w0 w1 | w0 w1 | w0 w1 |
// w0 w1] (lanes 0 … 3), the operand order of `i32x4.dot_i16x8_s`; the activation pair is one i32 (two
// int16, little-endian). A sum of one or two such pairs becomes
//
//   per pair: v128.load8x8_s (weights, sign-extended to i16) · v128.load32_splat → i32x4.dot_i16x8_s
//   then i32x4.add (two pairs) → f32x4.convert_i32x4_s
//
// Bit-identical to stock: every product |a·w| ≤ 2^15 · 2^7, so a sum of up to four is at most 2^24 and
// every partial sum stock forms in f32 is exact; the i32 sum converts to the same f32. It applies when the
// activations are a compact int16 region (compact-storage.ts) read lane-uniformly at flat indices i, i + 1,
// the weights a compact int8 region whose two reads of a pair are provably inside the array and differ
// only by +1 in a lane-stride-2 x index (`this.thread.x * 2`, plus lane-uniform integer terms), and no SIMD
// branch mask is live. Anything else goes to stock's `vexprBinary`.
//
// Activation pairs and weight vectors read through a loop's pointer (induction-pointers.ts) inside plain
// statements of that loop's body (no ?:, && or ||) are loaded once per iteration and kept in a v128 local:
// the int8 decode kernel's four accumulators read the same activation pairs, the prefill kernel's four rows
// the same weights. A key names the pointer local and the load's offset from it: equal keys within one
// loop's emission are the same address, and a GPU.js kernel writes memory only when it returns.
import { astKey } from './ast-key.js';
import { emitFlatIndex } from './compact-load.js';
import { compactInfo } from './compact-storage.js';
import { isThreadX, peelLiteral, provablyInBounds } from './contiguous-load.js';
import type { AnyMethod, AstNode, WasmFunctionNode } from './gpujs-internals.js';
import { inductionLoop, inductionRead } from './induction-pointers.js';
import { forEachChild } from './int-counters.js';
import { memory, raw } from './raw-bytes.js';
import { type RegionRead, regionRead } from './region-read.js';

const V128_LOAD32_SPLAT = [0xfd, 0x09];
const V128_LOAD8X8_S = [0xfd, 0x01];
const I32X4_DOT_I16X8_S = [0xfd, 0xba, 0x01];
const I32X4_ADD = [0xfd, 0xae, 0x01];

type Node = WasmFunctionNode & { vMaskDepth: number };

function readOf(node: Node, ast: AstNode, kind: 'i8' | 'i16'): RegionRead | null {
  const read = regionRead(node, ast);
  return read && compactInfo(read.record)?.kind === kind ? read : null;
}

/** An index as (base text, literal): `e + 3` → (e, 3), `5` → ('', 5); bases must be Integer-typed. */
function split(node: Node, ast: AstNode): { base: string; literal: number; baseAst: AstNode | null } | null {
  if (ast.type === 'Literal') {
    return typeof ast.value === 'number' && Number.isInteger(ast.value)
      ? { base: '', literal: ast.value, baseAst: null }
      : null;
  }
  const { base, literal } = peelLiteral(node, ast);
  const type = node.getType(base);
  if (type !== 'Integer' && type !== 'LiteralInteger') return null;
  return { base: astKey(base), literal, baseAst: base };
}

/** Whether two reads of one region differ exactly by +1 in the x index (y, z identical). */
function nextInX(node: Node, lo: RegionRead, hi: RegionRead): { base: AstNode | null } | null {
  if (lo.region !== hi.region || astKey(lo.y) !== astKey(hi.y) || astKey(lo.z) !== astKey(hi.z)) {
    return null;
  }
  const a = split(node, lo.x);
  const b = split(node, hi.x);
  if (!a || !b || a.base !== b.base || b.literal !== a.literal + 1) return null;
  return { base: a.baseAst };
}

function isUniformInteger(node: Node, ast: AstNode): boolean {
  const type = node.getType(ast);
  return !!node.vInfo && !node.vInfo.exprVarying(ast) && (type === 'Integer' || type === 'LiteralInteger');
}

/** `this.thread.x * 2`, `2 * this.thread.x`, or such a term plus/minus lane-uniform integers. */
export function isLaneStride2(node: Node, ast: AstNode | null): boolean {
  if (ast?.type !== 'BinaryExpression' || node.getType(ast) !== 'Integer') return false;
  const left = ast.left as AstNode;
  const right = ast.right as AstNode;
  const two = (v: AstNode) => v.type === 'Literal' && v.value === 2;
  if (ast.operator === '*') return (isThreadX(left) && two(right)) || (two(left) && isThreadX(right));
  if (ast.operator === '+') {
    return (
      (isLaneStride2(node, left) && isUniformInteger(node, right)) ||
      (isUniformInteger(node, left) && isLaneStride2(node, right))
    );
  }
  if (ast.operator === '-') return isLaneStride2(node, left) && isUniformInteger(node, right);
  return false;
}

interface Pair {
  /** the activation read at flat i (int16; its partner reads i + 1) */
  a0: RegionRead;
  /** the weight read at lane-0 flat j (int8; its partner reads j + 1) */
  w0: RegionRead;
}

interface Product {
  a: RegionRead;
  w: RegionRead;
}

/** Splits `u * v` into its int16 (lane-uniform) and int8 (lane-varying) reads, either order. */
function product(node: Node, ast: AstNode): Product | null {
  if (ast.type !== 'BinaryExpression' || ast.operator !== '*') return null;
  for (const [p, q] of [
    [ast.left, ast.right],
    [ast.right, ast.left],
  ] as AstNode[][]) {
    const a = readOf(node, p, 'i16');
    const w = a && readOf(node, q, 'i8');
    if (a && w && node.vInfo && !node.vInfo.exprVarying(p)) return { a, w };
  }
  return null;
}

/** The terms of a chain of `+` (any grouping), or null past `limit` terms. */
function terms(ast: AstNode, limit: number, out: AstNode[] = []): AstNode[] | null {
  if (ast.type === 'BinaryExpression' && ast.operator === '+') {
    if (!terms(ast.left as AstNode, limit, out) || !terms(ast.right as AstNode, limit, out)) return null;
    return out;
  }
  out.push(ast);
  return out.length <= limit ? out : null;
}

/** `lo` and `hi` as one dot-product pair (lo's reads first), or null. */
function pairOf(node: Node, lo: Product, hi: Product): Pair | null {
  if (!nextInX(node, lo.a, hi.a)) return null;
  const weights = nextInX(node, lo.w, hi.w);
  if (!weights || !isLaneStride2(node, weights.base)) return null;
  const varying = (ast: AstNode | null) => !!ast && !!node.vInfo?.exprVarying(ast);
  if (varying(lo.w.y) || varying(lo.w.z)) return null;
  const info = compactInfo(lo.w.record);
  if (!info) return null;
  for (const w of [lo.w, hi.w]) {
    if (!provablyInBounds(node, w.record.dims, info.elements, w.x, w.y, w.z)) return null;
  }
  return { a0: lo.a, w0: lo.w };
}

/** One or two pairs making up the whole sum `ast`, or null. */
function match(node: Node, ast: AstNode): Pair[] | null {
  if (ast.operator !== '+' || node.vMaskDepth > 0 || !node.vInfo) return null;
  const list = terms(ast, 4);
  if (!list || list.length % 2 !== 0) return null;
  const products = list.map((term) => product(node, term));
  if (products.some((p) => !p)) return null;
  const left = products as Product[];
  const pairs: Pair[] = [];
  while (left.length > 0) {
    const first = left.shift() as Product;
    let found = -1;
    for (let i = 0; i < left.length && found < 0; i++) {
      const pair = pairOf(node, first, left[i]) ?? pairOf(node, left[i], first);
      if (pair) {
        pairs.push(pair);
        found = i;
      }
    }
    if (found < 0) return null;
    left.splice(found, 1);
  }
  return pairs;
}

/** Per loop emission: the v128 locals holding values already loaded in this iteration. */
const splats = new WeakMap<object, Map<string, number>>();
/** Per loop: the AST nodes inside plain statements of its body (executed in order, every iteration). */
const plainNodes = new WeakMap<AstNode, Set<AstNode>>();

function hasBranch(ast: AstNode): boolean {
  if (ast.type === 'ConditionalExpression' || ast.type === 'LogicalExpression') return true;
  let found = false;
  forEachChild(ast, (child) => {
    found ||= hasBranch(child);
  });
  return found;
}

function collect(ast: AstNode, into: Set<AstNode>): void {
  into.add(ast);
  forEachChild(ast, (child) => collect(child, into));
}

function inPlainStatement(forNode: AstNode, ast: AstNode): boolean {
  let nodes = plainNodes.get(forNode);
  if (!nodes) {
    nodes = new Set();
    const body = forNode.body as AstNode;
    const statements = body.type === 'BlockStatement' ? (body.body as AstNode[]) : [body];
    for (const statement of statements) {
      if (statement.type === 'ExpressionStatement' && !hasBranch(statement)) collect(statement, nodes);
    }
    plainNodes.set(forNode, nodes);
  }
  return nodes.has(ast);
}

/**
 * Pushes a value read through a loop pointer (`load` emits it from the pointer local), or the v128 local
 * it was kept in earlier in the same iteration; keeps it when `sum` is in a plain statement of the loop.
 */
function viaPointer(
  node: Node,
  read: RegionRead,
  kind: 'weights' | 'activations',
  pointer: number,
  offset: number,
  sum: AstNode,
  load: () => void,
): void {
  const em = node.em;
  const loop = inductionLoop(node, read.ast);
  const cache = loop && inPlainStatement(loop.forNode, sum) ? (splats.get(loop) ?? new Map()) : null;
  // the address is the pointer local's value plus the offset: equal keys, equal addresses and loads
  const key = `${kind}:${pointer}:${offset}`;
  const cached = cache?.get(key);
  if (cached !== undefined) {
    em.localGet(cached);
    return;
  }
  load();
  if (cache && loop) {
    const local = em.addLocal('v128');
    em.localTee(local);
    cache.set(key, local);
    splats.set(loop, cache);
  }
}

/** Pushes the activation pair of `a0` splatted to i16x8 [a0 a1 a0 a1 …]. */
function emitActivations(node: Node, a0: RegionRead, sum: AstNode): void {
  const em = node.em;
  const pointer = inductionRead(node, a0.ast);
  if (!pointer) {
    emitFlatIndex(node, a0.record.dims, a0.x, a0.y, a0.z);
    em.i32Const(1).i32Shl();
    memory(node.em, V128_LOAD32_SPLAT, 1, a0.record.offset);
    return;
  }
  const offset = a0.record.offset + pointer.constantBytes;
  viaPointer(node, a0, 'activations', pointer.local, offset, sum, () => {
    em.localGet(pointer.local);
    memory(node.em, V128_LOAD32_SPLAT, 1, offset);
  });
}

/** Pushes the eight weights of `w0`'s pair over the quad, sign-extended to i16x8. */
function emitWeights(node: Node, w0: RegionRead, sum: AstNode): void {
  const pointer = inductionRead(node, w0.ast);
  if (!pointer) {
    // lane 0's flat index through the scalar walk (thread.x reads the quad base): one byte per element
    emitFlatIndex(node, w0.record.dims, w0.x, w0.y, w0.z);
    memory(node.em, V128_LOAD8X8_S, 0, w0.record.offset);
    return;
  }
  const offset = w0.record.offset + pointer.constantBytes;
  viaPointer(node, w0, 'weights', pointer.local, offset, sum, () => {
    node.em.localGet(pointer.local);
    memory(node.em, V128_LOAD8X8_S, 0, offset);
  });
}

function emitPair(node: Node, { a0, w0 }: Pair, sum: AstNode): void {
  emitWeights(node, w0, sum);
  emitActivations(node, a0, sum);
  raw(node.em, I32X4_DOT_I16X8_S);
}

/** Builds the `vexprBinary` override: the integer dot product where it applies, stock's code elsewhere. */
export function makePairDot(original: AnyMethod): AnyMethod {
  return function vexprBinary(this: WasmFunctionNode, ast: AstNode): unknown {
    const node = this as Node;
    const pairs = typeof node.em._push === 'function' ? match(node, ast) : null;
    if (!pairs) return original.call(this, ast);
    pairs.forEach((pair, i) => {
      emitPair(node, pair, ast);
      if (i > 0) raw(node.em, I32X4_ADD);
    });
    node.em.f32x4ConvertI32x4S();
    return 'vf32';
  };
}
