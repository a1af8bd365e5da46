// Change 1: one `v128.load` for a lane-contiguous array read in gpu.js's SIMD kernel (`kernel_simd`).
//
// Stock gpu.js 2.24.1 (`WebAssemblyFunctionNode.prototype.vGather`) reads every lane-varying element
// as i32x4 index arithmetic, a clamp into the array, then four scalar `f32.load`s and lane inserts.
// When the x index is `this.thread.x` plus a lane-uniform integer term and the y/z indices are
// lane-uniform, the four lanes (thread.x = base + 0..3) read four consecutive floats. This override
// computes lane 0's flat index once (through gpu.js's own scalar index emission, which is what lane 0
// of the vector emission computes) and, when all four lanes are inside the array, loads them with one
// `v128.load`; otherwise it runs stock's clamped gather from that same index. Both branches produce
// exactly the stock values, bit for bit, whether or not a branch mask is live: the `v128.load` branch
// only runs when stock's clamp would be a no-op on all four lanes.
//
// Shapes that hit it (a: [.., .., N] etc.): `a[this.thread.x]`, `a[k][this.thread.x]`,
// `w[this.thread.y][k][this.thread.x]`, `a[i][this.thread.x + j]`, `a[this.thread.x - 1]`,
// where k, i, j are loop counters, Integer arguments, this.thread.y/z or integer literals.
// Compact int8/f16 regions (compact-storage.ts) take the same decision with their own loads
// (compact-load.ts): a widening vector load instead of `v128.load`, per-lane byte/half loads instead
// of `f32.load` in the gathers.
import { codecOf, emitCompactGather, emitFlatIndex } from './compact-load.js';
import { COMPACT_BYTES, type CompactInfo, compactInfo } from './compact-storage.js';
import type { AnyMethod, ArrayRecord, AstNode, WasmFunctionNode } from './gpujs-internals.js';
import { type Interval, rangeOf } from './index-range.js';
import { inductionRead } from './induction-pointers.js';

export function isThreadX(ast: AstNode): boolean {
  if (ast.type !== 'MemberExpression' || ast.computed) return false;
  const object = ast.object as AstNode;
  const property = ast.property as AstNode;
  if (object.type !== 'MemberExpression' || object.computed) return false;
  const objectProperty = object.property as AstNode;
  return objectProperty.name === 'thread' && property.name === 'x';
}

function isIntegerTyped(node: WasmFunctionNode, ast: AstNode): boolean {
  const type = node.getType(ast);
  return type === 'Integer' || type === 'LiteralInteger';
}

function isUniformInteger(node: WasmFunctionNode, ast: AstNode): boolean {
  return node.vInfo !== null && !node.vInfo.exprVarying(ast) && isIntegerTyped(node, ast);
}

/**
 * True when `ast` evaluates, on lane i of a quad, to (its lane-0 value) + i in i32 arithmetic:
 * `this.thread.x`, `s + u`, `u + s`, `s - u` with s such an expression and u a lane-uniform integer.
 * Every step must be typed Integer so gpu.js emits i32 (not f32-then-truncate) arithmetic.
 */
export function isLaneContiguous(node: WasmFunctionNode, ast: AstNode): boolean {
  if (isThreadX(ast)) return true;
  if (ast.type !== 'BinaryExpression' || node.getType(ast) !== 'Integer') return false;
  const left = ast.left as AstNode;
  const right = ast.right as AstNode;
  if (ast.operator === '+') {
    return (
      (isLaneContiguous(node, left) && isUniformInteger(node, right)) ||
      (isUniformInteger(node, left) && isLaneContiguous(node, right))
    );
  }
  if (ast.operator === '-') return isLaneContiguous(node, left) && isUniformInteger(node, right);
  return false;
}

/**
 * True when the flat index x + dx·(y + dy·z) provably stays in [0, elements − 1] for every thread
 * (then no lane can leave the array, and stock's clamp never fires). thread.x's range covers the
 * four lanes, since a quad never extends past the output's x size.
 */
export function provablyInBounds(
  node: WasmFunctionNode,
  dims: readonly number[],
  elements: number,
  x: AstNode,
  y: AstNode | null,
  z: AstNode | null,
): boolean {
  const zero: Interval = [0, 0];
  const rx = rangeOf(node, x);
  const ry = y ? rangeOf(node, y) : zero;
  const rz = z ? rangeOf(node, z) : zero;
  if (!rx || !ry || !rz) return false;
  const [dx, dy] = dims;
  const lo = rx[0] + dx * ry[0] + dx * dy * rz[0];
  const hi = rx[1] + dx * ry[1] + dx * dy * rz[1];
  return rx[0] >= 0 && ry[0] >= 0 && rz[0] >= 0 && lo >= 0 && hi <= elements - 1;
}

/**
 * Splits `e + L` / `e - L` (L an integer literal, e Integer-typed) into e and ±L, recursively, so the
 * literal can become part of a load's constant offset. Anything else is its own base with literal 0.
 */
export function peelLiteral(node: WasmFunctionNode, ast: AstNode): { base: AstNode; literal: number } {
  if (ast.type === 'BinaryExpression' && (ast.operator === '+' || ast.operator === '-')) {
    const right = ast.right as AstNode;
    const left = ast.left as AstNode;
    if (
      right.type === 'Literal' &&
      typeof right.value === 'number' &&
      Number.isInteger(right.value) &&
      node.getType(ast) === 'Integer' &&
      node.getType(left) === 'Integer'
    ) {
      const inner = peelLiteral(node, left);
      const sign = ast.operator === '+' ? 1 : -1;
      return { base: inner.base, literal: inner.literal + sign * right.value };
    }
  }
  return { base: ast, literal: 0 };
}

