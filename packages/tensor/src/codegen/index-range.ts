// Interval bounds of array-index expressions at code-generation time, so a lane-contiguous read that
// provably stays inside its array can skip the per-read bounds test of `contiguous-load.ts`.
//
// Known ranges: integer literals; `this.thread.x|y|z` ∈ [0, output − 1]; `e & m` ∈ [0, m] and `e >> c` for
// constant m ≥ 0, c; `this.output.*` and integer
// `this.constants.*` (both are baked into the module); and the i32 loop counters of
// `int-counters.ts` when their loop is `for (let k = a; k < E; k++)` (or `<=`, or `k += c`, c > 0),
// E has a known range, and the update is the only write to k; and its other i32 locals that are never
// written after their declaration (the range of the initializer). Sums, differences and products combine
// by interval arithmetic. Anything else (arguments, float locals, Math calls) is unknown (null).
import type { AstNode, WasmFunctionNode } from './gpujs-internals.js';
import { counterDeclarators, forEachChild, integerDeclarators } from './int-counters.js';

/** Inclusive integer interval. */
export type Interval = readonly [number, number];

const AXES: Record<string, number> = { x: 0, y: 1, z: 2 };
const I32_LIMIT = 2 ** 31;

function memberChain(ast: AstNode): [string, string] | null {
  if (ast.type !== 'MemberExpression' || ast.computed) return null;
  const object = ast.object as AstNode;
  if (object.type !== 'MemberExpression' || object.computed) return null;
  if ((object.object as AstNode).type !== 'ThisExpression') return null;
  return [(object.property as AstNode).name as string, (ast.property as AstNode).name as string];
}

/**
 * Writes (assignments, ++/--) anywhere in the function, per declarator of the written binding: one walk of
 * the function per node. (A walk per question, as `rangeOf` asks for every identifier of every index it
 * bounds, took 0.25 s of a GPT-2 124M model's first prompt.)
 */
const writeCounts = new WeakMap<object, Map<AstNode, number>>();

function writesByDeclarator(node: WasmFunctionNode): Map<AstNode, number> {
  const cached = writeCounts.get(node);
  if (cached) return cached;
  const counts = new Map<AstNode, number>();
  const count = (target: AstNode): void => {
    if (target.type !== 'Identifier') return;
    const declarator = (node.getDeclaration(target) as { ast?: AstNode } | null)?.ast;
    if (declarator) counts.set(declarator, (counts.get(declarator) ?? 0) + 1);
  };
  const visit = (child: AstNode): void => {
    if (child.type === 'UpdateExpression') count(child.argument as AstNode);
    if (child.type === 'AssignmentExpression') count(child.left as AstNode);
    forEachChild(child, visit);
  };
  forEachChild(node.getJsAST(), visit);
  writeCounts.set(node, counts);
  return counts;
}

/** Writes (assignments, ++/--) anywhere in the function to the binding `declarator` declares. */
function countWrites(node: WasmFunctionNode, declarator: AstNode): number {
  return writesByDeclarator(node).get(declarator) ?? 0;
}

function stepOf(update: AstNode | null, name: string): number | null {
  if (!update) return null;
  if (update.type === 'UpdateExpression' && update.operator === '++') {
    return (update.argument as AstNode).name === name ? 1 : null;
  }
  if (update.type === 'AssignmentExpression' && update.operator === '+=') {
    const right = update.right as AstNode;
    const ok = (update.left as AstNode).name === name && right.type === 'Literal';
    return ok && typeof right.value === 'number' && right.value > 0 ? right.value : null;
  }
  return null;
}

