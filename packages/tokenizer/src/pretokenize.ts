// GPT-2's pre-tokenisation, as a hand-written scanner over UTF-16 code units.
//
// The pattern (OpenAI's encoder.py, tiktoken r50k_base, Hugging Face ByteLevel):
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// read as a leftmost-first alternation at each position. Its quirks, kept exactly:
// - contractions are lower-case only and only at the start of a piece ("IT'S" → "IT", "'", "S");
//   inside a run of punctuation the apostrophe is just punctuation ("!!'s" → "!!'", "s");
// - one leading U+0020 (not any whitespace) joins the following letter/number/other run;
// - a whitespace run followed by a non-space gives back its last character, which then becomes the
//   leading space of the next piece (if it is U+0020) or a piece of its own ("\n\nHi" → "\n", "\n", "Hi");
// - \s is Unicode White_Space as in tiktoken and Hugging Face (see unicode-classes.ts);
// - a lone surrogate is a character of class "other" (its bytes are later those of U+FFFD).
// test/pretokenize.test.ts fuzzes this scanner against the pattern compiled by the JavaScript regex engine.

import { astralClassOf, BMP_CLASS, OTHER, SPACE } from './unicode-classes.js';

/**
 * End (exclusive UTF-16 index) of the piece that starts at `i`, scanning text[i, end); `end` acts as the
 * end of the string (the pattern's lookahead does not see past it). Requires i < end.
 */
export function pieceEnd(text: string, i: number, end: number): number {
  let c = text.charCodeAt(i);
  if (c === 0x27 && i + 1 < end) {
    const d = text.charCodeAt(i + 1);
    // 's 't 'm 'd
    if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) return i + 2;
    if (i + 2 < end) {
      const e = text.charCodeAt(i + 2);
      // 're 've 'll
      if ((e === 0x65 && (d === 0x72 || d === 0x76)) || (d === 0x6c && e === 0x6c)) return i + 3;
    }
  }
  let p = i;
  if (c === 0x20 && i + 1 < end) {
    const d = text.charCodeAt(i + 1);
    if (BMP_CLASS[d] !== SPACE) {
      p = i + 1;
      c = d;
    }
  }
  // The class of the character at p, and p advanced past it.
  let cls: number;
  if ((c & 0xf800) !== 0xd800) {
    cls = BMP_CLASS[c];
    p++;
  } else if (c < 0xdc00 && p + 1 < end && (text.charCodeAt(p + 1) & 0xfc00) === 0xdc00) {
    cls = astralClassOf(0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(p + 1) - 0xdc00));
    p += 2;
  } else {
    cls = OTHER;
    p++;
  }
  if (cls === SPACE) {
    while (p < end && BMP_CLASS[text.charCodeAt(p)] === SPACE) p++;
    // \s+(?!\S) backs off one character when a non-space follows a run of two or more; \s+ takes a lone one.
    return p === end || p - i === 1 ? p : p - 1;
  }
  return runEnd(text, p, end, cls);
}

/** End of the run of characters of class `cls` starting at p. */
function runEnd(text: string, p: number, end: number, cls: number): number {
  while (p < end) {
    const c = text.charCodeAt(p);
    if ((c & 0xf800) !== 0xd800) {
      if (BMP_CLASS[c] !== cls) return p;
      p++;
    } else if (c < 0xdc00 && p + 1 < end && (text.charCodeAt(p + 1) & 0xfc00) === 0xdc00) {
      if (astralClassOf(0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(p + 1) - 0xdc00)) !== cls) return p;
      p += 2;
    } else {
      if (cls !== OTHER) return p;
      p++;
    }
  }
  return p;
}

/** The pieces of text[start, end) in order, as strings (for `tokenize`-style uses and tests). */
export function pretokenize(text: string, start = 0, end = text.length): string[] {
  const out: string[] = [];
  for (let i = start; i < end; ) {
    const j = pieceEnd(text, i, end);
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}
