// Structural fingerprints of gpu.js 2.24.1's WebAssembly backend: every method the extension wraps or
// calls, with its arity and property names its body must mention. Checked against the live
// prototypes before anything is installed, so a gpu.js whose internals moved (another version, a
// patched copy) is left untouched instead of being half-extended. Tokens are property names, which
// survive gpu.js's browser bundles (comments and local names do not).
import type { GpujsModule } from './gpujs-internals.js';

/** The gpu.js version this code generator was written and measured against. */
export const KNOWN_GPUJS_VERSION = '2.24.1';

interface MethodPrint {
  name: string;
  /** Function.length of the original */
  arity?: number;
  /** property names the original's source must contain */
  tokens?: string[];
}

const FUNCTION_NODE_PRINTS: MethodPrint[] = [
  {
    name: 'vGather',
    arity: 6,
    tokens: ['flatLength', 'vEmitIndex', 'i32x4MinS', 'i32x4ExtractLane', 'f32Load', 'f32x4ReplaceLane'],
  },
  { name: 'vexprMember', arity: 1, tokens: ['vGather', 'constantArrays', 'threadX', 'globalGet'] },
  {
    name: 'vexprBinary',
    arity: 1,
    tokens: ['vEmitByType', 'vCoerce', 'vexpr', 'f32x4Div', 'building-float', 'pushState', 'popState'],
  },
  { name: 'exprMember', arity: 1, tokens: ['getMemberExpressionDetails', 'thread', 'globalGet'] },
  { name: 'emitFunction', arity: 1, tokens: ['addFunction', 'isRootKernel', 'walkFunction'] },
  {
    name: 'stmtFor',
    arity: 1,
    tokens: ['stmtVariableDeclaration', 'statementExpression', 'update', 'enterLoop'],
  },
  {
    name: 'vstmtFor',
    arity: 1,
    tokens: ['vstmtVariableDeclaration', 'vstatementExpression', 'update', 'enterLoop'],
  },
  { name: 'getMemberExpressionDetails', arity: 1, tokens: ['xProperty', 'signature'] },
  {
    name: 'stmtVariableDeclaration',
    arity: 1,
    tokens: ['suggestedType', 'setScalarLocal', 'castValueToFloat', 'taintedLocals', 'valueType'],
  },
  {
    name: 'vstmtVariableDeclaration',
    arity: 1,
    tokens: ['vInfo', 'stmtVariableDeclaration', 'vDeclareVarying'],
  },
  { name: 'vDeclareVarying', arity: 2, tokens: ['suggestedType', 'vSetVaryingScalar', 'vCastValueToFloat'] },
  { name: 'emitVectorFunction', arity: 1, tokens: ['vAnalyze', 'vInfo', 'kernel_simd'] },
  { name: 'emitIndex', arity: 1, tokens: ['castValueToInteger', 'building-integer'] },
  {
    name: 'emitFlatLoad',
    arity: 6,
    tokens: ['assembler', 'emitIndex', 'vMaskDepth', 'emitClampScalarIndex', 'f32Load'],
  },
  { name: 'emitClampScalarIndex', arity: 1, tokens: ['select'] },
  { name: 'vEmitIndex', arity: 1, tokens: ['vCastValueToInteger', 'building-integer'] },
  { name: 'setScalarLocal', arity: 4, tokens: ['addLocal', 'localSet'] },
  { name: 'vSetVaryingScalar', arity: 4, tokens: ['addLocal', 'vSetLocal'] },
  { name: 'castLiteralToInteger', arity: 1 },
  { name: 'vCastLiteralToInteger', arity: 1 },
  { name: 'enterIf', arity: 1 },
  { name: 'exit', arity: 0 },
  { name: 'vZero', arity: 0 },
  { name: 'getType', arity: 1 },
  { name: 'getDeclaration', arity: 1 },
  { name: 'getJsAST' },
  { name: 'isThreadDependent', arity: 1 },
];

