// The id-based merge loop (both its quadratic and heap paths) against a plain reference: Hugging Face's
// slow GPT2Tokenizer.bpe() transcribed over strings and a "left right" → rank map.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from '../src/byte-unicode.js';
import { GPT2Tokenizer } from '../src/index.js';
import { pretokenize } from '../src/pretokenize.js';
import { FUZZ_SCALE, FUZZ_SEED, gpt2, jsTiktoken, MERGES_TEXT, rng, VOCAB_TEXT } from './helpers.js';

const ranks = new Map<string, number>();
MERGES_TEXT.split('\n')
  .slice(1)
  .filter((line) => line.length > 0)
  .forEach((line, rank) => {
    ranks.set(line, rank);
  });

/** transformers' GPT2Tokenizer.bpe: merge the best-ranked bigram everywhere, left to right, until none is left. */
function referenceBpe(piece: string): string[] {
  let word = Array.from(new TextEncoder().encode(piece), (b) => BYTE_TO_CHAR[b]);
  for (;;) {
    let best: string | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i < word.length - 1; i++) {
      const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = `${word[i]} ${word[i + 1]}`;
      }
    }
    if (best === undefined) return word;
    const [first, second] = best.split(' ');
    const merged: string[] = [];
    for (let i = 0; i < word.length; ) {
      if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
        merged.push(first + second);
        i += 2;
      } else merged.push(word[i++]);
    }
    word = merged;
  }
}

function referenceTokenize(text: string): string[] {
  return pretokenize(text).flatMap(referenceBpe);
}

describe('byte-pair merge loop', () => {
  it('matches the reference BPE on random words (short pieces, quadratic path)', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 16 }), (text) => {
        expect(tok.tokenize(text, { disallowedSpecial: new Set() })).toEqual(referenceTokenize(text));
      }),
      { seed: FUZZ_SEED, numRuns: 2_000 * FUZZ_SCALE },
    );
  });

  it('matches the reference BPE and tiktoken on long pieces (heap path)', () => {
    const tok = gpt2();
    const r = rng(7);
    const letters = 'abcdefghijklmnopqrstuvwxyzéè';
    const cases = [
      'a'.repeat(1000),
      ' '.repeat(3000),
      '\n'.repeat(500),
      '!'.repeat(777),
      '1'.repeat(400),
      '中'.repeat(300),
      '😀'.repeat(100),
      'ab'.repeat(200),
      'aab'.repeat(150),
      '-='.repeat(90),
      Array.from({ length: 600 }, () => letters[Math.floor(r() * letters.length)]).join(''),
      Array.from({ length: 120 }, () => String.fromCodePoint(0x4e00 + Math.floor(r() * 2000))).join(''),
      Array.from({ length: 200 }, () => String.fromCodePoint(0x0905 + Math.floor(r() * 0x34))).join(''),
    ];
    for (const text of cases) {
      const ids = tok.encode(text);
      expect(ids).toEqual(jsTiktoken.encode(text));
      expect(tok.tokenize(text)).toEqual(referenceTokenize(text));
    }
  });

  it('gives the same ids with and without the word cache, and with a tiny one that keeps emptying', () => {
    const cached = gpt2();
    const uncached = gpt2WithoutCache();
    const tiny = GPT2Tokenizer.fromFiles({ vocab: VOCAB_TEXT, merges: MERGES_TEXT }, { cacheSize: 7 });
    const r = rng(11);
    const words = ['the', 'tokenizer', ' state', 'ZZZ', ' 1234', "'ll", '中文', ' naïve'];
    for (let i = 0; i < 2000; i++) {
      let text = '';
      for (let k = 0; k < 20; k++) text += words[Math.floor(r() * words.length)];
      const expected = uncached.encode(text);
      expect(cached.encode(text)).toEqual(expected);
      expect(tiny.encode(text)).toEqual(expected);
      expect(tiny.countTokens(text)).toBe(expected.length);
    }
  });
});

function gpt2WithoutCache(): GPT2Tokenizer {
  return GPT2Tokenizer.fromFiles({ vocab: VOCAB_TEXT, merges: MERGES_TEXT }, { cacheSize: 0 });
}
