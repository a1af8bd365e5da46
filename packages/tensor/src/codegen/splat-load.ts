// Change 6: a lane-uniform f32 read multiplied into a vector is loaded already splatted.
//
// In `x[r0 + 1][k] * wk` (the webasm prefill kernel: one activation of a row times a vector of weights)
// the read is the same for the four lanes. Stock gpu.js emits it as a scalar `f32.load` and then widens
// the value with `f32x4.splat`; this override emits one `v128.load32_splat` at the same address (stock's
// flat index, or the loop's pointer from induction-pointers.ts), which x86 runs as one broadcast load.
// The same value reaches the multiply, so results are bit-identical. It applies to the float product of
// a lane-uniform read of an f32 argument or constant (not compact storage, whose loads widen) and a
// lane-varying operand, with no SIMD branch mask live (under a mask stock clamps the index); any other
// product or operator goes to stock's `vexprBinary`.
import { emitFlatIndex } from './compact-load.js';
import { compactInfo } from './compact-storage.js';
import type { AnyMethod, AstNode, WasmFunctionNode } from './gpujs-internals.js';
import { inductionRead } from './induction-pointers.js';
import { memory } from './raw-bytes.js';
import { type RegionRead, regionRead } from './region-read.js';
import { isFloatType } from './switches.js';

const V128_LOAD32_SPLAT = [0xfd, 0x09];

type Node = WasmFunctionNode & {
  pushState(state: string): void;
  popState(state: string): void;
  vexpr(ast: AstNode): string;
  vCoerce(from: string, to: string): void;
};

/** A lane-uniform read of an f32 (stock-storage) argument or constant, or null. */
function uniformRead(node: Node, ast: AstNode): RegionRead | null {
  if (node.vInfo?.exprVarying(ast) !== false) return null;
  const read = regionRead(node, ast);
  return read && !compactInfo(read.record) ? read : null;
}

function emitSplatLoad(node: Node, ast: AstNode, read: RegionRead): void {
  const em = node.em;
  const pointer = inductionRead(node, ast);
  let offset = read.record.offset;
  if (pointer) {
    em.localGet(pointer.local);
    offset += pointer.constantBytes;
  } else {
    emitFlatIndex(node, read.record.dims, read.x, read.y, read.z);
    em.i32Const(2).i32Shl();
  }
  memory(em, V128_LOAD32_SPLAT, 2, offset);
}

function emitFactor(node: Node, ast: AstNode, read: RegionRead | null): void {
  if (read) emitSplatLoad(node, ast, read);
  else node.vCoerce(node.vexpr(ast), 'vf32');
}

/**
 * Emits one factor of a float product as f32x4 (a lane-uniform f32 read already splatted), for other
 * overrides that multiply (fused-multiply-add.ts); the caller holds the 'building-float' state.
 */
export function emitFloatFactor(node: WasmFunctionNode, ast: AstNode): void {
  const n = node as Node;
  emitFactor(n, ast, n.vMaskDepth > 0 ? null : uniformRead(n, ast));
}

/** Builds the `vexprBinary` override for `uniform read * varying` (either order). */
export function makeSplatLoad(original: AnyMethod): AnyMethod {
  return function vexprBinary(this: WasmFunctionNode, ast: AstNode): unknown {
    const node = this as Node;
    if (ast.operator !== '*' || node.vMaskDepth > 0 || typeof node.em._push !== 'function') {
      return original.call(this, ast);
    }
    const left = ast.left as AstNode;
    const right = ast.right as AstNode;
    const floats = isFloatType(node.getType(left)) && isFloatType(node.getType(right));
    const reads = floats ? [uniformRead(node, left), uniformRead(node, right)] : [null, null];
    if (!reads[0] && !reads[1]) return original.call(this, ast);
    // stock's order and state for a float product: left, right, each as f32x4
    node.pushState('building-float');
    emitFactor(node, left, reads[0]);
    emitFactor(node, right, reads[1]);
    node.popState('building-float');
    node.em.f32x4Mul();
    return 'vf32';
  };
}
