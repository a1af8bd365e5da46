// Change 2: integer loop counters and integer locals stay i32 in every walk of gpu.js's WebAssembly code
// generator.
//
// In stock gpu.js 2.24.1, `for (let k = 0; k < K; k++)` gets an f32 counter: the analysis walk
// records the literal `0` as 'Integer', so the emission walk of `stmtVariableDeclaration` takes its
// "int-typed initializers decay to float declarations" branch, and every use as an index then pays
// a float→int conversion (`i32.trunc_sat_f32_s`), with `f32.add`/`f32.lt` for the loop itself.
// This override declares such a counter as an i32 local (and as an i32x4 local when the loop's trip
// count varies per lane) on every walk, and types it 'Integer' consistently.
//
// It only does so when that cannot change a result: the declarator sits in a `for` init, starts at
// an integer literal, and every write to that name anywhere in the function is `++`, `--`, or
// `=`/`+=`/`-=` an integer literal (so its value is always an integer), the name is not a kernel
// argument, and it never appears inside the arguments of a user helper call (where 'Integer' would
// change the helper's inferred parameter type). Uses in float math convert exactly (|k| < 2^24);
// index arithmetic becomes exact i32 arithmetic instead of f32 (exact only below 2^24).
//
// The same holds for any other local whose value is always an integer by construction: a `const` or
// `let` whose initializer and every later write are integer-only expressions (integer literals,
// `this.thread.*`, `this.output.*`, integer `this.constants.*`, Integer-typed arguments, other such
// locals, combined with + − * & | ^ << >> or unary −; no division, no Math call, no array read). Stock gpu.js decays
// those to f32 too (`const row = this.thread.y * K + k`), so every index built on them paid f32 math
// and a conversion; as i32 locals they also get interval bounds (index-range.ts). Values must stay
// below 2^31 in magnitude, as in any i32 index arithmetic.
import type { AnyMethod, AstNode, WasmFunctionNode } from './gpujs-internals.js';

const counterCache = new WeakMap<object, Map<AstNode, AstNode>>();

function isIntegerLiteral(ast: unknown): boolean {
  const node = ast as AstNode | null;
  return (
    !!node &&
    node.type === 'Literal' &&
    typeof node.value === 'number' &&
    Number.isInteger(node.value) &&
    Math.abs(node.value) < 2 ** 31
  );
}

export function forEachChild(node: AstNode, visit: (child: AstNode) => void): void {
  for (const key in node) {
    if (key === 'loc' || key === 'start' || key === 'end' || key === 'range' || key === 'parent') continue;
    const child = node[key];
    if (Array.isArray(child)) {
      for (const item of child) if (item && typeof item === 'object') visit(item as AstNode);
    } else if (child && typeof child === 'object' && typeof (child as AstNode).type === 'string') {
      visit(child as AstNode);
    }
  }
}

function isMathCall(call: AstNode): boolean {
  const callee = call.callee as AstNode;
  return (
    callee.type === 'MemberExpression' &&
    (callee.object as AstNode).type === 'Identifier' &&
    (callee.object as AstNode).name === 'Math'
  );
}

function mentions(ast: AstNode, name: string): boolean {
  if (ast.type === 'Identifier' && ast.name === name) return true;
  let found = false;
  forEachChild(ast, (child) => {
    if (!found && mentions(child, name)) found = true;
  });
  return found;
}

/** Names whose every write keeps an integer value, and that never flow into a helper call. */
function integerOnlyNames(body: AstNode, candidates: Set<string>): Set<string> {
  const bad = new Set<string>();
  const visit = (node: AstNode): void => {
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') return;
    if (node.type === 'AssignmentExpression') {
      const left = node.left as AstNode;
      if (left.type === 'Identifier' && candidates.has(left.name as string)) {
        const op = node.operator as string;
        if (!((op === '=' || op === '+=' || op === '-=') && isIntegerLiteral(node.right))) {
          bad.add(left.name as string);
        }
      }
    }
    if (node.type === 'CallExpression' && !isMathCall(node)) {
      for (const argument of node.arguments as AstNode[]) {
        for (const name of candidates) if (mentions(argument, name)) bad.add(name);
      }
    }
    forEachChild(node, visit);
  };
  forEachChild(body, visit);
  return new Set([...candidates].filter((name) => !bad.has(name)));
}

