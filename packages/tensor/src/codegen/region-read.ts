// A kernel's read of an argument or constant array, resolved to its layout record: the piece every change
// that rewrites array reads starts from (induction-pointers.ts, pair-dot.ts, splat-load.ts).
import type { ArrayRecord, AstNode, WasmFunctionNode } from './gpujs-internals.js';

/** gpu.js's own description of a member expression (`getMemberExpressionDetails`). */
interface MemberDetails {
  name?: string;
  signature?: string;
  xProperty?: AstNode;
  yProperty?: AstNode;
  zProperty?: AstNode;
}

type Node = WasmFunctionNode & { getMemberExpressionDetails(ast: AstNode): MemberDetails | null };

/** A read `a[z][y][x]` of an array laid out in wasm memory. */
export interface RegionRead {
  ast: AstNode;
  record: ArrayRecord;
  /** identity of the region: table and name */
  region: string;
  x: AstNode;
  y: AstNode | null;
  z: AstNode | null;
}

/**
 * `ast` as a read of a kernel argument or `this.constants` array with a layout record, or null (a local
 * array, a thread id, anything gpu.js cannot describe).
 */
export function regionRead(node: WasmFunctionNode, ast: AstNode): RegionRead | null {
  if (ast.type !== 'MemberExpression' || !ast.computed) return null;
  let details: MemberDetails | null;
  try {
    details = (node as Node).getMemberExpressionDetails(ast);
  } catch {
    return null;
  }
  const signature = details?.signature ?? '';
  const table = signature.startsWith('this.constants.value[')
    ? 'constantArrays'
    : signature.startsWith('value[')
      ? 'arrays'
      : null;
  const name = details?.name;
  if (!table || !name || !details?.xProperty) return null;
  if (table === 'arrays' && node.argumentNames.indexOf(name) === -1) return null;
  const record = node.assembler?.layout[table]?.[name];
  if (!record) return null;
  return {
    ast,
    record,
    region: `${table}.${name}`,
    x: details.xProperty,
    y: details.yProperty ?? null,
    z: details.zProperty ?? null,
  };
}
