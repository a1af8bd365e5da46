// The tokenizers compared by the benchmark, behind one small interface. `load` includes importing the
// module and building the tokenizer from its data (ours: reading vocab.json + merges.txt from disk).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One loaded tokenizer. */
export interface Lib {
  encode(text: string): ArrayLike<number>;
  decode(ids: ArrayLike<number>): string;
  count?(text: string): number;
  free?(): void;
}

/** Names in table order; gpt-tokenizer is the baseline of the ratios. */
export const LIBS = ['gpt2js', 'gpt-tokenizer', 'tiktoken (wasm)', 'js-tiktoken'] as const;
export type LibName = (typeof LIBS)[number];

/** Finds models/gpt2-tiny by walking up from this file (the bench runs from a build folder). */
export function modelDir(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 10; i++) {
    try {
      readFileSync(join(dir, 'models/gpt2-tiny/vocab.json'), { flag: 'r' });
      return join(dir, 'models/gpt2-tiny');
    } catch {
      dir = join(dir, '..');
    }
  }
  throw new Error('bench: models/gpt2-tiny not found above ' + import.meta.dirname);
}

const utf8 = new TextDecoder();

export async function loadLib(name: LibName): Promise<Lib> {
  switch (name) {
    case 'gpt2js': {
      const { GPT2Tokenizer } = await import('../src/index.js');
      const dir = modelDir();
      const tok = GPT2Tokenizer.fromFiles({
        vocab: readFileSync(join(dir, 'vocab.json'), 'utf8'),
        merges: readFileSync(join(dir, 'merges.txt'), 'utf8'),
      });
      return {
        encode: (t) => tok.encode(t),
        decode: (ids) => tok.decode(ids),
        count: (t) => tok.countTokens(t),
      };
    }
    case 'gpt-tokenizer': {
      const gt = await import('gpt-tokenizer/encoding/r50k_base');
      return {
        encode: (t) => gt.encode(t),
        decode: (ids) => gt.decode(ids as number[]),
        count: (t) => gt.countTokens(t),
      };
    }
    case 'tiktoken (wasm)': {
      const { get_encoding } = await import('tiktoken');
      const enc = get_encoding('gpt2');
      return {
        encode: (t) => enc.encode(t),
        decode: (ids) => utf8.decode(enc.decode(ids as Uint32Array)),
        free: () => enc.free(),
      };
    }
    case 'js-tiktoken': {
      const { getEncoding } = await import('js-tiktoken');
      const enc = getEncoding('gpt2');
      return { encode: (t) => enc.encode(t), decode: (ids) => enc.decode(ids as number[]) };
    }
  }
}
