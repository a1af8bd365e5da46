// The generated \p{L} / \p{N} tables against the regex engine, for every code point.

import { describe, expect, it } from 'vitest';
import { classOf, LETTER, NUMBER, OTHER, SPACE, WHITE_SPACE } from '../src/unicode-classes.js';
import { UNICODE_VERSION } from '../src/unicode-tables.js';

describe('unicode classes', () => {
  it.runIf(process.versions.unicode === UNICODE_VERSION)(
    `match /\\p{L}/u and /\\p{N}/u for all 1,114,112 code points (Unicode ${UNICODE_VERSION})`,
    () => {
      const letter = /^\p{L}$/u;
      const number = /^\p{N}$/u;
      const space = new Set(WHITE_SPACE);
      const wrong: string[] = [];
      for (let cp = 0; cp < 0x110000; cp++) {
        const c = String.fromCodePoint(cp);
        const expected = space.has(cp) ? SPACE : letter.test(c) ? LETTER : number.test(c) ? NUMBER : OTHER;
        if (classOf(cp) !== expected) wrong.push(cp.toString(16));
        if (wrong.length > 10) break;
      }
      expect(wrong).toEqual([]);
    },
  );

  it('puts exactly the 25 Unicode White_Space characters in the space class', () => {
    // White_Space from Unicode's PropList.txt (stable since Unicode 6.3).
    expect(WHITE_SPACE.length).toBe(25);
    expect(classOf(0x85)).toBe(SPACE);
    expect(classOf(0xfeff)).toBe(OTHER);
    expect(classOf(0x180e)).toBe(OTHER);
    expect(classOf(0x200b)).toBe(OTHER);
    expect(classOf(0x1c)).toBe(OTHER);
  });

  it('classifies astral letters and numbers', () => {
    expect(classOf(0x20000)).toBe(LETTER); // CJK Extension B
    expect(classOf(0x1d7d8)).toBe(NUMBER); // MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO
    expect(classOf(0x1f600)).toBe(OTHER); // 😀
    expect(classOf(0x10ffff)).toBe(OTHER);
  });
});
