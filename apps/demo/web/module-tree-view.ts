// The collapsible module tree: nested <details> built from the parsed `print(model)` text.
import type { ModuleNode } from '../src/module-tree.js';

function label(node: ModuleNode): DocumentFragment {
  const fragment = document.createDocumentFragment();
  if (node.name) {
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = `(${node.name}) `;
    fragment.append(name);
  }
  const desc = document.createElement('span');
  desc.className = 'desc';
  desc.textContent = node.description;
  fragment.append(desc);
  return fragment;
}

function build(node: ModuleNode, depth: number): HTMLElement {
  if (node.children.length === 0) {
    const leaf = document.createElement('div');
    leaf.className = 'leaf';
    leaf.append(label(node));
    return leaf;
  }
  const details = document.createElement('details');
  details.open = depth < 3;
  const summary = document.createElement('summary');
  summary.append(label(node));
  details.append(summary, ...node.children.map((c) => build(c, depth + 1)));
  return details;
}

/** Draws `tree` into `container`, the three top levels open. */
export function renderModuleTree(container: HTMLElement, tree: ModuleNode): void {
  container.replaceChildren(build(tree, 0));
}
