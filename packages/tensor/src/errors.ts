// Typed errors of @gpt2js/tensor: one base class with a string `code`, recognisable across bundles.

const MARKER = Symbol.for('gpt2js.error');

/** Machine-readable reason of a {@link TensorError}. */
export type TensorErrorCode =
  | 'shape_mismatch'
  | 'invalid_option'
  | 'backend_unavailable'
  | 'backend_mismatch'
  | 'disposed'
  | 'cache_overflow'
  | 'kernel_failed';

/**
 * Every error thrown by @gpt2js/tensor. The message names the thing, what was expected, what was found and the fix.
 *
 * @example
 * ```ts
 * try { linear(x, w); } catch (e) { if (TensorError.isInstance(e) && e.code === 'shape_mismatch') console.log(e.message); }
 * ```
 */
export class TensorError extends Error {
  readonly code: TensorErrorCode;
  readonly [MARKER] = true;

  constructor(code: TensorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TensorError';
    this.code = code;
  }

  /** True for a TensorError from any copy of this package (checks the shared marker, not the prototype). */
  static isInstance(value: unknown): value is TensorError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MARKER] === true &&
      (value as { name?: unknown }).name === 'TensorError'
    );
  }
}
