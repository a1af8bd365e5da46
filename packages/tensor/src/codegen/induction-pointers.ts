// Change 4: array reads whose index moves by a constant step per loop iteration read through a byte pointer
// that the loop advances, instead of recomputing index × element size from scratch on every read.
//
// Stock gpu.js computes each read's address as i32 arithmetic on the full flat index, then shifts it to
// bytes: `x[r0 + 1][k]` costs an add, a multiply and a shift per iteration even when r0 is invariant, and
// V8 cannot fold the shift into an addressing mode (wasm32 addresses wrap at 32 bits). For a `for` loop with
// an i32 counter k (int-counters.ts) stepping by a literal, a read whose flat index is a·k + R + c (a > 0
// a literal, R a sum of loop-invariant integer terms, c a literal) gets a pointer p = bytes·(a·k + R)
// (+ c when c < 0), set before the loop and advanced by bytes·a·step at the loop's update; the read is
// `load offset=(region + bytes·c) (local.get p)`. Reads that differ only by c share one pointer. Measured on
// the webasm prefill kernel (a hand-assembled mirror, 16 rows of 768×3072): 9.5 → 16 GFLOP/s.
//
// Only reads that take the plain path use the pointer — scalar reads outside SIMD masks (stock does not clamp
// them either) and lane-contiguous vector reads proven in bounds (contiguous-load.ts) — so the address, and
// the value read, is exactly the one stock computes. R must be provably ≥ 0 (the pointer is an unsigned
// address), every term of it integer-typed and not written inside the loop.
import { astKey } from './ast-key.js';
import { COMPACT_BYTES, compactInfo } from './compact-storage.js';
import type { AnyMethod, AstNode, WasmFunctionNode } from './gpujs-internals.js';
import { rangeOf } from './index-range.js';
import { counterDeclarators, forEachChild, integerDeclarators } from './int-counters.js';
import { regionRead } from './region-read.js';
import { threadAxis } from './thread-locals.js';

/** A read through a loop's pointer: the local holding the byte address, and the load's constant offset. */
export interface InductionRead {
  readonly local: number;
  /** bytes·c, to add to the region offset in the load's memarg (never negative) */
  readonly constantBytes: number;
}

interface Term {
  ast: AstNode;
  mul: number;
}

interface Affine {
  k: number;
  terms: Term[];
  c: number;
}

interface Group {
  local: number;
  /** terms of R with their multipliers (bytes included), emitted before the loop */
  terms: Term[];
  /** bytes·(a·k0 + cNegative) */
  initBytes: number;
  stepBytes: number;
}

interface LoopPlan {
  forNode: AstNode;
  groups: Group[];
  reads: Map<AstNode, { group: Group; constantBytes: number }>;
}

const PLANS = Symbol.for('gpt2js.inductionPlans');

type Node = WasmFunctionNode & {
  [PLANS]?: LoopPlan[];
  stmtVariableDeclaration(ast: AstNode): unknown;
  vstmtVariableDeclaration(ast: AstNode): unknown;
  statementExpression(ast: AstNode): unknown;
  vstatementExpression(ast: AstNode): unknown;
};

function literalValue(ast: AstNode): number | null {
  return ast.type === 'Literal' && typeof ast.value === 'number' && Number.isInteger(ast.value)
    ? ast.value
    : null;
}

