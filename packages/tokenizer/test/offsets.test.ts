// encodeWithOffsets against an independent whole-text computation: token k covers bytes [b, b + len) of
// the text's UTF-8; its span runs from the character holding byte b to the end of the one holding byte
// b + len − 1.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCorpus } from './corpus.js';
import { gpt2, wellFormed } from './helpers.js';

/** For each UTF-8 byte of `text`, the UTF-16 [start, end) of the character it belongs to. */
function byteToCharSpan(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (let u = 0; u < text.length; ) {
    const cp = text.codePointAt(u)!;
    const units = cp > 0xffff ? 2 : 1;
    const bytes = new TextEncoder().encode(text.slice(u, u + units)).length;
    for (let k = 0; k < bytes; k++) spans.push([u, u + units]);
    u += units;
  }
  return spans;
}

function expectedOffsets(text: string, ids: number[]): [number, number][] {
  const tok = gpt2();
  const spans = byteToCharSpan(text);
  let b = 0;
  return ids.map((id) => {
    const len = tok.decodeBytes([id]).length;
    const span: [number, number] = [spans[b][0], spans[b + len - 1][1]];
    b += len;
    return span;
  });
}

describe('encodeWithOffsets', () => {
  it('gives character spans, shared by the tokens of a split character', () => {
    const tok = gpt2();
    expect(tok.encodeWithOffsets('hi 😀 there')).toEqual({
      ids: [5303, 30325, 222, 612],
      offsets: [
        [0, 2],
        [2, 5],
        [3, 5],
        [5, 11],
      ],
    });
    expect(tok.encodeWithOffsets('a<|endoftext|>b', { allowedSpecial: 'all' }).offsets).toEqual([
      [0, 1],
      [1, 14],
      [14, 15],
    ]);
    expect(tok.encodeWithOffsets('')).toEqual({ ids: [], offsets: [] });
  });

  it('matches the whole-text computation on corpus and random strings', () => {
    const tok = gpt2();
    const corpus = [...buildCorpus(3, 0.03).values()].flat();
    const random = fc.sample(fc.string({ unit: 'binary', maxLength: 30 }), { seed: 8, numRuns: 2000 });
    for (const raw of [...corpus, ...random]) {
      const text = wellFormed(raw);
      const { ids, offsets } = tok.encodeWithOffsets(text, { disallowedSpecial: new Set() });
      expect(ids).toEqual(tok.encode(text, { disallowedSpecial: new Set() }));
      expect(offsets).toEqual(expectedOffsets(text, ids));
    }
  });

  it('covers a lone surrogate (encoded as U+FFFD) with its own single unit', () => {
    const tok = gpt2();
    const { ids, offsets } = tok.encodeWithOffsets('a\ud800b');
    expect(ids).toEqual([64, 4210, 65]);
    expect(offsets).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });
});
