// decode (lossy / strict), the stream decoder, bad ids, and the special-token policy of encode
// checked against js-tiktoken.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../src/index.js';
import { gpt2, jsTiktoken } from './helpers.js';

const errorOf = (fn: () => unknown): TokenizerError => {
  try {
    fn();
  } catch (e) {
    if (TokenizerError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a TokenizerError');
};

describe('decode', () => {
  it('is lossy by default, like Hugging Face errors="replace" and tiktoken', () => {
    const tok = gpt2();
    // 😀 is [47249, 222]: its first token alone is an incomplete character.
    expect(tok.encode('😀')).toEqual([47249, 222]);
    expect(tok.decode([47249])).toBe(jsTiktoken.decode([47249]));
    expect(tok.decode([47249])).toBe('\ufffd');
    expect(tok.decode([47249, 64])).toBe('\ufffda');
    expect(tok.decode([47249, 222])).toBe('😀');
    expect(tok.decode(new Int32Array([15496, 995]))).toBe('Hello world');
    expect(tok.decodeBytes([47249])).toEqual(new Uint8Array([0xf0, 0x9f, 0x98]));
  });

  it('throws invalid_utf8 in strict mode', () => {
    const tok = gpt2();
    expect(tok.decode([47249, 222], { strict: true })).toBe('😀');
    const e = errorOf(() => tok.decode([47249], { strict: true }));
    expect(e.code).toBe('invalid_utf8');
    expect(e.message).toMatch(/bytes end inside a character started at offset 0/);
  });

  it('names an out-of-range or non-integer id and its position', () => {
    const tok = gpt2();
    expect(errorOf(() => tok.decode([1, 50257])).message).toBe(
      "decode: ids[1] = 50257 is out of range; this vocabulary's ids are in [0, 50257).",
    );
    expect(errorOf(() => tok.decode([-1])).code).toBe('unknown_id');
    expect(errorOf(() => tok.decode([1.5])).code).toBe('invalid_input');
    expect(errorOf(() => tok.decode(['5' as unknown as number])).code).toBe('invalid_input');
    expect(errorOf(() => tok.decode('abc' as unknown as number[])).code).toBe('invalid_input');
    expect(errorOf(() => tok.decode([1], { strict: 'yes' as unknown as boolean })).code).toBe(
      'invalid_option',
    );
  });

  it('decodes random in-range id sequences without throwing, equal to js-tiktoken', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50256 }), { maxLength: 40 }), (ids) => {
        expect(tok.decode(ids)).toBe(jsTiktoken.decode(ids));
      }),
      { seed: 5, numRuns: 3000 },
    );
  });
});

describe('createStreamDecoder', () => {
  it('never emits U+FFFD for a character split across tokens', () => {
    const tok = gpt2();
    const text = 'Emoji 👩‍👩‍👧‍👦 and 中文字符 and 🇯🇵!';
    const ids = tok.encode(text);
    const stream = tok.createStreamDecoder();
    const chunks = ids.map((id) => stream.push(id));
    chunks.push(stream.flush());
    expect(chunks.join('')).toBe(text);
    expect(chunks.some((c) => c.includes('\ufffd'))).toBe(false);
    // At least one token ends mid-character, so some pushes returned ''.
    expect(chunks.filter((c) => c === '').length).toBeGreaterThan(0);
    expect(stream.tokens).toBe(ids.length);
  });

  it('equals decode(ids) for random id sequences (lossy), chunk by chunk', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50256 }), { maxLength: 30 }), (ids) => {
        const stream = tok.createStreamDecoder();
        let out = '';
        for (const id of ids) out += stream.push(id);
        out += stream.flush();
        expect(out).toBe(tok.decode(ids));
      }),
      { seed: 6, numRuns: 3000 },
    );
  });

  it('strict mode throws on a character that can never complete, and at a truncated end', () => {
    const tok = gpt2();
    const stream = tok.createStreamDecoder({ strict: true });
    expect(stream.push(47249)).toBe('');
    const e = errorOf(() => stream.push(64));
    expect(e.code).toBe('invalid_utf8');
    expect(e.message).toMatch(/token #2 \(id 64\)/);
    const truncated = tok.createStreamDecoder({ strict: true });
    truncated.push(47249);
    expect(errorOf(() => truncated.flush()).message).toMatch(/ends inside a character/);
  });

  it('lossy flush turns an unfinished character into U+FFFD; skipSpecialTokens drops <|endoftext|>', () => {
    const tok = gpt2();
    const stream = tok.createStreamDecoder({ skipSpecialTokens: true });
    expect(stream.push([15496, 50256, 47249])).toBe('Hello');
    expect(stream.flush()).toBe('\ufffd');
  });
});