/**
 * The `for`-init declarators of this function node that can be i32 counters, each mapped to its
 * `for` statement (cached per node: the AST is fixed for the node's lifetime).
 */
export function counterDeclarators(node: WasmFunctionNode): Map<AstNode, AstNode> {
  const cached = counterCache.get(node);
  if (cached) return cached;
  const ast = node.getJsAST();
  const found: AstNode[] = [];
  const loops = new Map<AstNode, AstNode>();
  const visit = (child: AstNode): void => {
    if (child.type === 'FunctionDeclaration' || child.type === 'FunctionExpression') return;
    if (child.type === 'ForStatement') {
      const init = child.init as AstNode | null;
      if (init && init.type === 'VariableDeclaration') {
        for (const declarator of init.declarations as AstNode[]) {
          const id = declarator.id as AstNode;
          if (id.type === 'Identifier' && isIntegerLiteral(declarator.init)) {
            found.push(declarator);
            loops.set(declarator, child);
          }
        }
      }
    }
    forEachChild(child, visit);
  };
  forEachChild(ast, visit);
  const names = new Set(
    found
      .map((declarator) => (declarator.id as AstNode).name as string)
      .filter((name) => node.argumentNames.indexOf(name) === -1),
  );
  const safe = integerOnlyNames(ast, names);
  const result = new Map<AstNode, AstNode>();
  for (const declarator of found) {
    if (safe.has((declarator.id as AstNode).name as string)) result.set(declarator, loops.get(declarator)!);
  }
  counterCache.set(node, result);
  return result;
}

const integerCache = new WeakMap<object, Set<AstNode>>();

/** Operators that keep integers integers in JavaScript too (bitwise ones work on int32, as i32 ops do). */
const INTEGER_OPERATORS = new Set(['+', '-', '*', '&', '|', '^', '<<', '>>']);

/** Whether `ast` computes an integer from integer-only parts (`integers`: names known to hold one). */
function integerOnly(node: WasmFunctionNode, ast: AstNode, integers: Set<string>): boolean {
  switch (ast.type) {
    case 'Literal':
      return isIntegerLiteral(ast);
    case 'Identifier': {
      const name = ast.name as string;
      const at = node.argumentNames.indexOf(name);
      if (at !== -1)
        return (node as unknown as { argumentTypes?: string[] }).argumentTypes?.[at] === 'Integer';
      return integers.has(name);
    }
    case 'MemberExpression': {
      if (ast.computed) return false;
      const object = ast.object as AstNode;
      if (object.type !== 'MemberExpression' || object.computed) return false;
      if ((object.object as AstNode).type !== 'ThisExpression') return false;
      const group = (object.property as AstNode).name;
      const field = (ast.property as AstNode).name as string;
      if (group === 'thread' || group === 'output') return field === 'x' || field === 'y' || field === 'z';
      if (group === 'constants') {
        const value = (node as unknown as { constants?: Record<string, unknown> }).constants?.[field];
        return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31;
      }
      return false;
    }
    case 'BinaryExpression':
      return (
        INTEGER_OPERATORS.has(ast.operator as string) &&
        integerOnly(node, ast.left as AstNode, integers) &&
        integerOnly(node, ast.right as AstNode, integers)
      );
    case 'UnaryExpression':
      return ast.operator === '-' && integerOnly(node, ast.argument as AstNode, integers);
    default:
      return false;
  }
}

/**
 * The declarators of this function node that can be i32 locals: integer-only initializer and writes,
 * not an argument name, never inside a helper call's arguments (a fixpoint: a local that depends on a
 * disqualified one is disqualified too). Counters of `counterDeclarators` are among them.
 */
