// The slice of gpu.js 2.24.1's WebAssembly backend that the code-generation extension touches, typed
// just enough to be used safely. These are internals (not in gpu.js's index.d.ts): every name here
// is also listed in `fingerprints.ts`, which refuses to install when one is missing or changed.

/** A node of the acorn AST that gpu.js traces (ESTree); only the fields read here are typed. */
export interface AstNode {
  type: string;
  [key: string]: unknown;
}

/** `layout.arrays[name]` / `layout.constantArrays[name]` of `WebAssemblyKernel.computeLayout`. */
export interface ArrayRecord {
  /** argument position (argument records only) */
  index?: number;
  /** byte offset of element 0 in the wasm memory */
  offset: number;
  /** [x, y, z] sizes, missing dimensions are 1 */
  dims: number[];
  /** 4-byte slots of the region: the element count, or the packed size of a compact region */
  flatLength: number;
}

/** The per-function emitter of gpu.js's `wasm-builder.js` (one method per opcode, chainable). */
export interface WasmEmitter {
  addLocal(type: 'i32' | 'f32' | 'v128'): number;
  /** appends raw instruction bytes (gpu.js's own escape hatch for opcodes it has no method for) */
  _push(bytes: number[]): WasmEmitter;
  localGet(index: number): WasmEmitter;
  localSet(index: number): WasmEmitter;
  localTee(index: number): WasmEmitter;
  i32Const(value: number): WasmEmitter;
  f32Const(value: number): WasmEmitter;
  i32Add(): WasmEmitter;
  i32Mul(): WasmEmitter;
  i32Shl(): WasmEmitter;
  i32And(): WasmEmitter;
  i32Or(): WasmEmitter;
  i32LeU(): WasmEmitter;
  i32GtU(): WasmEmitter;
  select(): WasmEmitter;
  f32Mul(): WasmEmitter;
  f32ConvertI32S(): WasmEmitter;
  f32ReinterpretI32(): WasmEmitter;
  i32ReinterpretF32(): WasmEmitter;
  i32x4Splat(): WasmEmitter;
  i32x4Add(): WasmEmitter;
  i32x4Mul(): WasmEmitter;
  i32x4Shl(): WasmEmitter;
  i32x4MaxS(): WasmEmitter;
  i32x4MinS(): WasmEmitter;
  i32x4ExtractLane(lane: number): WasmEmitter;
  i32x4ReplaceLane(lane: number): WasmEmitter;
  f32Load(offset?: number, align?: number): WasmEmitter;
  f32x4Splat(): WasmEmitter;
  f32x4Mul(): WasmEmitter;
  f32x4Abs(): WasmEmitter;
  f32x4Ge(): WasmEmitter;
  f32x4ConvertI32x4S(): WasmEmitter;
  f32x4ReplaceLane(lane: number): WasmEmitter;
  v128And(): WasmEmitter;
  v128Or(): WasmEmitter;
  v128ConstI32x4(a: number, b: number, c: number, d: number): WasmEmitter;
  v128ConstF32x4(a: number, b: number, c: number, d: number): WasmEmitter;
  v128Load(offset?: number, align?: number): WasmEmitter;
  else_(): WasmEmitter;
}

/** What `vAnalyze` returns (cached on the node as `vInfo`). */
export interface VectorInfo {
  exprVarying(ast: AstNode): boolean;
}

/** Declaration record of gpu.js's FunctionTracer, shared by every walk of a function. */
export interface DeclarationInfo {
  valueType: string | null;
  suggestedType: string | null;
}

/** `WebAssemblyFunctionNode.prototype` as seen from `this` inside an override. */
export interface WasmFunctionNode {
  em: WasmEmitter;
  vec: boolean;
  /** depth of live SIMD branch masks (stock clamps uniform indices while > 0) */
  vMaskDepth: number;
  vInfo: VectorInfo | null;
  isRootKernel: boolean;
  argumentNames: string[];
  taintedLocals: Set<string> | null;
  assembler: { layout: Record<string, Record<string, ArrayRecord | undefined> | undefined> } | null;
  getJsAST(): AstNode;
  getType(ast: AstNode): string | null;
  getDeclaration(ast: AstNode): DeclarationInfo | null;
  isThreadDependent(ast: AstNode): boolean;
  emitIndex(property: AstNode): void;
  vEmitIndex(property: AstNode): void;
  emitClampScalarIndex(max: number): void;
  enterIf(type?: string): void;
  exit(): void;
  vZero(): unknown;
  setScalarLocal(name: string, wtype: string, gtype: string, emitInit: () => void): void;
  vSetVaryingScalar(name: string, wtype: string, gtype: string, emitInit: () => void): void;
  castLiteralToInteger(ast: AstNode): string;
  vCastLiteralToInteger(ast: AstNode): string;
}

// biome-ignore lint/suspicious/noExplicitAny: prototype methods of an untyped CommonJS module
export type AnyMethod = (this: any, ...args: any[]) => unknown;

/** `WebAssemblyKernel.prototype` as seen from `this` inside an override. */
export interface KernelInternals {
  argumentNames: string[];
  argumentTypes: string[];
  constants: Record<string, unknown> | null;
  constantTypes: Record<string, string>;
  /** [x, y, z] of an array or Input value, missing dimensions 1 (a fresh array per call) */
  valueDimensions(value: unknown): number[];
}

/** The gpu.js module namespace, reduced to what the extension wraps or reads. */
export interface GpujsModule {
  WebAssemblyFunctionNode: { prototype: Record<string | symbol, unknown> };
  WebAssemblyKernel: { prototype: Record<string | symbol, unknown>; dispatchSpans?: unknown };
  /** gpu.js's `Input` class (flat value + dims) */
  Input: abstract new (
    ...args: never[]
  ) => unknown;
  /** gpu.js's shared helpers; `flattenTo` copies every kernel input into wasm memory */
  utils: Record<string | symbol, unknown>;
}