/** How the elements of one region are read: stock f32 slots, or a compact codec. */
interface Reader {
  elements: number;
  /** bytes per element in the region */
  bytes: number;
  /** stack: i32 lane-0 element index → f32x4; `extra`: a constant element offset folded into the load */
  vector(extra?: number): void;
  /** stack: i32 byte address of lane 0 relative to the region → f32x4; `extraBytes` folded into the load */
  vectorAt(extraBytes: number): void;
  /** `lanes`: v128 local of four clamped element indices → f32x4 */
  gather(lanes: number): void;
}

function f32Reader(node: WasmFunctionNode, layout: ArrayRecord): Reader {
  const em = node.em;
  return {
    elements: layout.flatLength,
    bytes: 4,
    vector: (extra = 0) =>
      em
        .i32Const(2)
        .i32Shl()
        .v128Load(layout.offset + extra * 4, 2),
    vectorAt: (extraBytes) => em.v128Load(layout.offset + extraBytes, 2),
    gather(lanes) {
      em.localGet(lanes).i32x4ExtractLane(0).i32Const(2).i32Shl().f32Load(layout.offset).f32x4Splat();
      for (let lane = 1; lane < 4; lane++) {
        em.localGet(lanes)
          .i32x4ExtractLane(lane)
          .i32Const(2)
          .i32Shl()
          .f32Load(layout.offset)
          .f32x4ReplaceLane(lane);
      }
    },
  };
}

function compactReader(node: WasmFunctionNode, layout: ArrayRecord, info: CompactInfo): Reader {
  const codec = codecOf(info);
  return {
    elements: info.elements,
    bytes: COMPACT_BYTES[info.kind],
    vector: (extra = 0) => codec.vector(node, layout.offset + extra * COMPACT_BYTES[info.kind]),
    vectorAt: (extraBytes) => codec.vectorAt(node, layout.offset + extraBytes),
    gather: (lanes) => codec.gather(node, layout.offset, lanes),
  };
}

/**
 * Builds the `vGather` override around gpu.js's original. Compact regions (compact-storage.ts) are
 * always read here: contiguous reads with the codec's widening vector load, the rest with stock's
 * clamped gather index and the codec's per-lane loads. f32 regions that are not contiguous go to the
 * original.
 */
export function makeContiguousGather(original: AnyMethod): AnyMethod {
  return function vGather(
    this: WasmFunctionNode,
    table: string,
    name: string,
    xProperty: AstNode,
    yProperty: AstNode | null,
    zProperty: AstNode | null,
    mNode: AstNode,
  ): unknown {
    const layout = this.assembler?.layout[table]?.[name];
    const info = compactInfo(layout);
    const vInfo = this.vInfo;
    const reader = layout && (info ? compactReader(this, layout, info) : f32Reader(this, layout));
    if (
      !layout ||
      !reader ||
      !vInfo ||
      reader.elements < 4 ||
      !isLaneContiguous(this, xProperty) ||
      (yProperty && vInfo.exprVarying(yProperty)) ||
      (zProperty && vInfo.exprVarying(zProperty))
    ) {
      if (layout && info) {
        return emitCompactGather(this, layout.offset, layout.dims, info, xProperty, yProperty, zProperty);
      }
      return original.call(this, table, name, xProperty, yProperty, zProperty, mNode);
    }
    const em = this.em;
    if (provablyInBounds(this, layout.dims, reader.elements, xProperty, yProperty, zProperty)) {
      // a read the enclosing loop advances a pointer for (induction-pointers.ts)
      const pointer = inductionRead(this, mNode);
      if (pointer) {
        em.localGet(pointer.local);
        reader.vectorAt(pointer.constantBytes);
        return 'vf32';
      }
      // constant terms of the indices ride in the load's offset immediate, so reads that differ only
      // by a literal (w[k][x], w[k][x + 4], w[k + 1][x]) share one address computation
      const [dx, dy] = layout.dims;
      const x = peelLiteral(this, xProperty);
      const y = yProperty ? peelLiteral(this, yProperty) : null;
      const z = zProperty ? peelLiteral(this, zProperty) : null;
      const extra = x.literal + dx * (y?.literal ?? 0) + dx * dy * (z?.literal ?? 0);
      // the address is computed in unsigned i32: fold only when the remaining index cannot go negative
      const nonNegative = (ast: AstNode) => (rangeOf(this, ast)?.[0] ?? -1) >= 0;
      if (extra >= 0 && nonNegative(x.base) && (!y || nonNegative(y.base)) && (!z || nonNegative(z.base))) {
        emitFlatIndex(this, layout.dims, x.base, y?.base ?? null, z?.base ?? null);
        reader.vector(extra);
        return 'vf32';
      }
      emitFlatIndex(this, layout.dims, xProperty, yProperty, zProperty);
      reader.vector();
      return 'vf32';
    }
    // lane 0's flat index through the scalar walk: thread.x reads the quad base
    emitFlatIndex(this, layout.dims, xProperty, yProperty, zProperty);
    const first = em.addLocal('i32');
    // unsigned compare: first in [0, elements - 4] means all four lanes are in bounds
    em.localTee(first)
      .i32Const(reader.elements - 4)
      .i32LeU();
    this.enterIf('v128');
    em.localGet(first);
    reader.vector();
    em.else_();
    // stock's clamped four-lane gather; lane i's index is first + i in i32 arithmetic
    em.localGet(first).i32x4Splat().v128ConstI32x4(0, 1, 2, 3).i32x4Add();
    this.vZero();
    em.i32x4MaxS();
    const max = reader.elements - 1;
    em.v128ConstI32x4(max, max, max, max).i32x4MinS();
    const lanes = em.addLocal('v128');
    em.localSet(lanes);
    reader.gather(lanes);
    this.exit();
    return 'vf32';
  };
}
