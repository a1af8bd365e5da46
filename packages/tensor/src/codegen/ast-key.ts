// A structural key of an AST expression: equal keys mean the same expression, wherever it appears. gpu.js
// parses a normalised copy of the kernel source, so node positions cannot be used to slice the text.
import type { AstNode } from './gpujs-internals.js';

// positions, and the parent link where a parser sets one (forEachChild skips the same keys)
const SKIPPED_KEYS = new Set(['start', 'end', 'loc', 'range', 'parent']);

export function astKey(ast: AstNode | null | undefined): string {
  if (!ast) return '';
  return JSON.stringify(ast, (key, value) => (SKIPPED_KEYS.has(key) ? undefined : value));
}