describe('special tokens (tiktoken semantics)', () => {
  const text = 'a<|endoftext|>b';
  it('throws by default, naming the token, its index and both fixes', () => {
    const e = errorOf(() => gpt2().encode(text));
    expect(e.code).toBe('disallowed_special');
    expect(e.message).toMatch(/"<\|endoftext\|>" at index 1/);
    expect(e.message).toMatch(/allowedSpecial/);
    expect(e.message).toMatch(/disallowedSpecial: new Set\(\)/);
    expect(() => jsTiktoken.encode(text)).toThrow();
    expect(errorOf(() => gpt2().countTokens(text)).code).toBe('disallowed_special');
  });

  it('encodes 50256 when allowed and plain text when not disallowed, like js-tiktoken', () => {
    const tok = gpt2();
    expect(tok.encode(text, { allowedSpecial: 'all' })).toEqual(jsTiktoken.encode(text, 'all'));
    expect(tok.encode(text, { allowedSpecial: new Set(['<|endoftext|>']) })).toEqual([64, 50256, 65]);
    expect(tok.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toEqual([64, 50256, 65]);
    expect(tok.encode(text, { disallowedSpecial: new Set() })).toEqual(jsTiktoken.encode(text, [], []));
    expect(tok.countTokens(text, { allowedSpecial: 'all' })).toBe(3);
    expect(tok.tokenize(text, { allowedSpecial: 'all' })).toEqual(['a', '<|endoftext|>', 'b']);
    expect(tok.decode([64, 50256, 65])).toBe(text);
  });

  it('validates the options with the allowed values in the message', () => {
    const tok = gpt2();
    expect(errorOf(() => tok.encode('x', { allowedSpecial: 'everything' as 'all' })).code).toBe(
      'invalid_option',
    );
    expect(errorOf(() => tok.encode('x', { allowedSpecial: new Set(['<|pad|>']) })).message).toMatch(
      /"<\|pad\|>", which is not a special token of this tokenizer \(special tokens: "<\|endoftext\|>"\)/,
    );
  });
});

describe('bad input', () => {
  it('rejects non-strings with invalid_input', () => {
    const tok = gpt2();
    for (const bad of [undefined, null, 42, ['a'], { text: 'a' }]) {
      const e = errorOf(() => tok.encode(bad as unknown as string));
      expect(e.code).toBe('invalid_input');
      expect(e.message).toMatch(/^encode: expected a string, found/);
    }
    expect(errorOf(() => tok.encodeBatch(['a', 3 as unknown as string])).message).toMatch(/texts\[1\]/);
    expect(errorOf(() => tok.countTokens(Symbol() as unknown as string)).code).toBe('invalid_input');
  });

  it('encodes lone surrogates as U+FFFD, like tiktoken and js-tiktoken', () => {
    const tok = gpt2();
    for (const text of ['a\ud800b', '\udc00', 'x\ud83d', '\ud83d\ud83d\ude00']) {
      expect(tok.encode(text)).toEqual(jsTiktoken.encode(text));
      expect(tok.decode(tok.encode(text))).toBe(
        text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
      );
    }
  });

  it('encodeBatch equals encode per text', () => {
    const tok = gpt2();
    expect(tok.encodeBatch(['Hello world', '', ' x'])).toEqual([[15496, 995], [], [2124]]);
  });
});