function counterRange(
  node: WasmFunctionNode,
  declarator: AstNode,
  forNode: AstNode,
  depth: number,
): Interval | null {
  const name = (declarator.id as AstNode).name as string;
  const init = forNode.init as AstNode;
  const step = stepOf(forNode.update as AstNode | null, name);
  if (init.kind === 'var' || step === null) return null;
  if (countWrites(node, declarator) !== 1) return null;
  const test = forNode.test as AstNode | null;
  if (test?.type !== 'BinaryExpression' || (test.left as AstNode).name !== name) return null;
  if (test.operator !== '<' && test.operator !== '<=') return null;
  const bound = rangeOf(node, test.right as AstNode, depth + 1);
  if (!bound) return null;
  const lo = (declarator.init as AstNode).value as number;
  const last = test.operator === '<' ? bound[1] - 1 : bound[1];
  // the counter only takes the values lo + step·i: `for (k = 0; k < 768; k += 4)` ends at 764, so an
  // unrolled body's `k + 3` is still provably below 768
  const hi = last < lo ? lo : lo + step * Math.floor((last - lo) / step);
  return [lo, hi];
}

function combine(operator: string, a: Interval, b: Interval): Interval | null {
  switch (operator) {
    case '&':
      // a & m with a non-negative constant m is in [0, m] whatever a is (two's complement)
      return b[0] === b[1] && b[0] >= 0 ? [0, b[0]] : null;
    case '>>':
      return b[0] === b[1] && b[0] >= 0 && b[0] < 32 && a[0] >= 0 ? [a[0] >> b[0], a[1] >> b[0]] : null;
    case '+':
      return [a[0] + b[0], a[1] + b[1]];
    case '-':
      return [a[0] - b[1], a[1] - b[0]];
    case '*': {
      const products = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
      return [Math.min(...products), Math.max(...products)];
    }
    default:
      return null;
  }
}

/** The range of an integer index expression over every thread and iteration, or null if unknown. */
export function rangeOf(node: WasmFunctionNode, ast: AstNode, depth = 0): Interval | null {
  if (depth > 32) return null;
  let result: Interval | null = null;
  switch (ast.type) {
    case 'Literal':
      if (typeof ast.value === 'number' && Number.isInteger(ast.value)) result = [ast.value, ast.value];
      break;
    case 'MemberExpression': {
      const chain = memberChain(ast);
      if (!chain) break;
      const [group, field] = chain;
      const output = (node as unknown as { output: number[] }).output ?? [];
      if (group === 'thread' && field in AXES) result = [0, (output[AXES[field]] ?? 1) - 1];
      else if (group === 'output' && field in AXES) {
        const size = output[AXES[field]];
        if (Number.isInteger(size)) result = [size, size];
      } else if (group === 'constants') {
        const value = (node as unknown as { constants?: Record<string, unknown> }).constants?.[field];
        if (typeof value === 'number' && Number.isInteger(value)) result = [value, value];
      }
      break;
    }
    case 'Identifier': {
      const declaration = node.getDeclaration(ast) as { ast?: AstNode } | null;
      const forNode = declaration?.ast ? counterDeclarators(node).get(declaration.ast) : undefined;
      if (declaration?.ast && forNode) result = counterRange(node, declaration.ast, forNode, depth);
      // an i32 local that is never written after its declaration has the range of its initializer
      else if (
        declaration?.ast &&
        integerDeclarators(node).has(declaration.ast) &&
        countWrites(node, declaration.ast) === 0
      ) {
        result = rangeOf(node, declaration.ast.init as AstNode, depth + 1);
      }
      break;
    }
    case 'BinaryExpression': {
      const right = rangeOf(node, ast.right as AstNode, depth + 1);
      // the left side of a mask may be anything (an argument): only the mask decides
      const left =
        ast.operator === '&' && right
          ? ([-I32_LIMIT + 1, I32_LIMIT - 1] as Interval)
          : rangeOf(node, ast.left as AstNode, depth + 1);
      if (left && right) result = combine(ast.operator as string, left, right);
      break;
    }
  }
  if (result && (Math.abs(result[0]) >= I32_LIMIT || Math.abs(result[1]) >= I32_LIMIT)) return null;
  return result;
}
