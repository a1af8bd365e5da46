#!/usr/bin/env node
// The embedded model's files and where they come from. Used by `prepack` (copies them into
// apps/demo/models/ so the installed bin finds them) and by the Vite config (serves them in dev,
// copies them into web-dist/ on build). Run directly: `node scripts/embedded-model.mjs <dest-dir>`.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository's copy of the embedded model. */
export const EMBEDDED_MODEL_DIR = resolve(here, '../../../models/gpt2-tiny');

/** The files a model load needs (the PyTorch references stay in the repository). */
export const EMBEDDED_MODEL_FILES = [
  'config.json',
  'generation_config.json',
  'model.safetensors',
  'tokenizer.json',
  'vocab.json',
  'merges.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
];

/** Copies the embedded model's files into `dest` (created if needed). */
export function copyEmbeddedModel(dest) {
  if (!existsSync(join(EMBEDDED_MODEL_DIR, 'config.json'))) {
    throw new Error(`embedded model not found at ${EMBEDDED_MODEL_DIR}: run from a gpt2js checkout`);
  }
  mkdirSync(dest, { recursive: true });
  for (const file of EMBEDDED_MODEL_FILES) copyFileSync(join(EMBEDDED_MODEL_DIR, file), join(dest, file));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = process.argv[2];
  if (!dest) {
    console.error('usage: node scripts/embedded-model.mjs <dest-dir>');
    process.exit(2);
  }
  copyEmbeddedModel(resolve(dest));
  console.error(`copied the embedded model into ${resolve(dest)}`);
}