/** The counter of `for (let k = k0; …; k++ | k += c)` when it is an i32 counter written only by the update. */
function counterOf(node: Node, forNode: AstNode): { name: string; k0: number; step: number } | null {
  const init = forNode.init as AstNode | null;
  if (init?.type !== 'VariableDeclaration' || (init.declarations as AstNode[]).length !== 1) return null;
  const declarator = (init.declarations as AstNode[])[0];
  if (counterDeclarators(node).get(declarator) !== forNode) return null;
  const name = (declarator.id as AstNode).name as string;
  const k0 = literalValue(declarator.init as AstNode);
  const update = forNode.update as AstNode | null;
  let step: number | null = null;
  if (update?.type === 'UpdateExpression' && update.operator === '++') step = 1;
  else if (update?.type === 'AssignmentExpression' && update.operator === '+=') {
    step = literalValue(update.right as AstNode);
  }
  if (k0 === null || step === null || step <= 0) return null;
  if (!update || (update.argument ?? update.left) === undefined) return null;
  const target = (update.argument ?? update.left) as AstNode;
  if (target.name !== name) return null;
  // the update must be the counter's only write
  let writes = 0;
  forEachChild(forNode.body as AstNode, function visit(child: AstNode) {
    if (child.type === 'UpdateExpression' && (child.argument as AstNode).name === name) writes++;
    if (child.type === 'AssignmentExpression' && (child.left as AstNode).name === name) writes++;
    forEachChild(child, visit);
  });
  return writes === 0 ? { name, k0, step } : null;
}

/** Names written anywhere inside `body`. */
function writtenNames(body: AstNode): Set<string> {
  const names = new Set<string>();
  const visit = (child: AstNode): void => {
    if (child.type === 'UpdateExpression' && (child.argument as AstNode).type === 'Identifier') {
      names.add((child.argument as AstNode).name as string);
    }
    if (child.type === 'AssignmentExpression' && (child.left as AstNode).type === 'Identifier') {
      names.add((child.left as AstNode).name as string);
    }
    if (child.type === 'VariableDeclarator' && (child.id as AstNode).type === 'Identifier') {
      names.add((child.id as AstNode).name as string);
    }
    forEachChild(child, visit);
  };
  visit(body);
  return names;
}

/** Whether `ast` is an integer-typed value that cannot change inside the loop. */
function invariantInteger(node: Node, ast: AstNode, counter: string, written: Set<string>): boolean {
  let ok = node.getType(ast) === 'Integer' || literalValue(ast) !== null;
  const integers = integerDeclarators(node);
  const visit = (child: AstNode): void => {
    if (!ok) return;
    if (child.type === 'Identifier') {
      const name = child.name as string;
      const at = node.argumentNames.indexOf(name);
      const argumentType = (node as unknown as { argumentTypes?: string[] }).argumentTypes?.[at];
      const declaration = node.getDeclaration(child) as { ast?: AstNode } | null;
      const integerLocal = !!declaration?.ast && integers.has(declaration.ast);
      if (name === counter || written.has(name) || !(argumentType === 'Integer' || integerLocal)) ok = false;
      return;
    }
    if (child.type === 'CallExpression' || (child.type === 'MemberExpression' && child.computed)) ok = false;
    // this.thread.*, this.output.*, this.constants.*: uniform by construction (the type check above holds)
    if (child.type === 'MemberExpression') return;
    forEachChild(child, visit);
  };
  visit(ast);
  return ok;
}

function affine(node: Node, ast: AstNode, counter: string, written: Set<string>): Affine | null {
  const literal = literalValue(ast);
  if (literal !== null) return { k: 0, terms: [], c: literal };
  if (ast.type === 'Identifier' && ast.name === counter) return { k: 1, terms: [], c: 0 };
  if (ast.type === 'BinaryExpression') {
    const op = ast.operator as string;
    if (op === '+' || op === '-') {
      const left = affine(node, ast.left as AstNode, counter, written);
      const right = left && affine(node, ast.right as AstNode, counter, written);
      if (left && right) {
        const sign = op === '+' ? 1 : -1;
        return {
          k: left.k + sign * right.k,
          terms: [...left.terms, ...right.terms.map((t) => ({ ast: t.ast, mul: sign * t.mul }))],
          c: left.c + sign * right.c,
        };
      }
    }
    if (op === '*') {
      for (const [a, b] of [
        [ast.left, ast.right],
        [ast.right, ast.left],
      ] as AstNode[][]) {
        const factor = literalValue(b);
        const inner = factor === null ? null : affine(node, a, counter, written);
        if (inner && factor !== null) {
          return {
            k: inner.k * factor,
            terms: inner.terms.map((t) => ({ ast: t.ast, mul: t.mul * factor })),
            c: inner.c * factor,
          };
        }
      }
    }
  }
  return invariantInteger(node, ast, counter, written) ? { k: 0, terms: [{ ast, mul: 1 }], c: 0 } : null;
}

