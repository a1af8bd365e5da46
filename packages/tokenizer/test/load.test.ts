// Loading: the PyTorch reference prompts of both repository models reproduced from every kind of source
// (local folder, URL base and hub repo id through @gpt2js/hub with an injected fetch, tokenizer.json,
// vocab.json + merges.txt in memory), and tokenizer.json giving the same ids as vocab + merges.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GPT2Tokenizer, TokenizerError } from '../src/index.js';
import { buildCorpus } from './corpus.js';
import { gpt2, MERGES_TEXT, ODD, TINY, TOKENIZER_JSON_TEXT, VOCAB_TEXT } from './helpers.js';

interface ReferenceCase {
  prompt: string;
  ids: number[];
  greedy_ids: number[];
  greedy_text: string;
}
const reference = (dir: string): ReferenceCase[] =>
  (JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] }).cases;

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fetch that serves a model folder as a URL base (https://files.test/m/…) and as a hub repo (https://hub.test/owner/m/resolve/main/…). */
function folderFetch(dir: string, requests: string[]): typeof fetch {
  const commit = createHash('sha1').update('commit').digest('hex');
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requests.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    const name = url.pathname.split('/').pop()!;
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch {
      return new Response('Entry not found', {
        status: 404,
        headers: { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit },
      });
    }
    const etag = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    return new Response(init?.method === 'HEAD' ? null : new Uint8Array(bytes), {
      status: 200,
      headers: { 'content-length': String(bytes.length), etag: `"${etag}"`, 'x-repo-commit': commit },
    });
  }) as typeof fetch;
}

describe('reference ids of the repository models', () => {
  for (const [name, dir] of [
    ['gpt2-tiny', TINY],
    ['gpt2-odd', ODD],
  ] as const) {
    it(`${name}: fromPretrained(local folder) reproduces every prompt's ids and greedy text`, async () => {
      const tok = await GPT2Tokenizer.fromPretrained(dir);
      expect(tok.vocabSize).toBe(50257);
      expect(tok.eosTokenId).toBe(50256);
      const cases = reference(dir);
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) {
        expect(tok.encode(c.prompt)).toEqual(c.ids);
        expect(tok.decode(c.ids)).toBe(c.prompt);
        expect(tok.decode(c.greedy_ids)).toBe(c.greedy_text);
      }
    });
  }

  it('fromPretrained reads a URL base and a hub repo id through @gpt2js/hub', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'gpt2js-tok-'));
    temps.push(cacheDir);
    const requests: string[] = [];
    const fetch = folderFetch(TINY, requests);
    const fromUrl = await GPT2Tokenizer.fromPretrained('https://files.test/gpt2-tiny', { fetch, cacheDir });
    const fromHub = await GPT2Tokenizer.fromPretrained('someone/gpt2-tiny', {
      fetch,
      cacheDir,
      endpoint: 'https://hub.test',
      token: '',
    });
    for (const c of reference(TINY)) {
      expect(fromUrl.encode(c.prompt)).toEqual(c.ids);
      expect(fromHub.encode(c.prompt)).toEqual(c.ids);
    }
    expect(requests.some((r) => r.endsWith('/gpt2-tiny/tokenizer.json'))).toBe(true);
    expect(requests.some((r) => r.includes('/someone/gpt2-tiny/resolve/main/tokenizer.json'))).toBe(true);
  });

  it('falls back to vocab.json + merges.txt when there is no tokenizer.json', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'gpt2js-tok-'));
    temps.push(cacheDir);
    const requests: string[] = [];
    const base = folderFetch(TINY, requests);
    const fetch: typeof globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
      String(input).endsWith('/tokenizer.json')
        ? Promise.resolve(new Response('no', { status: 404 }))
        : base(input, init)) as typeof globalThis.fetch;
    const tok = await GPT2Tokenizer.fromPretrained('https://files.test/m', { fetch, cacheDir });
    expect(requests.some((r) => r.endsWith('/vocab.json'))).toBe(true);
    expect(requests.some((r) => r.endsWith('/merges.txt'))).toBe(true);
    expect(tok.encode('<|endoftext|>', { allowedSpecial: 'all' })).toEqual([50256]);
    expect(tok.encode(reference(TINY)[0].prompt)).toEqual(reference(TINY)[0].ids);
  });

  it('names the missing files when the source has no tokenizer', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'gpt2js-tok-empty-'));
    temps.push(empty);
    const error = await GPT2Tokenizer.fromPretrained(empty).catch((e: unknown) => e);
    expect(TokenizerError.isInstance(error)).toBe(true);
    expect((error as TokenizerError).code).toBe('not_found');
    expect((error as TokenizerError).message).toMatch(/no tokenizer\.json and no vocab\.json or merges\.txt/);
  });
});

