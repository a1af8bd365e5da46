// Name validation: fixed hostile cases, then fast-check strings built from separators, dots, percent-escapes
// and control characters: every accepted name stays inside its cache folder and its URL prefix.

import { join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubError } from '../src/errors.js';
import { validateFileName, validateRepoId, validateRevision } from '../src/names.js';
import { RepoCache, repoFolderName } from '../src/node/paths.js';
import { resolveRepoId } from '../src/repo-id.js';
import { resolveUrl } from '../src/urls.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 20250105);
const CACHE = join(sep, 'cache', 'hub');
const COMMIT = 'a'.repeat(40);

function isInvalidName(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    if (HubError.isInstance(error) && error.code === 'invalid_name') return true;
    throw error;
  }
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

// Pieces an attacker would combine: separators, dots, encodings, controls, drive letters, plain text.
const piece = fc.constantFrom(
  '/',
  '\\',
  '.',
  '..',
  '%2F',
  '%2f',
  '%2E',
  '%2e%2e',
  '%5C',
  '%00',
  '%252F',
  '\u0000',
  '\n',
  '\r',
  '\t',
  ':',
  'C:',
  '~',
  '?',
  '#',
  '*',
  ' ',
  '-',
  '--',
  '_',
  'a',
  'gpt2',
  'model.safetensors',
  'é',
  '\u2215',
  '\uff0f',
  '\u202e',
  '\u0085',
  '%',
  'refs',
  '@{',
  '.lock',
);
const hostile = fc.array(piece, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));

describe('name validation', () => {
  it.each([
    '../config.json',
    'a/../../x',
    '/etc/passwd',
    'C:/Windows/x',
    'C:\\x',
    'a\\..\\b',
    '..',
    '.',
    'a//b',
    'a/',
    '%2e%2e/x',
    '..%2Fx',
    'a%5Cb',
    'a%00',
    'a\u0000b',
    'a\nb',
    '',
    'a/./b',
  ])('refuses file name %j', (name) => {
    expect(isInvalidName(() => validateFileName(name))).toBe(true);
  });

  it.each(['config.json', 'onnx/model.onnx', 'sub dir/file name.txt', 'tokenizer.json', 'é.json', '~x'])(
    'accepts file name %j',
    (name) => {
      expect(validateFileName(name)).toBe(name);
    },
  );

  it.each([
    '..',
    '../gpt2',
    'a/../b',
    '/abs',
    'a/b/c',
    'a--b/c',
    'a\\b',
    'a%2Fb',
    'own er/x',
    '-a/b',
    'a./b',
    'a\u0000',
    'x'.repeat(97),
  ])('refuses repo id %j', (id) => {
    expect(isInvalidName(() => validateRepoId(id))).toBe(true);
  });

  it.each([
    '../main',
    'a/../b',
    '/main',
    'main/',
    'a//b',
    '.hidden',
    'a b',
    'x.lock',
    'a@{1}',
    '%2e%2e',
    'a:b',
  ])('refuses revision %j', (rev) => {
    expect(isInvalidName(() => validateRevision(rev))).toBe(true);
  });

  it('accepts branch, tag, pull-request ref and commit revisions', () => {
    for (const rev of ['main', 'v1.0', 'refs/pr/1', COMMIT]) expect(validateRevision(rev)).toBe(rev);
  });

  it('resolves the GPT-2 aliases to their hub namespaces and keeps other ids', () => {
    expect(resolveRepoId('gpt2')).toBe('openai-community/gpt2');
    expect(resolveRepoId('gpt2-medium')).toBe('openai-community/gpt2-medium');
    expect(resolveRepoId('gpt2-large')).toBe('openai-community/gpt2-large');
    expect(resolveRepoId('gpt2-xl')).toBe('openai-community/gpt2-xl');
    expect(resolveRepoId('distilgpt2')).toBe('distilbert/distilgpt2');
    expect(resolveRepoId('owner/my.model_v2')).toBe('owner/my.model_v2');
    expect(isInvalidName(() => resolveRepoId('constructor/../x'))).toBe(true);
    expect(repoFolderName('openai-community/gpt2')).toBe('models--openai-community--gpt2');
  });

  it('never lets an accepted file name leave the snapshot folder or the resolve URL', () => {
    const cache = new RepoCache(CACHE, 'owner/name');
    const snapshotRoot = join(cache.dir, 'snapshots', COMMIT);
    const prefix = 'https://hub.test/owner/name/resolve/main/';
    fc.assert(
      fc.property(hostile, (name) => {
        if (isInvalidName(() => validateFileName(name))) return;
        expect(within(snapshotRoot, cache.snapshot(COMMIT, name))).toBe(true);
        const url = new URL(resolveUrl('https://hub.test', 'owner/name', 'main', name));
        expect(url.href.startsWith(prefix)).toBe(true);
        expect(url.origin).toBe('https://hub.test');
        const segments = url.pathname.slice('/owner/name/resolve/main/'.length).split('/');
        expect(segments.map(decodeURIComponent).join('/')).toBe(name);
        expect(segments.every((s) => s !== '..' && s !== '.')).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('never lets an accepted repo id or revision leave the cache or the refs folder', () => {
    fc.assert(
      fc.property(hostile, hostile, (id, rev) => {
        if (!isInvalidName(() => validateRepoId(id))) {
          const cache = new RepoCache(CACHE, id);
          expect(within(CACHE, cache.dir)).toBe(true);
          expect(relative(CACHE, cache.dir).includes(sep)).toBe(false);
          expect(new URL(resolveUrl('https://hub.test', id, 'main', 'f')).pathname).toBe(
            `/${id}/resolve/main/f`,
          );
        }
        if (!isInvalidName(() => validateRevision(rev))) {
          const cache = new RepoCache(CACHE, 'owner/name');
          expect(within(join(cache.dir, 'refs'), cache.ref(rev))).toBe(true);
          const url = new URL(resolveUrl('https://hub.test', 'owner/name', rev, 'f'));
          expect(url.pathname).toBe(`/owner/name/resolve/${encodeURIComponent(rev)}/f`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('refuses every name with a control character, backslash or percent-escape', () => {
    const bad = fc
      .tuple(
        fc.string(),
        fc.constantFrom('\u0000', '\u001f', '\u007f', '\\', '%2F', '%2e', '%5c'),
        fc.string(),
      )
      .map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(bad, (name) => {
        expect(isInvalidName(() => validateFileName(name))).toBe(true);
        expect(isInvalidName(() => validateRevision(name))).toBe(true);
        expect(isInvalidName(() => validateRepoId(name))).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
