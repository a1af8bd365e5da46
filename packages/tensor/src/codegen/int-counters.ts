// Change 2: integer loop counters stay i32 in every walk of gpu.js's WebAssembly code generator.
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

/** Builds the `stmtVariableDeclaration` override (scalar walks, and uniform locals of the SIMD walk). */
export function makeIntCounterDeclaration(original: AnyMethod): AnyMethod {
  return function stmtVariableDeclaration(this: WasmFunctionNode, varDecNode: AstNode): unknown {
    const declarations = varDecNode.declarations as AstNode[] | undefined;
    const counters = counterDeclarators(this);
    if (!declarations?.some((declarator) => counters.has(declarator))) {
      return original.call(this, varDecNode);
    }
    for (const declarator of declarations) {
      const info = counters.has(declarator) ? this.getDeclaration(declarator.id as AstNode) : null;
      if (!info) {
        original.call(this, { ...varDecNode, declarations: [declarator] });
        continue;
      }
      info.valueType = 'Integer';
      const init = declarator.init as AstNode;
      this.setScalarLocal((declarator.id as AstNode).name as string, 'i32', 'Integer', () => {
        this.castLiteralToInteger(init);
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
    const info = counterDeclarators(this).has(declaration)
      ? this.getDeclaration(declaration.id as AstNode)
      : null;
    if (!info) return original.call(this, declaration, varDecNode);
    info.valueType = 'Integer';
    const init = declaration.init as AstNode;
    this.vSetVaryingScalar((declaration.id as AstNode).name as string, 'vi32', 'Integer', () => {
      this.vCastLiteralToInteger(init);
    });
    return undefined;
  };
}