function scale(a: Affine, by: number): Affine {
  return { k: a.k * by, terms: a.terms.map((t) => ({ ast: t.ast, mul: t.mul * by })), c: a.c * by };
}

/** The plan of a loop: its pointer groups and which read uses which, or null when nothing qualifies. */
function planLoop(node: Node, forNode: AstNode): LoopPlan | null {
  const counter = counterOf(node, forNode);
  if (!counter || !node.assembler) return null;
  const written = writtenNames(forNode.body as AstNode);
  const groups = new Map<string, Group>();
  const reads = new Map<AstNode, { group: Group; constantBytes: number }>();
  const visit = (child: AstNode): void => {
    if (child.type === 'FunctionDeclaration' || child.type === 'FunctionExpression') return;
    if (child.type === 'MemberExpression' && child.computed) {
      const found = readPlan(node, child, counter, written, groups);
      if (found) reads.set(child, found);
      // the indices may hold reads of their own; the object chain is this read
      let object: AstNode = child;
      while (object.type === 'MemberExpression' && object.computed) {
        visit(object.property as AstNode);
        object = object.object as AstNode;
      }
      return;
    }
    forEachChild(child, visit);
  };
  visit(forNode.body as AstNode);
  return groups.size > 0 ? { forNode, groups: [...groups.values()], reads } : null;
}

function readPlan(
  node: Node,
  read: AstNode,
  counter: { name: string; k0: number; step: number },
  written: Set<string>,
  groups: Map<string, Group>,
): { group: Group; constantBytes: number } | null {
  const found = regionRead(node, read);
  if (!found) return null;
  const { record } = found;
  const info = compactInfo(record);
  const bytes = info ? COMPACT_BYTES[info.kind] : 4;
  const [dx, dy] = record.dims;
  const parts = [found.x, found.y, found.z];
  let flat: Affine = { k: 0, terms: [], c: 0 };
  const strides = [1, dx, dx * dy];
  for (let i = 0; i < 3; i++) {
    const property = parts[i];
    if (!property) continue;
    const a = affine(node, property, counter.name, written);
    if (!a) return null;
    const s = scale(a, strides[i]);
    flat = { k: flat.k + s.k, terms: [...flat.terms, ...s.terms], c: flat.c + s.c };
  }
  if (flat.k <= 0) return null;
  // in the SIMD walk a pointer is one scalar for the quad: only lane-uniform terms, and this.thread.x itself
  // (the quad's lane 0, as in the contiguous vector read)
  if (node.vec && flat.terms.some((t) => node.vInfo?.exprVarying(t.ast) && !threadAxis(t.ast))) return null;
  // R + min(c, 0) must be a non-negative address in every thread
  let low = Math.min(flat.c, 0);
  for (const term of flat.terms) {
    const range = rangeOf(node, term.ast);
    if (!range) return null;
    low += Math.min(range[0] * term.mul, range[1] * term.mul);
  }
  if (low < 0 || counter.k0 < 0) return null;
  const cNegative = Math.min(flat.c, 0);
  const text = (t: Term) => `${t.mul}*${astKey(t.ast)}`;
  const key = `${found.region}.${flat.k}.${cNegative}.${flat.terms.map(text).sort().join('+')}`;
  let group = groups.get(key);
  if (!group) {
    group = {
      local: -1,
      terms: flat.terms.map((t) => ({ ast: t.ast, mul: t.mul * bytes })),
      initBytes: bytes * (flat.k * counter.k0 + cNegative),
      stepBytes: bytes * flat.k * counter.step,
    };
    groups.set(key, group);
  }
  return { group, constantBytes: bytes * (flat.c - cNegative) };
}

