// Scopes: every tensor created while a scope is open belongs to it; closing the scope disposes all of them
// except those reachable from the scope's returned value, which move to the enclosing scope.

import { TensorImpl } from './tensor.js';

/** Collects the tensors reachable from `value` (a Tensor, or arrays / plain objects / Maps of them). */
export function collectTensors(
  value: unknown,
  into: Set<TensorImpl>,
  seen = new Set<unknown>(),
): Set<TensorImpl> {
  if (value === null || typeof value !== 'object' || seen.has(value)) return into;
  seen.add(value);
  if (value instanceof TensorImpl) {
    into.add(value);
    return into;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, into, seen);
  } else if (value instanceof Map) {
    for (const item of value.values()) collectTensors(item, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTensors(item, into, seen);
  }
  return into;
}

/**
 * A stack of open scopes. Note: scopes are tracked per backend, not per async context, so two scopes running
 * concurrently on one backend would claim each other's tensors; run forward passes of one backend one at a time.
 */
export class ScopeStack {
  readonly #stack: Set<TensorImpl>[] = [];

  /** Records a new tensor in the innermost open scope. */
  add(tensor: TensorImpl): void {
    const top = this.#stack[this.#stack.length - 1];
    top?.add(tensor);
  }

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const own = new Set<TensorImpl>();
    this.#stack.push(own);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      this.#close(own, new Set());
      throw error;
    }
    this.#close(own, collectTensors(result, new Set()));
    return result;
  }

  #close(own: Set<TensorImpl>, keep: Set<TensorImpl>): void {
    const index = this.#stack.lastIndexOf(own);
    if (index >= 0) this.#stack.splice(index, 1);
    const parent = this.#stack[this.#stack.length - 1];
    for (const tensor of own) {
      if (keep.has(tensor)) parent?.add(tensor);
      else tensor.dispose();
    }
  }
}
