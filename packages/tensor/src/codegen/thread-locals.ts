// Change 3: the root kernel reads its thread ids from locals set once at function entry.
//
// Stock gpu.js 2.24.1 emits every `this.thread.x|y|z` as a `global.get` of the mutable globals that
// `run` / `run_simd` set before each call. A global read is an effectful load to V8's optimising
// compiler, so address arithmetic built on it (`(y·K + k)·16 + x`) stays inside the K loop and is
// recomputed on every iteration. Copied into locals at the top of `kernel` and `kernel_simd`, the
// ids become plain SSA values: the loop-invariant part of every index is then hoisted out of the
// loop by the engine's scheduler. Measured on a 768×3072 matvec (hand-assembled mirror of gpu.js's
// code, same run): 0.45 ms with globals, 0.24 ms with locals.
//
// Only the root kernel's own reads change. Helper functions keep reading the globals: the SIMD
// kernel lane-scalarises helper calls by writing each lane's thread.x into the global and restores
// the quad's base value afterwards, which is the value the locals hold.
import { clearEntryConstants, setEntryConstants } from './entry-constants.js';
import type { AnyMethod, AstNode, WasmEmitter } from './gpujs-internals.js';

const AXES = ['x', 'y', 'z'] as const;
type Axis = (typeof AXES)[number];

interface Globals {
  threadX: number;
  threadY: number;
  threadZ: number;
}

interface RootNode {
  isRootKernel: boolean;
  readsThread?: boolean;
  em: WasmEmitter & { globalGet(index: number): WasmEmitter };
  assembler: { module: { addFunction: AnyMethod }; globals: Globals } | null;
  [THREAD_LOCALS]?: Record<Axis, number> | undefined;
}

const THREAD_LOCALS = Symbol.for('gpt2js.threadLocals');

/** `this.thread.x|y|z` (only through `this`: helpers see other objects), or null. */
export function threadAxis(ast: AstNode): Axis | null {
  if (ast.type !== 'MemberExpression' || ast.computed) return null;
  const object = ast.object as AstNode;
  if (object.type !== 'MemberExpression' || object.computed) return null;
  if ((object.object as AstNode).type !== 'ThisExpression') return null;
  if ((object.property as AstNode).name !== 'thread') return null;
  const name = (ast.property as AstNode).name as string;
  return (AXES as readonly string[]).includes(name) ? (name as Axis) : null;
}

/**
 * Wraps `emitFunction` / `emitVectorFunction`: while the root kernel's function is emitted, the
 * function it adds (`kernel` / `kernel_simd`) starts with `global.get thread*; local.set` for the
 * three ids (and `kernel_simd` the constants of entry-constants.ts), and the node remembers those locals for
 * the read overrides below.
 */
export function makeThreadLocalsWalk(original: AnyMethod): AnyMethod {
  return function emitWithThreadLocals(this: RootNode, assembler: RootNode['assembler']): unknown {
    if (!this.isRootKernel || !assembler?.globals) return original.call(this, assembler);
    const module = assembler.module;
    const hadOwn = Object.hasOwn(module, 'addFunction');
    const own = module.addFunction;
    const node = this;
    module.addFunction = function addFunction(this: unknown, ...args: unknown[]) {
      const em = own.apply(this, args) as RootNode['em'];
      const name = args[0];
      if (name === 'kernel' || name === 'kernel_simd') {
        const locals = {} as Record<Axis, number>;
        for (const axis of AXES) {
          locals[axis] = em.addLocal('i32');
          const global = assembler.globals[`thread${axis.toUpperCase()}` as keyof Globals];
          em.globalGet(global).localSet(locals[axis]);
        }
        node[THREAD_LOCALS] = locals;
        if (name === 'kernel_simd') setEntryConstants(em, node);
        else clearEntryConstants(node);
      }
      return em;
    };
    try {
      return original.call(this, assembler);
    } finally {
      if (hadOwn) module.addFunction = own;
      else delete (module as { addFunction?: AnyMethod }).addFunction;
      this[THREAD_LOCALS] = undefined;
      clearEntryConstants(this);
    }
  };
}

/** Wraps `exprMember` (scalar walk, and the uniform y/z reads of the SIMD walk). */
export function makeThreadLocalsScalarRead(original: AnyMethod): AnyMethod {
  return function exprMember(this: RootNode, mNode: AstNode): unknown {
    const locals = this[THREAD_LOCALS];
    const axis = locals ? threadAxis(mNode) : null;
    if (!locals || !axis) return original.call(this, mNode);
    this.readsThread = true;
    this.em.localGet(locals[axis]);
    return 'i32';
  };
}

/** Wraps `vexprMember`: thread.x of the SIMD walk is the quad base + [0, 1, 2, 3]. */
export function makeThreadLocalsVectorRead(original: AnyMethod): AnyMethod {
  return function vexprMember(this: RootNode, mNode: AstNode): unknown {
    const locals = this[THREAD_LOCALS];
    if (!locals || threadAxis(mNode) !== 'x') return original.call(this, mNode);
    this.readsThread = true;
    this.em.localGet(locals.x).i32x4Splat().v128ConstI32x4(0, 1, 2, 3).i32x4Add();
    return 'vi32';
  };
}
