// Errors the demo raises itself (bad command line, prompt too long), and the one-line formatting of
// every error that reaches the CLI's top level, including the typed errors of the gpt2js packages.

const marker = Symbol.for('gpt2js.error');

/** Codes of the errors the demo raises itself. */
export type DemoErrorCode = 'usage' | 'bad_option' | 'unknown_option' | 'prompt_too_long' | 'model_not_found';

/**
 * An error of the demo (usage or input), with a string `code` like the packages' errors.
 *
 * @example
 * throw new DemoError('bad_option', '--top-k must be an integer ≥ 0, got "x"');
 */
export class DemoError extends Error {
  readonly code: DemoErrorCode;
  readonly [marker] = true;

  constructor(code: DemoErrorCode, message: string) {
    super(message);
    this.name = 'DemoError';
    this.code = code;
  }

  /** True for a DemoError, also across realms or duplicated module copies. */
  static isInstance(e: unknown): e is DemoError {
    return (
      typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'DemoError' && marker in e
    );
  }
}

/** True for a typed error from any gpt2js package (they all carry the `gpt2js.error` marker). */
export function isGpt2jsError(e: unknown): e is Error & { code: string } {
  return (
    typeof e === 'object' && e !== null && marker in e && typeof (e as { code?: unknown }).code === 'string'
  );
}

/** The process exit status for an error: 2 for command-line mistakes, 1 for everything else. */
export function exitCodeFor(e: unknown): number {
  if (
    DemoError.isInstance(e) &&
    (e.code === 'usage' || e.code === 'bad_option' || e.code === 'unknown_option')
  ) {
    return 2;
  }
  return 1;
}

/**
 * Formats any thrown value as exactly one line, without a stack trace: typed errors by their message
 * (they name the thing and the fix), anything else prefixed with "internal error".
 */
export function formatError(e: unknown): string {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  if (DemoError.isInstance(e) || isGpt2jsError(e)) return `gpt2js: ${oneLine(e.message)}`;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    // Node system errors (ENOENT, EACCES…) are the user's environment, not a bug.
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `gpt2js: ${oneLine(e.message)}`;
    return `gpt2js: internal error: ${oneLine(e.message || e.name)} (set GPT2JS_DEBUG=1 for the stack)`;
  }
  return `gpt2js: internal error: ${oneLine(String(e))}`;
}