// compact storage replaces computeLayout and relies on every copy into wasm memory going through
// utils.flattenTo with a target of `flatLength` slots, and on dims arrays travelling by reference;
// the arena engine assembles modules against its own layouts (`_assembleModule` with `totalBytes`)
const KERNEL_PRINTS: MethodPrint[] = [
  {
    name: '_assembleModule',
    arity: 3,
    tokens: ['emitVectorFunction', 'run_simd', 'toBytes', 'outputOffset', 'totalBytes'],
  },
  {
    name: '_instantiate',
    arity: 2,
    tokens: ['bytes', 'runSimd', 'computeLayout', 'constantArrays', 'flattenTo', 'flatLength'],
  },
  {
    name: 'computeLayout',
    arity: 1,
    tokens: [
      'argumentTypes',
      'valueDimensions',
      'constantArrays',
      'constantTypes',
      'outputOffset',
      'flatLength',
    ],
  },
  { name: '_computeSizeSignature', arity: 1, tokens: ['argumentTypes', 'valueDimensions'] },
  // the webasm arena engine (src/webasm/program.ts) prepares kernels the way the pipeline executor does
  { name: 'setupConstants', arity: 0, tokens: ['constantTypes', 'constants'] },
  { name: 'setupArguments', arity: 1, tokens: ['argumentTypes', 'argumentSizes'] },
  { name: 'validateSettings', arity: 1, tokens: ['output', 'checkOutput'] },
  {
    name: 'translateSource',
    arity: 0,
    tokens: ['functionBuilder', 'tracedFunctions', 'returnType', 'componentCount', 'usedMathImports'],
  },
  { name: '_entryKey', arity: 1, tokens: ['_computeSizeSignature'] },
  { name: 'valueDimensions', arity: 1, tokens: ['size', 'getDimensions'] },
  { name: 'run', arity: 0, tokens: ['_entryKey', '_runThreaded', 'flattenTo', 'flatLength', 'arrays'] },
  { name: '_runThreaded', arity: 1, tokens: ['flattenTo', 'flatLength', 'arrays'] },
];

const UTILS_PRINTS: MethodPrint[] = [{ name: 'flattenTo', arity: 2, tokens: ['set'] }];

function check(prototype: Record<string | symbol, unknown>, prints: MethodPrint[], owner: string): string[] {
  const missing: string[] = [];
  for (const print of prints) {
    const method = prototype[print.name];
    if (typeof method !== 'function') {
      missing.push(`${owner}.${print.name}`);
      continue;
    }
    if (print.arity !== undefined && method.length !== print.arity) {
      missing.push(`${owner}.${print.name} (arity ${method.length}, expected ${print.arity})`);
      continue;
    }
    const source = Function.prototype.toString.call(method);
    const absent = (print.tokens ?? []).filter((token) => !source.includes(token));
    if (absent.length > 0) missing.push(`${owner}.${print.name} (no ${absent.join(', ')})`);
  }
  return missing;
}

/** Returns what does not match gpu.js 2.24.1's WebAssembly backend; empty when everything does. */
export function findFingerprintMismatches(gpujs: Partial<GpujsModule>): string[] {
  const node: Partial<GpujsModule['WebAssemblyFunctionNode']> | undefined = gpujs.WebAssemblyFunctionNode;
  const kernel: Partial<GpujsModule['WebAssemblyKernel']> | undefined = gpujs.WebAssemblyKernel;
  const missing: string[] = [];
  if (!node?.prototype) missing.push('WebAssemblyFunctionNode');
  else missing.push(...check(node.prototype, FUNCTION_NODE_PRINTS, 'WebAssemblyFunctionNode'));
  if (!kernel?.prototype) missing.push('WebAssemblyKernel');
  else {
    missing.push(...check(kernel.prototype, KERNEL_PRINTS, 'WebAssemblyKernel'));
    if (typeof kernel.dispatchSpans !== 'function') missing.push('WebAssemblyKernel.dispatchSpans');
  }
  if (!gpujs.utils) missing.push('utils');
  else missing.push(...check(gpujs.utils, UTILS_PRINTS, 'utils'));
  if (typeof gpujs.Input !== 'function') missing.push('Input');
  return missing;
}