describe('tokenizer.json', () => {
  it('gives the same ids as vocab.json + merges.txt on 20,000 corpus strings', () => {
    const fromJson = GPT2Tokenizer.fromTokenizerJSON(TOKENIZER_JSON_TEXT);
    const fromParsed = GPT2Tokenizer.fromTokenizerJSON(JSON.parse(TOKENIZER_JSON_TEXT) as object);
    const files = gpt2();
    const corpus = [...buildCorpus(99, 0.2).values()].flat();
    expect(corpus.length).toBeGreaterThanOrEqual(20_000);
    const plain = { disallowedSpecial: new Set<string>() };
    const differing = corpus.filter(
      (text) => fromJson.encode(text, plain).join() !== files.encode(text, plain).join(),
    );
    expect(differing).toEqual([]);
    expect(fromParsed.encode('Hello world')).toEqual([15496, 995]);
    expect(fromJson.specialTokens).toEqual(['<|endoftext|>']);
  });

  it('accepts merges written as [left, right] pairs (tokenizers ≥ 0.20)', () => {
    const json = JSON.parse(TOKENIZER_JSON_TEXT) as { model: { merges: string[] } };
    json.model.merges = json.model.merges.map((m) => m.split(' ') as unknown as string);
    const tok = GPT2Tokenizer.fromTokenizerJSON(json);
    expect(tok.encode("Hello, I'm a language model,")).toEqual([15496, 11, 314, 1101, 257, 3303, 2746, 11]);
  });

  it('honours added tokens: special ones by policy, others always, with lstrip / rstrip / single_word', () => {
    const json = JSON.parse(TOKENIZER_JSON_TEXT) as { added_tokens: object[] };
    json.added_tokens.push(
      {
        id: 50257,
        content: '<|pad|>',
        special: true,
        lstrip: false,
        rstrip: false,
        single_word: false,
        normalized: false,
      },
      {
        id: 50258,
        content: '<mask>',
        special: true,
        lstrip: true,
        rstrip: false,
        single_word: false,
        normalized: false,
      },
      {
        id: 50259,
        content: 'qqqword',
        special: false,
        lstrip: false,
        rstrip: true,
        single_word: true,
        normalized: true,
      },
    );
    const tok = GPT2Tokenizer.fromTokenizerJSON(json);
    expect(tok.vocabSize).toBe(50260);
    expect(tok.specialTokens).toEqual(['<|endoftext|>', '<|pad|>', '<mask>']);
    // Non-special added token: matched as a whole word only; rstrip swallows the spaces after it.
    expect(tok.encode('a qqqword  b')).toEqual([64, 220, 50259, 65]);
    expect(tok.encode('aqqqword')).toEqual(gpt2().encode('aqqqword'));
    // Special tokens: refused by default, encoded when allowed (lstrip swallows the space before <mask>).
    expect(() => tok.encode('x <mask>')).toThrow(/"<mask>" at index 2/);
    expect(tok.encode('x <mask>', { allowedSpecial: 'all' })).toEqual([87, 50258]);
    expect(
      tok.encode('<|pad|><|endoftext|>', {
        allowedSpecial: new Set(['<|pad|>']),
        disallowedSpecial: new Set(),
      }),
    ).toEqual([50257, ...gpt2().encode('<|endoftext|>', { disallowedSpecial: new Set() })]);
    expect(tok.decode([50257, 50258, 50259])).toBe('<|pad|><mask>qqqword');
    expect(tok.decode([64, 50257, 65], { skipSpecialTokens: true })).toBe('ab');
    expect(tok.tokenToId('<mask>')).toBe(50258);
    expect(tok.idToToken(50259)).toBe('qqqword');
  });

  it('in-memory vocab object and merge arrays load like the files', () => {
    const tok = GPT2Tokenizer.fromFiles({
      vocab: JSON.parse(VOCAB_TEXT) as Record<string, number>,
      merges: MERGES_TEXT.split('\n').slice(1, -1),
    });
    expect(tok.encode(' Leading space and trailing space ')).toEqual([43225, 2272, 290, 25462, 2272, 220]);
  });
});
