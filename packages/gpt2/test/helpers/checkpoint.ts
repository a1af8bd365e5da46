// Small synthetic GPT-2 checkpoints on disk (config.json + model.safetensors with seeded random weights), in
// either naming convention, to test the loader's mapping and its error messages.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT2Config } from '../../src/config.js';
import { encodeSafetensors, type TensorEntry } from '../../src/load/safetensors-writer.js';
import { parameterSpecs } from '../../src/load/state-dict.js';

/** A 2-layer, 8-wide model over a 64-token vocabulary. */
export const SMALL_CONFIG = {
  vocab_size: 64,
  n_positions: 16,
  n_embd: 8,
  n_layer: 2,
  n_head: 2,
  bos_token_id: 0,
  eos_token_id: 0,
  model_type: 'gpt2',
};

/** Deterministic pseudo-random floats in [-0.5, 0.5) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export interface CheckpointTensor extends TensorEntry {
  data: Uint8Array;
}

/** The tensors of a model with `config`, named as in openai-community/gpt2 (no prefix), f32. */
export function randomTensors(config: Record<string, unknown>, seed = 1): CheckpointTensor[] {
  const rand = seeded(seed);
  return parameterSpecs(new GPT2Config(config)).map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: n }, () =>
      spec.key.includes('ln_') ? 1 + rand() * 0.2 : rand() * 0.4,
    );
    return { name: spec.key, dtype: 'F32', shape: spec.shape, data: new Uint8Array(values.buffer) };
  });
}

/** Writes a checkpoint directory and returns its path. */
export function writeCheckpoint(
  config: Record<string, unknown>,
  tensors: CheckpointTensor[] | undefined,
  extraFiles: Record<string, string | Uint8Array> = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpt2js-ckpt-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  if (tensors !== undefined)
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors, { format: 'pt' }));
  for (const [name, content] of Object.entries(extraFiles)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Float32 → IEEE half bits (round to nearest even), for F16 checkpoints. */
export function toHalfBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  if (exp >= 31) return sign | 0x7c00;
  const half = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}
