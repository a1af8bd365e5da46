// Change 7: a float sum with a product term, `c + a * b` (or `a * b + c`), becomes one
// `f32x4.relaxed_madd` where the WebAssembly engine has relaxed SIMD (Node 22 and later, Chromium 114 and
// later; Node 20 with `--experimental-wasm-relaxed-simd`). V8 runs it as a fused multiply-add on a CPU
// with FMA3: one instruction instead of a multiply and an add, so the two vector ports of an x86 core can
// retire up to twice the arithmetic per cycle (the prefill kernel, limited by its accumulator chains,
// gains 1.1–1.2×) and every f16 weight of the decode kernels costs one operation less.
//
// Results: relaxed_madd rounds once where stock rounds twice (or, on a CPU without FMA, exactly as
// stock); either is within one rounding of the other per term, and the kernels' sums are tested against
// plain references with tolerances, not bits. Without relaxed SIMD, or with `GPT2JS_WASM_FMA=0` (Node) /
// `globalThis.GPT2JS_WASM_FMA = 0` (browser), nothing changes and the extension stays bit-identical to
// stock gpu.js. It applies to float operands only (integer sums and the int8 pair dot products keep
// their exact integer arithmetic), with no SIMD branch mask live; the product's factors go through the
// same emission as a product's (splat-load.ts for a lane-uniform read).
import type { AnyMethod, AstNode, WasmFunctionNode } from './gpujs-internals.js';
import { raw } from './raw-bytes.js';
import { emitFloatFactor } from './splat-load.js';
import { isFloatType, switchedOffBy } from './switches.js';

const F32X4_RELAXED_MADD = [0xfd, 0x85, 0x02];

/** (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd) */
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02,
  0x0b,
]);

type Node = WasmFunctionNode & {
  pushState(state: string): void;
  popState(state: string): void;
  vexpr(ast: AstNode): string;
  vCoerce(from: string, to: string): void;
};

const switchedOff = () => switchedOffBy('GPT2JS_WASM_FMA') !== null;

/** Whether this WebAssembly engine validates relaxed SIMD (asked anew each time: a flag set at run time counts). */
export function hasRelaxedSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(PROBE);
}

/**
 * Whether webasm kernels compiled now use fused multiply-adds: the engine has relaxed SIMD and no switch
 * turns it off. Asked at every kernel compilation.
 */
export function fusedMultiplyAddEnabled(): boolean {
  return !switchedOff() && hasRelaxedSimd();
}

/** One phrase for backend reports: whether kernels fuse multiply-adds, and why not. */
export function fusedMultiplyAddStatus(): string {
  if (switchedOff()) return 'fused multiply-adds off (GPT2JS_WASM_FMA=0)';
  if (hasRelaxedSimd()) return 'fused multiply-adds on (relaxed SIMD)';
  return 'fused multiply-adds off (no relaxed SIMD here: Node 22+ and Chromium 114+ have it; Node 20 needs --experimental-wasm-relaxed-simd)';
}

const isFloat = (node: Node, ast: AstNode) => isFloatType(node.getType(ast));

function isFloatProduct(node: Node, ast: AstNode): boolean {
  return (
    ast.type === 'BinaryExpression' &&
    ast.operator === '*' &&
    isFloat(node, ast.left as AstNode) &&
    isFloat(node, ast.right as AstNode)
  );
}

/** Builds the `vexprBinary` override for `c + a * b` and `a * b + c` over floats. */
export function makeFusedMultiplyAdd(original: AnyMethod): AnyMethod {
  return function vexprBinary(this: WasmFunctionNode, ast: AstNode): unknown {
    const node = this as Node;
    if (ast.operator !== '+' || node.vMaskDepth > 0 || typeof node.em._push !== 'function') {
      return original.call(this, ast);
    }
    const left = ast.left as AstNode;
    const right = ast.right as AstNode;
    if (!isFloat(node, left) || !isFloat(node, right)) return original.call(this, ast);
    // the right-hand product first: `s += x * w` arrives as `s + x * w`
    const product = isFloatProduct(node, right) ? right : isFloatProduct(node, left) ? left : null;
    if (!product || !fusedMultiplyAddEnabled()) return original.call(this, ast);
    const addend = product === right ? left : right;
    // relaxed_madd(a, b, c) = a · b + c: the factors, then the addend (kernel expressions have no effects)
    node.pushState('building-float');
    emitFloatFactor(node, product.left as AstNode);
    emitFloatFactor(node, product.right as AstNode);
    node.vCoerce(node.vexpr(addend), 'vf32');
    node.popState('building-float');
    raw(node.em, F32X4_RELAXED_MADD);
    return 'vf32';
  };
}

/**
 * Node 20 (V8 11.3) ships relaxed SIMD behind `--experimental-wasm-relaxed-simd`; this sets that flag at
 * run time, so that webasm kernels compiled afterwards fuse multiply-adds. Call it before creating a
 * backend. Resolves to whether relaxed SIMD is available afterwards; where it already is (Node 22+,
 * Chromium), or outside Node, it changes nothing.
 */
export async function enableRelaxedSimd(): Promise<boolean> {
  if (hasRelaxedSimd()) return true;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!node) return false;
  const specifier = 'node:v8';
  const v8 = (await import(/* @vite-ignore */ specifier)) as typeof import('node:v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return hasRelaxedSimd();
}
