// Typed errors of @gpt2js/gpt2. Every message names the thing (file, tensor, config field), what was
// expected, what was found, and the fix where there is one.

const MARKER = Symbol.for('gpt2js.error');
const PACKAGE_MARKER = Symbol.for('gpt2js.gpt2.error');

/** Codes of {@link GPT2Error}; one per failure a caller may want to branch on. */
export type GPT2ErrorCode =
  | 'invalid_config'
  | 'invalid_option'
  | 'invalid_input'
  | 'context_overflow'
  | 'safetensors'
  | 'missing_tensor'
  | 'unexpected_tensor'
  | 'shape_mismatch'
  | 'unsupported_dtype'
  | 'unsupported_format'
  | 'no_weights'
  | 'disposed';

/**
 * Base class of every error thrown by @gpt2js/gpt2.
 * @example
 * try { await GPT2LMHeadModel.fromPretrained('models/broken'); }
 * catch (e) { if (GPT2Error.isInstance(e)) console.error(e.code, e.message); }
 */
export class GPT2Error extends Error {
  readonly code: GPT2ErrorCode;
  readonly [MARKER] = true;
  readonly [PACKAGE_MARKER] = true;

  constructor(code: GPT2ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GPT2Error';
    this.code = code;
  }

  /** True for any gpt2js error from this package, even across duplicated module copies. */
  static isInstance(e: unknown): e is GPT2Error {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[PACKAGE_MARKER] === true;
  }
}

/** config.json / generation options that are missing, wrong-typed or out of range. */
export class ConfigError extends GPT2Error {
  /** The config field at fault, e.g. `n_head`. */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super('invalid_config', message);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** Codes of {@link SafetensorsError}. */
export type SafetensorsErrorCode =
  | 'header_length'
  | 'header_json'
  | 'header_entry'
  | 'unknown_dtype'
  | 'byte_size'
  | 'offsets'
  | 'overlap'
  | 'duplicate'
  | 'truncated'
  | 'non_finite'
  | 'read';

/** A malformed or hostile safetensors file. Names the file and, where one is at fault, the tensor. */
export class SafetensorsError extends GPT2Error {
  readonly file: string;
  readonly tensor: string | undefined;
  readonly reason: SafetensorsErrorCode;
  constructor(reason: SafetensorsErrorCode, file: string, tensor: string | undefined, message: string) {
    super('safetensors', `${file}${tensor === undefined ? '' : `: tensor ${tensor}`}: ${message}`);
    this.name = 'SafetensorsError';
    this.file = file;
    this.tensor = tensor;
    this.reason = reason;
  }
}

/** A checkpoint whose tensors do not fit the config: missing, unexpected, wrong shape, NaN/Inf, bad dtype. */
export class CheckpointError extends GPT2Error {
  readonly file: string | undefined;
  readonly tensor: string | undefined;
  constructor(
    code: Extract<
      GPT2ErrorCode,
      | 'missing_tensor'
      | 'unexpected_tensor'
      | 'shape_mismatch'
      | 'unsupported_dtype'
      | 'unsupported_format'
      | 'no_weights'
    >,
    message: string,
    details: { file?: string; tensor?: string } = {},
  ) {
    super(code, message);
    this.name = 'CheckpointError';
    this.file = details.file;
    this.tensor = details.tensor;
  }
}
