// Malformed tokenizer files: each error is a TokenizerError naming the file and the line or key.

import { describe, expect, it } from 'vitest';
import { GPT2Tokenizer, TokenizerError } from '../src/index.js';
import { MERGES_TEXT, TOKENIZER_JSON_TEXT, VOCAB_TEXT } from './helpers.js';

function errorOf(fn: () => unknown): TokenizerError {
  try {
    fn();
  } catch (e) {
    if (TokenizerError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a TokenizerError');
}

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary paths of a parsed JSON file
type Json = Record<string, any>;
const vocab = JSON.parse(VOCAB_TEXT) as Record<string, number>;
const load = (v: unknown, m: unknown = MERGES_TEXT) =>
  errorOf(() => GPT2Tokenizer.fromFiles({ vocab: v as string, merges: m as string }));
const loadJson = (mutate: (json: Json) => void) => {
  const json = JSON.parse(TOKENIZER_JSON_TEXT) as Json;
  mutate(json);
  return errorOf(() => GPT2Tokenizer.fromTokenizerJSON(json));
};

describe('malformed vocab.json', () => {
  it('reports invalid JSON with line and column', () => {
    const e = load('{\n  "a": 1,\n  "b": }\n');
    expect(e.code).toBe('malformed_file');
    expect(e.file).toBe('vocab.json');
    expect(e.message).toMatch(/^vocab\.json: not valid JSON at line 3, column 8 \(found "}\\n"\)/);
    expect(load(VOCAB_TEXT.slice(0, 5000)).message).toMatch(
      /^vocab\.json: not valid JSON at line 1, column 5001 \(found the end of the file\)/,
    );
  });

  it('names the key with a bad id, duplicate ids, and a missing byte token', () => {
    expect(load({ ...vocab, hello: 'x' }).message).toMatch(
      /^vocab\.json: key "hello" has value the string "x"; expected a token id/,
    );
    expect(load({ ...vocab, hello: -3 }).message).toMatch(/key "hello" has value number -3/);
    expect(load({ ...vocab, hello: 1.5 }).message).toMatch(/key "hello" has value number 1\.5/);
    expect(load({ ...vocab, hello: 5 }).message).toMatch(/keys "&" and "hello" both have id 5/);
    const { Ġ: _space, ...noSpace } = vocab;
    expect(load(noSpace).message).toMatch(/no token for byte 0x20 \("Ġ"\)/);
    expect(load([1, 2]).message).toMatch(
      /expected a JSON object mapping each token to its id, found an array of 2/,
    );
  });

  it('refuses an absurd id before allocating tables sized by it', () => {
    const e = load({ ...vocab, huge: 1e9 });
    expect(e.message).toMatch(/token id 1000000000 is far beyond the 50258 tokens defined/);
  });
});

describe('malformed merges.txt', () => {
  const lines = MERGES_TEXT.split('\n');
  it('names the line of a rule that is not two tokens', () => {
    const bad = [...lines.slice(0, 10), 'Ġ t x', ...lines.slice(10)].join('\n');
    const e = load(VOCAB_TEXT, bad);
    expect(e.file).toBe('merges.txt');
    expect(e.message).toMatch(
      /^merges\.txt line 11: "Ġ t x" is not a merge rule; expected two tokens separated by one space/,
    );
    expect(load(VOCAB_TEXT, [...lines.slice(0, 3), '', ...lines.slice(3)].join('\n')).message).toMatch(
      /^merges\.txt line 4: "" is not a merge rule/,
    );
  });

  it('names the line of a rule using a token the vocabulary lacks', () => {
    const bad = [...lines.slice(0, 5), 'Ġ zzzqqq', ...lines.slice(5)].join('\n');
    expect(load(VOCAB_TEXT, bad).message).toMatch(
      /^merges\.txt line 6: merge "Ġ" \+ "zzzqqq" uses "zzzqqq", which is not in vocab\.json/,
    );
  });

  it('accepts CRLF line ends and a file without the #version line', () => {
    const crlf = MERGES_TEXT.replace(/\n/g, '\r\n');
    expect(GPT2Tokenizer.fromFiles({ vocab: VOCAB_TEXT, merges: crlf }).encode('Hello world')).toEqual([
      15496, 995,
    ]);
    const bare = lines.slice(1).join('\n');
    expect(GPT2Tokenizer.fromFiles({ vocab: VOCAB_TEXT, merges: bare }).encode('Hello world')).toEqual([
      15496, 995,
    ]);
  });
});

describe('malformed tokenizer.json', () => {
  it('names the key at fault', () => {
    expect(loadJson((j) => delete j['model']).message).toBe(
      'tokenizer.json: key "model" must be an object, found nothing (missing).',
    );
    expect(loadJson((j) => (j['model']['vocab'] = [])).message).toMatch(
      /key "model\.vocab" must be an object/,
    );
    expect(loadJson((j) => (j['model']['merges'] = 'x')).message).toMatch(
      /key "model\.merges" must be an array/,
    );
    expect(loadJson((j) => (j['model']['merges'][7] = 42)).message).toMatch(
      /^tokenizer\.json model\.merges merges\[7\]: expected a "left right" string/,
    );
    expect(loadJson((j) => (j['added_tokens'][0]['id'] = 'x')).message).toMatch(
      /key "added_tokens\[0\]\.id" must be an integer token id/,
    );
    expect(loadJson((j) => (j['added_tokens'][0]['special'] = 1)).message).toMatch(
      /key "added_tokens\[0\]\.special" must be true or false/,
    );
    expect(loadJson((j) => (j['model']['vocab']['Ġthe'] = -1)).message).toMatch(
      /^tokenizer\.json model\.vocab: key "Ġthe"/,
    );
  });

  it('refuses what is not GPT-2 byte-level BPE with code unsupported', () => {
    const cases: [(j: Json) => void, RegExp][] = [
      [(j) => (j['model']['type'] = 'WordPiece'), /model\.type is "WordPiece"/],
      [(j) => (j['pre_tokenizer'] = { type: 'Whitespace' }), /pre_tokenizer\.type is "Whitespace"/],
      [(j) => (j['pre_tokenizer']['add_prefix_space'] = true), /add_prefix_space is true/],
      [(j) => (j['normalizer'] = { type: 'NFC' }), /normalizer is "NFC"/],
      [(j) => (j['model']['dropout'] = 0.1), /dropout is 0\.1/],
      [(j) => (j['model']['continuing_subword_prefix'] = '##'), /continuing_subword_prefix is "##"/],
    ];
    for (const [mutate, message] of cases) {
      const e = loadJson(mutate);
      expect(e.code).toBe('unsupported');
      expect(e.message).toMatch(message);
    }
  });

  it('reports a truncated file with its line and column', () => {
    const e = errorOf(() => GPT2Tokenizer.fromTokenizerJSON(TOKENIZER_JSON_TEXT.slice(0, 2000)));
    expect(e.message).toMatch(
      /^tokenizer\.json: not valid JSON at line \d+, column \d+ \(found the end of the file\)/,
    );
  });
});

describe('options', () => {
  it('validates cacheSize and eosToken with the allowed range', () => {
    const files = { vocab: VOCAB_TEXT, merges: MERGES_TEXT };
    expect(errorOf(() => GPT2Tokenizer.fromFiles(files, { cacheSize: -1 })).message).toBe(
      'cacheSize is number -1; expected an integer in [0, 16777216] (default 100000).',
    );
    expect(errorOf(() => GPT2Tokenizer.fromFiles(files, { eosToken: '<eos>' })).message).toMatch(
      /eosToken "<eos>" is not in the vocabulary/,
    );
  });
});