export function integerDeclarators(node: WasmFunctionNode): Set<AstNode> {
  const cached = integerCache.get(node);
  if (cached) return cached;
  const ast = node.getJsAST();
  const declarators = new Map<string, AstNode[]>();
  const writes = new Map<string, AstNode[]>();
  const inHelperCalls = new Set<string>();
  const visit = (child: AstNode): void => {
    if (child.type === 'FunctionDeclaration' || child.type === 'FunctionExpression') return;
    if (child.type === 'VariableDeclarator' && (child.id as AstNode).type === 'Identifier' && child.init) {
      const name = (child.id as AstNode).name as string;
      declarators.set(name, [...(declarators.get(name) ?? []), child]);
    }
    if (child.type === 'AssignmentExpression' && (child.left as AstNode).type === 'Identifier') {
      const name = (child.left as AstNode).name as string;
      writes.set(name, [...(writes.get(name) ?? []), child]);
    }
    if (child.type === 'UpdateExpression' && (child.argument as AstNode).type === 'Identifier') {
      const name = (child.argument as AstNode).name as string;
      writes.set(name, [...(writes.get(name) ?? []), child]);
    }
    if (child.type === 'CallExpression' && !isMathCall(child)) {
      for (const argument of child.arguments as AstNode[]) {
        for (const name of declarators.keys()) if (mentions(argument, name)) inHelperCalls.add(name);
      }
    }
    forEachChild(child, visit);
  };
  forEachChild(ast, visit);
  const integers = new Set(
    [...declarators.keys()].filter((n) => node.argumentNames.indexOf(n) === -1 && !inHelperCalls.has(n)),
  );
  const qualifies = (name: string): boolean =>
    (declarators.get(name) ?? []).every(
      (d) => (d as { kind?: string }).kind !== 'var' && integerOnly(node, d.init as AstNode, integers),
    ) &&
    (writes.get(name) ?? []).every((w) => {
      if (w.type === 'UpdateExpression') return true;
      const op = w.operator as string;
      return (
        (op === '=' || op === '+=' || op === '-=' || op === '*=') &&
        integerOnly(node, w.right as AstNode, integers)
      );
    });
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of integers) {
      if (!qualifies(name)) {
        integers.delete(name);
        changed = true;
      }
    }
  }
  const result = new Set<AstNode>();
  for (const name of integers) for (const d of declarators.get(name) ?? []) result.add(d);
  integerCache.set(node, result);
  return result;
}

/** Builds the `stmtVariableDeclaration` override (scalar walks, and uniform locals of the SIMD walk). */
export function makeIntCounterDeclaration(original: AnyMethod): AnyMethod {
  return function stmtVariableDeclaration(this: WasmFunctionNode, varDecNode: AstNode): unknown {
    const declarations = varDecNode.declarations as AstNode[] | undefined;
    const integers = integerDeclarators(this);
    if (!declarations?.some((declarator) => integers.has(declarator))) {
      return original.call(this, varDecNode);
    }
    for (const declarator of declarations) {
      const info = integers.has(declarator) ? this.getDeclaration(declarator.id as AstNode) : null;
      if (!info) {
        original.call(this, { ...varDecNode, declarations: [declarator] });
        continue;
      }
      info.valueType = 'Integer';
      const init = declarator.init as AstNode;
      this.setScalarLocal((declarator.id as AstNode).name as string, 'i32', 'Integer', () => {
        if (isIntegerLiteral(init)) this.castLiteralToInteger(init);
        else this.emitIndex(init);
      });
    }
    return undefined;
  };
}

/** Builds the `vDeclareVarying` override (counters of loops whose trip count varies per lane). */
export function makeIntCounterVarying(original: AnyMethod): AnyMethod {
  return function vDeclareVarying(
    this: WasmFunctionNode,
    declaration: AstNode,
    varDecNode: AstNode,
  ): unknown {
    const info = integerDeclarators(this).has(declaration)
      ? this.getDeclaration(declaration.id as AstNode)
      : null;
    if (!info) return original.call(this, declaration, varDecNode);
    info.valueType = 'Integer';
    const init = declaration.init as AstNode;
    this.vSetVaryingScalar((declaration.id as AstNode).name as string, 'vi32', 'Integer', () => {
      if (isIntegerLiteral(init)) this.vCastLiteralToInteger(init);
      else this.vEmitIndex(init);
    });
    return undefined;
  };
}
