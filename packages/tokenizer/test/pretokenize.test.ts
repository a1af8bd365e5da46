// The hand-written pre-tokeniser against GPT-2's pattern run by the regex engine: hand-checked quirks,
// every code point in several contexts, and fast-check strings built from the characters that matter.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { pretokenize } from '../src/pretokenize.js';
import { FUZZ_SCALE, FUZZ_SEED, freeWasm, referencePieces, tiktokenWasm } from './helpers.js';

let fuzzCases = 0;
afterAll(() => {
  freeWasm();
  console.log(`fuzz summary: pretokenize-vs-regex ${fuzzCases} cases (seed ${FUZZ_SEED})`);
});

describe('pretokenize', () => {
  it.each([
    ["Hello, I'm a language model,", ['Hello', ',', ' I', "'m", ' a', ' language', ' model', ',']],
    ["IT'S", ['IT', "'", 'S']],
    ["!!'s", ["!!'", 's']],
    ["'stuff", ["'s", 'tuff']],
    ["we'll they've you're I'd", ['we', "'ll", ' they', "'ve", ' you', "'re", ' I', "'d"]],
    ['\n\nHi', ['\n', '\n', 'Hi']],
    ['a   b', ['a', '  ', ' b']],
    ['a \tb', ['a', ' ', '\t', 'b']],
    ['trailing   ', ['trailing', '   ']],
    [' 123 4.5', [' 123', ' 4', '.', '5']],
    ['中文 字符', ['中文', ' 字符']],
    ['😀👍🏽 x', ['😀👍🏽', ' x']],
    ['a\ud800b', ['a', '\ud800', 'b']],
    ['x\u3000y', ['x', '\u3000', 'y']],
    ['', []],
  ])('splits %j as GPT-2 does', (text, pieces) => {
    expect(pretokenize(text)).toEqual(pieces);
    expect(referencePieces(text)).toEqual(pieces);
  });

  it('agrees with the pattern for every code point in eight contexts', () => {
    const contexts = (c: string) => [
      'a' + c + 'b',
      ' ' + c + '1',
      c + c + ' ',
      '  ' + c,
      c + "'s",
      "'" + c,
      '1' + c,
      c,
    ];
    const bad: string[] = [];
    for (let cp = 0; cp < 0x110000; cp += cp < 0x30000 ? 1 : 61) {
      const c = String.fromCodePoint(cp);
      for (const text of contexts(c)) {
        fuzzCases++;
        const ours = pretokenize(text);
        const ref = referencePieces(text);
        if (ours.length !== ref.length || ours.some((p, k) => p !== ref[k]))
          bad.push(`U+${cp.toString(16)} in ${JSON.stringify(text)}`);
      }
      if (bad.length > 5) break;
    }
    expect(bad).toEqual([]);
  });

  it('agrees with the pattern on random strings of significant characters', () => {
    const unit = fc.constantFrom(
      ' ',
      ' ',
      '\t',
      '\n',
      '\r',
      '\u000b',
      '\u0085',
      '\u00a0',
      '\u2028',
      '\u3000',
      '\ufeff',
      "'",
      's',
      't',
      'r',
      'e',
      'v',
      'l',
      'm',
      'd',
      'S',
      'L',
      'é',
      '中',
      '1',
      '½',
      'Ⅻ',
      '٣',
      '!',
      '.',
      '😀',
      '🏽',
      '\ud800',
      '\udc00',
      '\u0301',
      '_',
      'ǅ',
      '𝟘',
    );
    const runs = 20_000 * FUZZ_SCALE;
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (text) => {
        fuzzCases++;
        expect(pretokenize(text)).toEqual(referencePieces(text));
      }),
      { seed: FUZZ_SEED, numRuns: runs },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        fuzzCases++;
        expect(pretokenize(text)).toEqual(referencePieces(text));
      }),
      { seed: FUZZ_SEED + 1, numRuns: runs / 4 },
    );
  });

  it('follows Unicode White_Space like tiktoken, not the JS regex engine, on U+0085 and U+FEFF', () => {
    // JavaScript's \s excludes U+0085 and includes U+FEFF; tiktoken (Rust) and Hugging Face do the opposite.
    expect(pretokenize(' \u00851')).toEqual([' ', '\u0085', '1']);
    expect(pretokenize(' \ufeff1')).toEqual([' \ufeff', '1']);
    const jsRegex = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    expect(Array.from(' \u00851'.matchAll(jsRegex), (m) => m[0])).toEqual([' \u0085', '1']);
    // tiktoken's own split: ' ' (220), U+0085 (126 227), '1' (16).
    expect(Array.from(tiktokenWasm().encode(' \u00851'))).toEqual([220, 126, 227, 16]);
    expect(Array.from(tiktokenWasm().encode(' \ufeff1'))).toEqual([27332, 119, 123, 16]);
  });
});
