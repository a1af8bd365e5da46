// Argument checks shared by the ops: a tensor/weight must be live, come from this package and from one backend.

import type { BaseBackend } from '../backends/base.js';
import { TensorError } from '../errors.js';
import { formatShape, TensorImpl, WeightImpl } from '../tensor.js';
import type { Tensor, Weight } from '../types.js';

export function asTensor(value: Tensor, what: string): TensorImpl {
  if (!(value instanceof TensorImpl)) {
    throw new TensorError(
      'invalid_option',
      `${what}: expected a Tensor created by backend.tensor() or an op, got ${describe(value)}`,
    );
  }
  value.assertLive(what);
  return value;
}

export function asWeight(value: Weight, what: string): WeightImpl {
  if (!(value instanceof WeightImpl)) {
    throw new TensorError(
      'invalid_option',
      `${what}: expected a Weight created by backend.weight(), got ${describe(value)}`,
    );
  }
  value.assertLive(what);
  return value;
}

/** The one backend all arguments belong to. */
export function sameBackend(what: string, ...items: (TensorImpl | WeightImpl | undefined)[]): BaseBackend {
  let owner: BaseBackend | undefined;
  for (const item of items) {
    if (!item) continue;
    if (owner && item.owner !== owner) {
      throw new TensorError(
        'backend_mismatch',
        `${what}: arguments live on different backends (${owner.name} and ${item.owner.name}); create all tensors and weights of one model on one backend`,
      );
    }
    owner = item.owner;
  }
  if (!owner) throw new TensorError('invalid_option', `${what}: no tensor argument`);
  owner.assertLive(what);
  return owner;
}

export function shapeError(
  what: string,
  name: string,
  actual: readonly number[],
  expected: string,
  fix: string,
): TensorError {
  return new TensorError(
    'shape_mismatch',
    `${what}: ${name} has shape ${formatShape(actual)}, expected ${expected}; ${fix}`,
  );
}

/** Checks a positive integer option, naming its range. */
export function checkInteger(
  what: string,
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TensorError(
      'invalid_option',
      `${what}: ${name} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}
