// Exactness against OpenAI's tokenizers on a ≥ 100,000-string corpus: every id equal to js-tiktoken's
// `gpt2` encoding (and to tiktoken's Rust core, compiled to WASM, on the strings where JavaScript's `\s`
// differs from Unicode White_Space), and decode(encode(x)) === x for every string.

import { afterAll, describe, expect, it } from 'vitest';
import { buildCorpus, CORPUS_PLAN } from './corpus.js';
import { freeWasm, gpt2, JS_WHITESPACE_DIVERGENCE, jsTiktoken, tiktokenWasm, wellFormed } from './helpers.js';

const SEED = 0x6a5d;
const corpus = buildCorpus(SEED);
const total = [...corpus.values()].reduce((n, list) => n + list.length, 0);

afterAll(() => {
  freeWasm();
  console.log(`conformance: ${total} corpus strings (seed ${SEED}) checked against js-tiktoken / tiktoken`);
});

describe('conformance with tiktoken gpt2 (r50k_base)', () => {
  it('holds at least 100,000 strings', () => {
    expect(total).toBeGreaterThanOrEqual(100_000);
    expect(Object.keys(CORPUS_PLAN)).toEqual([...corpus.keys()]);
  });

  it('encodes the whole corpus joined into one text (about 5 MB) exactly like js-tiktoken', () => {
    const tok = gpt2();
    const text = [...corpus.values()]
      .flat()
      .filter((s) => !JS_WHITESPACE_DIVERGENCE.test(s))
      .join('\n');
    expect(text.length).toBeGreaterThan(1_000_000);
    const ours = tok.encode(text, { disallowedSpecial: new Set() });
    const expected = jsTiktoken.encode(text, [], []);
    expect(ours.length).toBe(expected.length);
    expect(ours.findIndex((id, k) => id !== expected[k])).toBe(-1);
    expect(tok.countTokens(text, { disallowedSpecial: new Set() })).toBe(expected.length);
    expect(tok.decode(ours)).toBe(wellFormed(text));
  });

  for (const [name, strings] of corpus) {
    it(`encodes every ${name} string exactly like tiktoken (${strings.length} strings)`, () => {
      const tok = gpt2();
      const mismatches: string[] = [];
      let viaWasm = 0;
      for (const text of strings) {
        const ours = tok.encode(text, { disallowedSpecial: new Set() });
        let expected: number[];
        if (JS_WHITESPACE_DIVERGENCE.test(text)) {
          expected = Array.from(tiktokenWasm().encode(text, [], []));
          viaWasm++;
        } else {
          expected = jsTiktoken.encode(text, [], []);
        }
        const count = tok.countTokens(text, { disallowedSpecial: new Set() });
        if (
          ours.length !== expected.length ||
          ours.some((id, k) => id !== expected[k]) ||
          count !== ours.length
        ) {
          mismatches.push(
            `${JSON.stringify(text)}: ours ${JSON.stringify(ours)} (count ${count}) expected ${JSON.stringify(expected)}`,
          );
          if (mismatches.length >= 5) break;
        }
      }
      expect(mismatches).toEqual([]);
      if (name === 'whitespace') expect(viaWasm).toBeGreaterThan(100);
    });

    it(`round-trips every ${name} string: decode(encode(x)) === x`, () => {
      const tok = gpt2();
      const failures: string[] = [];
      for (const text of strings) {
        const back = tok.decode(tok.encode(text, { disallowedSpecial: new Set() }));
        // Lone surrogates are not text: they are encoded as U+FFFD, so they come back as U+FFFD.
        if (back !== wellFormed(text)) failures.push(JSON.stringify(text));
      }
      expect(failures.slice(0, 5)).toEqual([]);
    });
  }
});