/** Emits every group's pointer: bytes·(a·k0 + R [+ c]). */
function emitInit(node: Node, plan: LoopPlan): void {
  const em = node.em;
  for (const group of plan.groups) {
    group.local = em.addLocal('i32');
    em.i32Const(group.initBytes);
    for (const term of group.terms) {
      node.emitIndex(term.ast);
      em.i32Const(term.mul).i32Mul().i32Add();
    }
    em.localSet(group.local);
  }
}

function emitAdvance(node: Node, plan: LoopPlan): void {
  const em = node.em;
  for (const group of plan.groups) {
    em.localGet(group.local).i32Const(group.stepBytes).i32Add().localSet(group.local);
  }
}

/** The pointer read for `read` in the innermost loop that planned one, if any. */
export function inductionRead(node: WasmFunctionNode, read: AstNode): InductionRead | null {
  const plans = (node as Node)[PLANS];
  if (!plans) return null;
  for (let i = plans.length - 1; i >= 0; i--) {
    const found = plans[i].reads.get(read);
    if (found && found.group.local >= 0)
      return { local: found.group.local, constantBytes: found.constantBytes };
  }
  return null;
}

/** The loop whose pointer serves `read` (the innermost that planned one): its plan, an identity per emission. */
export function inductionLoop(node: WasmFunctionNode, read: AstNode): { readonly forNode: AstNode } | null {
  const plans = (node as Node)[PLANS];
  if (!plans) return null;
  for (let i = plans.length - 1; i >= 0; i--) {
    const found = plans[i].reads.get(read);
    if (found && found.group.local >= 0) return plans[i];
  }
  return null;
}

/**
 * Wraps `stmtFor` (`declare`: 'stmtVariableDeclaration', `update`: 'statementExpression') or the uniform
 * path of `vstmtFor` ('vstmtVariableDeclaration', 'vstatementExpression'): the pointers are set right after
 * the counter's declaration and advanced right after the loop's update.
 */
function makeLoop(
  original: AnyMethod,
  declare: 'stmtVariableDeclaration' | 'vstmtVariableDeclaration',
  update: 'statementExpression' | 'vstatementExpression',
): AnyMethod {
  return function loopWithPointers(this: Node, forNode: AstNode): unknown {
    const plan = planLoop(this, forNode);
    if (!plan) return original.call(this, forNode);
    const own = this as unknown as Record<string, AnyMethod | undefined>;
    const hadDeclare = Object.hasOwn(this, declare) ? own[declare] : undefined;
    const hadUpdate = Object.hasOwn(this, update) ? own[update] : undefined;
    const nextDeclare = this[declare].bind(this) as AnyMethod;
    const nextUpdate = this[update].bind(this) as AnyMethod;
    own[declare] = (ast: AstNode) => {
      const result = nextDeclare(ast);
      if (ast === forNode.init) emitInit(this, plan);
      return result;
    };
    own[update] = (ast: AstNode) => {
      const result = nextUpdate(ast);
      if (ast === forNode.update) emitAdvance(this, plan);
      return result;
    };
    const plans = (this[PLANS] ??= []);
    plans.push(plan);
    try {
      return original.call(this, forNode);
    } finally {
      plans.pop();
      if (hadDeclare) own[declare] = hadDeclare;
      else delete own[declare];
      if (hadUpdate) own[update] = hadUpdate;
      else delete own[update];
    }
  };
}

export const makeInductionFor = (original: AnyMethod): AnyMethod =>
  makeLoop(original, 'stmtVariableDeclaration', 'statementExpression');

export const makeInductionVectorFor = (original: AnyMethod): AnyMethod =>
  makeLoop(original, 'vstmtVariableDeclaration', 'vstatementExpression');
