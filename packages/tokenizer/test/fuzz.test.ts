// Property-based fuzzing (issue 8): round trips of random strings, decode of random in-range ids, and
// mutated tokenizer files that must fail only with a TokenizerError. The seed is fixed and printed;
// `pnpm fuzz` runs the same properties with GPT2JS_FUZZ_SCALE times more cases.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from '../src/byte-unicode.js';
import { GPT2Tokenizer, TokenizerError } from '../src/index.js';
import { FUZZ_SCALE, FUZZ_SEED, gpt2, jsTiktoken, rng, wellFormed } from './helpers.js';

const counts: Record<string, number> = {};
const count = (target: string): void => {
  counts[target] = (counts[target] ?? 0) + 1;
};
afterAll(() => {
  const parts = Object.entries(counts).map(([target, n]) => `${target} ${n}`);
  console.log(`fuzz summary (seed ${FUZZ_SEED}, scale ${FUZZ_SCALE}): ${parts.join(', ')}`);
});

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(' ', '\n', "'", 's', 'LL', 'a', '1', '!', '😀', '\u0085', '\ufeff', '中'),
    maxLength: 40,
  }),
);

describe('fuzz: tokenizer round trip', () => {
  it('decode(encode(x)) === x and countTokens === encode length for random strings', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(anyString, (text) => {
        count('roundtrip');
        const ids = tok.encode(text, { disallowedSpecial: new Set() });
        return (
          tok.decode(ids) === wellFormed(text) &&
          tok.countTokens(text, { disallowedSpecial: new Set() }) === ids.length
        );
      }),
      { seed: FUZZ_SEED, numRuns: 12_000 * FUZZ_SCALE },
    );
  });

  it('encode equals js-tiktoken on random strings without U+0085 / U+FEFF', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(anyString, (raw) => {
        count('vs-js-tiktoken');
        const text = raw.replace(/[\u0085\ufeff]/g, ' ');
        return (
          tok.encode(text, { disallowedSpecial: new Set() }).join() === jsTiktoken.encode(text, [], []).join()
        );
      }),
      { seed: FUZZ_SEED + 1, numRuns: 3_000 * FUZZ_SCALE },
    );
  });

  it('decode of random in-range id sequences never throws (lossy) and strict throws only invalid_utf8', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: tok.vocabSize - 1 }), { maxLength: 64 }), (ids) => {
        count('decode-random-ids');
        expect(typeof tok.decode(ids)).toBe('string');
        try {
          tok.decode(ids, { strict: true });
        } catch (e) {
          expect(TokenizerError.isInstance(e) && e.code === 'invalid_utf8').toBe(true);
        }
      }),
      { seed: FUZZ_SEED + 2, numRuns: 10_000 * FUZZ_SCALE },
    );
  });
});

// A small byte-level vocabulary (256 byte tokens + 200 merges) keeps each load fast enough to fuzz.
function smallFiles(): { vocab: string; merges: string } {
  const vocab: Record<string, number> = {};
  BYTE_TO_CHAR.forEach((c, b) => {
    vocab[c] = b;
  });
  const merges = ['#version: 0.2'];
  const r = rng(3);
  const tokens = [...BYTE_TO_CHAR.slice(33, 127)];
  for (let i = 0; merges.length <= 200 && i < 10_000; i++) {
    const a = tokens[Math.floor(r() * tokens.length)];
    const b = tokens[Math.floor(r() * tokens.length)];
    if (vocab[a + b] !== undefined) continue;
    vocab[a + b] = Object.keys(vocab).length;
    tokens.push(a + b);
    merges.push(`${a} ${b}`);
  }
  return { vocab: JSON.stringify(vocab, null, 1), merges: merges.join('\n') + '\n' };
}

/** Random edits of a text: truncation, deleted / duplicated / swapped spans, inserted bytes. */
const mutation = (text: string) =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom('truncate', 'delete', 'insert', 'duplicate', 'replace'),
        fc.nat({ max: text.length }),
        fc.nat({ max: 40 }),
        fc.string({
          unit: fc.constantFrom(
            '"',
            '{',
            '}',
            '[',
            ']',
            ':',
            ',',
            ' ',
            '\n',
            'a',
            '1',
            '-',
            'Ġ',
            '\\',
            'null',
            '1e9',
          ),
          maxLength: 6,
        }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let t = text;
      for (const [kind, at, len, insert] of edits) {
        const i = Math.min(at, t.length);
        if (kind === 'truncate') t = t.slice(0, i);
        else if (kind === 'delete') t = t.slice(0, i) + t.slice(i + len);
        else if (kind === 'insert') t = t.slice(0, i) + insert + t.slice(i);
        else if (kind === 'duplicate') t = t.slice(0, i + len) + t.slice(i, i + len) + t.slice(i + len);
        else t = t.slice(0, i) + insert + t.slice(i + insert.length);
      }
      return t;
    });

/** Loading must either succeed (and then encode/decode still work) or throw a TokenizerError. */
function loadsOrTypedError(load: () => GPT2Tokenizer): boolean {
  try {
    const tok = load();
    tok.decode(tok.encode('Hello, world! 😀', { disallowedSpecial: new Set() }));
    return true;
  } catch (e) {
    if (TokenizerError.isInstance(e) && (e.code === 'malformed_file' || e.code === 'unsupported'))
      return true;
    throw e;
  }
}

describe('fuzz: malformed tokenizer files give typed errors', () => {
  const small = smallFiles();
  const runs = 700 * FUZZ_SCALE;

  it('mutated vocab.json', () => {
    fc.assert(
      fc.property(mutation(small.vocab), (vocab) => {
        count('malformed-vocab.json');
        return loadsOrTypedError(() => GPT2Tokenizer.fromFiles({ vocab, merges: small.merges }));
      }),
      { seed: FUZZ_SEED + 3, numRuns: runs },
    );
  });

  it('mutated merges.txt', () => {
    fc.assert(
      fc.property(mutation(small.merges), (merges) => {
        count('malformed-merges.txt');
        return loadsOrTypedError(() => GPT2Tokenizer.fromFiles({ vocab: small.vocab, merges }));
      }),
      { seed: FUZZ_SEED + 4, numRuns: runs },
    );
  });

  it('mutated tokenizer.json', () => {
    const json = JSON.stringify(
      {
        version: '1.0',
        added_tokens: [
          {
            id: 456,
            content: '<|endoftext|>',
            special: true,
            lstrip: false,
            rstrip: false,
            single_word: false,
          },
        ],
        normalizer: null,
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        decoder: { type: 'ByteLevel' },
        model: {
          type: 'BPE',
          dropout: null,
          vocab: JSON.parse(small.vocab),
          merges: small.merges.split('\n').slice(1, -1),
        },
      },
      null,
      1,
    );
    expect(() => GPT2Tokenizer.fromTokenizerJSON(json)).not.toThrow();
    fc.assert(
      fc.property(mutation(json), (text) => {
        count('malformed-tokenizer.json');
        return loadsOrTypedError(() => GPT2Tokenizer.fromTokenizerJSON(text));
      }),
      { seed: FUZZ_SEED + 5, numRuns: runs },
    );
  });
});
