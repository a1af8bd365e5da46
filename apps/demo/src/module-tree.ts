// Parses a PyTorch-style module print (`print(model)`, as GPT2LMHeadModel.toString() writes it) into
// a tree, for the web page's collapsible view. Pure; no DOM.

/** One module: its attribute name (`wte`, `0-3`), its description (`Embedding(50257, 128)`), children. */
export interface ModuleNode {
  name: string;
  description: string;
  children: ModuleNode[];
}

/**
 * Parses `print(model)` text. Lines ending in `(` open a module, `)` closes it, any other line is a
 * leaf; `(name): ` prefixes give the attribute names.
 *
 * @example
 * parseModuleTree('A(\n  (x): Linear(2, 3)\n)').children[0]; // { name: 'x', description: 'Linear(2, 3)', children: [] }
 */
export function parseModuleTree(text: string): ModuleNode {
  const root: ModuleNode = { name: '', description: '', children: [] };
  const stack: ModuleNode[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === ')') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const match = /^\(([^)]+)\):\s*(.*)$/.exec(line);
    const name = match ? match[1] : '';
    let description = match ? match[2] : line;
    const opens = description.endsWith('(');
    if (opens) description = description.slice(0, -1);
    const node: ModuleNode = { name, description, children: [] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(node);
    else if (root.description === '' && root.children.length === 0) Object.assign(root, node);
    else root.children.push(node);
    if (opens) stack.push(parent ? node : root);
  }
  return root;
}

/** Number of nodes in a tree (the root included). */
export function countNodes(node: ModuleNode): number {
  return 1 + node.children.reduce((n, c) => n + countNodes(c), 0);
}
