// Character classes of GPT-2's pre-tokenisation pattern, for the hand-written scanner:
// letter (\p{L}), number (\p{N}), whitespace (\s) and everything else.
//
// Whitespace is Unicode's White_Space property, which is what `\s` means in OpenAI's tiktoken (Rust regex)
// and in Hugging Face's GPT2Tokenizer (Python `regex`). JavaScript's `\s` differs on two characters:
// it excludes U+0085 (NEXT LINE) and includes U+FEFF (BOM). We follow tiktoken / Hugging Face, so on
// those two characters js-tiktoken and gpt-tokenizer (which run the pattern through the JS regex engine)
// can split differently from us; see the README.

import { LETTER_RANGES, NUMBER_RANGES } from './unicode-tables.js';

/** Class of a code point: see the constants below. */
export type CharClass = 0 | 1 | 2 | 3;
/** Neither letter, number nor whitespace (punctuation, symbols, marks, controls, lone surrogates). */
export const OTHER = 0;
/** \p{L} */
export const LETTER = 1;
/** \p{N} */
export const NUMBER = 2;
/** Unicode White_Space. */
export const SPACE = 3;

/** Unicode White_Space code points (all in the BMP). */
export const WHITE_SPACE: readonly number[] = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

/** Class of every BMP code unit; surrogates are OTHER (a lone surrogate is a character of its own). */
export const BMP_CLASS: Uint8Array = new Uint8Array(0x10000);

// Astral ranges as [first, last, class] triples sorted by first, for binary search.
const astral: number[] = [];

function fill(ranges: readonly number[], cls: CharClass): void {
  for (let i = 0; i < ranges.length; i += 2) {
    const first = ranges[i];
    const last = ranges[i + 1];
    if (first < 0x10000) BMP_CLASS.fill(cls, first, Math.min(last, 0xffff) + 1);
    if (last >= 0x10000) astral.push(Math.max(first, 0x10000), last, cls);
  }
}
fill(LETTER_RANGES, LETTER);
fill(NUMBER_RANGES, NUMBER);
for (const cp of WHITE_SPACE) BMP_CLASS[cp] = SPACE;

const ASTRAL_COUNT = astral.length / 3;
const astralFirst = new Int32Array(ASTRAL_COUNT);
const astralLast = new Int32Array(ASTRAL_COUNT);
const astralClass = new Uint8Array(ASTRAL_COUNT);
{
  const order = Array.from({ length: ASTRAL_COUNT }, (_, i) => i).sort(
    (a, b) => astral[a * 3] - astral[b * 3],
  );
  order.forEach((from, to) => {
    astralFirst[to] = astral[from * 3];
    astralLast[to] = astral[from * 3 + 1];
    astralClass[to] = astral[from * 3 + 2];
  });
}

/** Class of a code point above U+FFFF (binary search over the astral ranges). */
export function astralClassOf(cp: number): CharClass {
  let lo = 0;
  let hi = ASTRAL_COUNT - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < astralFirst[mid]) hi = mid - 1;
    else if (cp > astralLast[mid]) lo = mid + 1;
    else return astralClass[mid] as CharClass;
  }
  return OTHER;
}

/** Class of any code point. */
export function classOf(cp: number): CharClass {
  return cp < 0x10000 ? (BMP_CLASS[cp] as CharClass) : astralClassOf(cp);
}
