// Seeded random weights of the real GPT-2 124M shape, written as a Hugging Face model folder
// (config.json, generation_config.json, model.safetensors without the `transformer.` prefix, tokenizer
// files copied from models/gpt2-tiny) into a cache folder outside git. Reused when present; the folder
// name carries the seed and a format version, so a different seed or layout makes a new folder.
//
// Initialisation follows Hugging Face's GPT2PreTrainedModel._init_weights: N(0, 0.02) for wte, wpe and
// every Conv1D weight, N(0, 0.02/√(2·n_layer)) for the residual projections (attn.c_proj, mlp.c_proj).
// LayerNorm gamma 1 and beta 0 get small noise, biases are small, so no kernel sees an all-equal tensor.
//
// CLI: node make-weights.mjs [--seed N] [--dir PATH]  → prints the folder path.

import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TOKENIZER_SOURCE = resolve(HERE, '../models/gpt2-tiny');
const FORMAT_VERSION = 1;

/** GPT-2 124M (the `gpt2` checkpoint's config.json, minus its task-specific params). */
export const GPT2_124M = Object.freeze({
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_inner: null,
  n_layer: 12,
  n_positions: 1024,
  reorder_and_upcast_attn: false,
  resid_pdrop: 0.1,
  scale_attn_by_inverse_layer_idx: false,
  scale_attn_weights: true,
  torch_dtype: 'float32',
  use_cache: true,
  vocab_size: 50257,
});

/** Default cache folder root: bench/node_modules/.cache/gpt2js-bench (ignored by git). */
export const DEFAULT_CACHE_ROOT = join(HERE, 'node_modules', '.cache', 'gpt2js-bench');

/** Folder for a seed under a cache root. */
export function weightsDir(seed, root = DEFAULT_CACHE_ROOT) {
  return join(root, `gpt2-random-124m-seed${seed}-v${FORMAT_VERSION}`);
}

// xoshiro128** (32-bit state words): fast, seedable, identical on every platform.
function createRng(seed) {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162;
  let d = 0xdeadbeef ^ Math.imul(seed, 0xc2b2ae35);
  const next = () => {
    const r = Math.imul((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25), 9);
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  let spare = Number.NaN;
  // Box–Muller; the spare value makes it one log/sqrt per two normals.
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    const u1 = (next() + 1) / 4294967297;
    const u2 = next() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  return { normal };
}

// Every tensor of the no-prefix GPT-2 state dict, in Hugging Face's order: [name, shape, init].
function tensorPlan(cfg) {
  const C = cfg.n_embd;
  const inner = cfg.n_inner ?? 4 * C;
  const std = cfg.initializer_range;
  const residStd = std / Math.sqrt(2 * cfg.n_layer);
  const plan = [
    ['wte.weight', [cfg.vocab_size, C], { std }],
    ['wpe.weight', [cfg.n_positions, C], { std }],
  ];
  const ln = (name) => [
    [`${name}.weight`, [C], { mean: 1, std: 0.02 }],
    [`${name}.bias`, [C], { std: 0.02 }],
  ];
  for (let i = 0; i < cfg.n_layer; i++) {
    const h = `h.${i}`;
    plan.push(
      ...ln(`${h}.ln_1`),
      [`${h}.attn.c_attn.weight`, [C, 3 * C], { std }],
      [`${h}.attn.c_attn.bias`, [3 * C], { std: 0.01 }],
      [`${h}.attn.c_proj.weight`, [C, C], { std: residStd }],
      [`${h}.attn.c_proj.bias`, [C], { std: 0.01 }],
      ...ln(`${h}.ln_2`),
      [`${h}.mlp.c_fc.weight`, [C, inner], { std }],
      [`${h}.mlp.c_fc.bias`, [inner], { std: 0.01 }],
      [`${h}.mlp.c_proj.weight`, [inner, C], { std: residStd }],
      [`${h}.mlp.c_proj.bias`, [C], { std: 0.01 }],
    );
  }
  plan.push(...ln('ln_f'));
  return plan;
}

async function writeSafetensors(path, plan, seed) {
  const rng = createRng(seed);
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of plan) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const prefix = Buffer.alloc(8 + json.length);
  prefix.writeBigUInt64LE(BigInt(json.length), 0);
  prefix.write(json, 8, 'utf8');

  const out = createWriteStream(path);
  const write = async (buf) => {
    if (!out.write(buf)) await once(out, 'drain');
  };
  await write(prefix);
  for (const [, shape, { mean = 0, std }] of plan) {
    const n = shape.reduce((a, b) => a * b, 1);
    const chunk = 1 << 20;
    for (let start = 0; start < n; start += chunk) {
      const data = new Float32Array(Math.min(chunk, n - start));
      for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
      await write(Buffer.from(data.buffer));
    }
  }
  await new Promise((ok, fail) => out.end((err) => (err ? fail(err) : ok())));
  return 8 + json.length + offset;
}

/**
 * Makes (or reuses) the random 124M folder for `seed` and returns its path.
 * @param {{ seed?: number, dir?: string, log?: (m: string) => void }} [options]
 */
export async function ensureWeights({ seed = 1234, dir = weightsDir(seed), log = () => {} } = {}) {
  const done = join(dir, '.complete');
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t0 = performance.now();
  log(`writing random GPT-2 124M weights (seed ${seed}) to ${dir}`);
  const cfg = { ...GPT2_124M };
  const bytes = await writeSafetensors(join(tmp, 'model.safetensors'), tensorPlan(cfg), seed);
  writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  writeFileSync(
    join(tmp, 'generation_config.json'),
    `${JSON.stringify({ bos_token_id: 50256, eos_token_id: 50256 }, null, 2)}\n`,
  );
  for (const f of [
    'vocab.json',
    'merges.txt',
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
  ]) {
    if (existsSync(join(TOKENIZER_SOURCE, f))) await copyFile(join(TOKENIZER_SOURCE, f), join(tmp, f));
  }
  writeFileSync(join(tmp, '.complete'), JSON.stringify({ seed, version: FORMAT_VERSION, bytes }));
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  log(`wrote ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/** Reads the config.json of a weights folder. */
export function readConfig(dir) {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const seed = Number(arg('--seed') ?? process.env.BENCH_SEED ?? 1234);
  const dir = await ensureWeights({ seed, dir: arg('--dir') ?? weightsDir(seed), log: console.error });
  console.log(dir);
}
