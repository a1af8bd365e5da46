// Turns `--model` into a model source for the packages: the embedded model when absent, an absolute
// path for a local directory (checked here, so a typo gives a clear error before any download), and
// URLs or hub ids passed through.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { findEmbeddedModel } from './embedded-model.js';
import { DemoError } from './errors.js';

/** Where the model comes from, for messages. */
export interface ResolvedSource {
  source: string;
  kind: 'embedded' | 'local' | 'url' | 'hub';
}

/** Resolves `--model` (undefined: the embedded gpt2-tiny). */
export function resolveModelSource(model: string | undefined): ResolvedSource {
  if (model === undefined) {
    const embedded = findEmbeddedModel();
    if (!embedded) {
      throw new DemoError(
        'model_not_found',
        'the embedded model gpt2-tiny is missing (neither apps/demo/models/ nor the repository models/ has it); pass --model <dir|url|hub id>',
      );
    }
    return { source: embedded, kind: 'embedded' };
  }
  if (/^https?:\/\//i.test(model)) return { source: model, kind: 'url' };
  const expanded = model === '~' || model.startsWith('~/') ? join(homedir(), model.slice(1)) : model;
  const looksLikePath = /^(\.{1,2}[\\/]|[\\/]|~)/.test(model) || model === '.' || model === '..';
  if (existsSync(expanded)) {
    const path = resolve(expanded);
    if (!statSync(path).isDirectory()) {
      throw new DemoError(
        'model_not_found',
        `--model ${model}: is a file; pass the directory that holds config.json`,
      );
    }
    if (!existsSync(join(path, 'config.json'))) {
      throw new DemoError(
        'model_not_found',
        `--model ${model}: no config.json in this directory (expected a Hugging Face model folder)`,
      );
    }
    return { source: path, kind: 'local' };
  }
  if (looksLikePath) {
    throw new DemoError(
      'model_not_found',
      `--model ${model}: no such directory (for a hub model, write its id, e.g. gpt2 or owner/name)`,
    );
  }
  return { source: model, kind: 'hub' };
}
