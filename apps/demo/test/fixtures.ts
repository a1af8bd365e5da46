// Paths to the embedded model and its PyTorch reference (models/gpt2-tiny/reference.json).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(DEMO_DIR, '../..');
export const TINY_DIR = join(REPO_DIR, 'models', 'gpt2-tiny');

export interface ReferenceCase {
  prompt: string;
  ids: number[];
  logits_offset_bytes: number;
  top20: [number, number][];
  prompt_logprob: number;
  greedy_ids: number[];
  greedy_text: string;
  greedy_margins: number[];
}

export interface Reference {
  tolerance: { logits_abs: number };
  vocab_size: number;
  cases: ReferenceCase[];
}

export function loadReference(): Reference {
  return JSON.parse(readFileSync(join(TINY_DIR, 'reference.json'), 'utf8')) as Reference;
}

/** The full last-position logits of a reference case. */
export function referenceLogits(ref: Reference, c: ReferenceCase): Float32Array {
  const bytes = readFileSync(join(TINY_DIR, 'reference.logits.bin'));
  const start = bytes.byteOffset + c.logits_offset_bytes;
  return new Float32Array(bytes.buffer.slice(start, start + 4 * ref.vocab_size));
}
