// `--model`: the embedded default, local directories checked up front, URLs and hub ids passed on.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findEmbeddedModel } from '../src/embedded-model.js';
import { DemoError } from '../src/errors.js';
import { resolveModelSource } from '../src/model-source.js';
import { DEMO_DIR, TINY_DIR } from './fixtures.js';

function messageOf(model: string): string {
  try {
    resolveModelSource(model);
  } catch (e) {
    if (DemoError.isInstance(e)) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('resolveModelSource', () => {
  it('defaults to the repository copy of gpt2-tiny, found by walking up from the code', () => {
    expect(resolveModelSource(undefined)).toEqual({ source: TINY_DIR, kind: 'embedded' });
    expect(findEmbeddedModel(join(DEMO_DIR, 'dist'))).toBe(TINY_DIR);
    expect(findEmbeddedModel(tmpdir())).toBeUndefined();
  });

  it('prefers a copy inside the package (what prepack makes for an installed bin)', () => {
    const pkg = mkdtempSync(join(tmpdir(), 'gpt2js-demo-'));
    const copy = join(pkg, 'models', 'gpt2-tiny');
    mkdirSync(copy, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) writeFileSync(join(copy, f), '{}');
    expect(findEmbeddedModel(join(pkg, 'dist'))).toBe(copy);
  });

  it('accepts local directories, URLs and hub ids', () => {
    expect(resolveModelSource(TINY_DIR)).toEqual({ source: TINY_DIR, kind: 'local' });
    expect(resolveModelSource('https://example.com/m')).toEqual({
      source: 'https://example.com/m',
      kind: 'url',
    });
    expect(resolveModelSource('gpt2')).toEqual({ source: 'gpt2', kind: 'hub' });
    expect(resolveModelSource('owner/name')).toEqual({ source: 'owner/name', kind: 'hub' });
  });

  it('names the problem with a local path', () => {
    expect(messageOf('./no-such-model')).toBe(
      '--model ./no-such-model: no such directory (for a hub model, write its id, e.g. gpt2 or owner/name)',
    );
    expect(messageOf(join(TINY_DIR, 'config.json'))).toContain(
      'is a file; pass the directory that holds config.json',
    );
    expect(messageOf(tmpdir())).toContain('no config.json in this directory');
  });
});
