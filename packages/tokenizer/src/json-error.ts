// Parses JSON for the file loaders and, when it is malformed, says where: file, line and column.
// The engine's own messages do not always carry a position, so on failure a small validator
// re-reads the text to find the first offending character (only on the error path).

import { TokenizerError } from './errors.js';

/** JSON.parse, throwing a TokenizerError ('malformed_file') that names `file`, the line and the column. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const offset = firstJsonErrorOffset(text);
    let where = 'at an unknown position';
    if (offset >= 0) {
      const { line, column } = lineColumn(text, offset);
      const found =
        offset >= text.length ? 'the end of the file' : JSON.stringify(text.slice(offset, offset + 12));
      where = `at line ${line}, column ${column} (found ${found})`;
    }
    throw new TokenizerError(
      'malformed_file',
      `${file}: not valid JSON ${where}: ${(error as Error).message}. ` +
        'Re-download the file or check that it was saved completely.',
      { file, cause: error },
    );
  }
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first character at which `text` stops being valid JSON: text.length for a truncated text,
 * -1 when it cannot be located.
 */
export function firstJsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = (): void => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          }
          i++;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (offset) {
    // A number is the failure offset; anything else (a stack overflow on absurd nesting) leaves it unknown.
    return typeof offset === 'number' ? Math.min(offset, text.length) : -1;
  }
}
