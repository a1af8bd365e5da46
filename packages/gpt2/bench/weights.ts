// Seeded random weights with the real GPT-2 124M shape, written once as config.json + model.safetensors into
// a cache folder (never committed), so the benchmark runs the real loader on a real-sized file.
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPT2Config, parameterSpecs, safetensorsHeader } from '@gpt2js/gpt2';

const CHUNK = 4 * 1024 * 1024; // floats generated per write

/** xorshift32 → uniform floats in [-a, a) (a = 0.0346 gives std 0.02, GPT-2's initializer_range). */
function* uniform(seed: number, a: number): Generator<number, never> {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield (x / 4294967296 - 0.5) * 2 * a;
  }
}

/** Returns the folder of the checkpoint, creating it on first use (about 500 MB, a few seconds). */
export async function ensureRandomGpt2(cacheRoot: string, seed = 1): Promise<string> {
  const dir = join(cacheRoot, `gpt2-124m-random-seed${seed}`);
  if (existsSync(join(dir, 'model.safetensors'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const config = GPT2Config.preset('gpt2');
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(config.toJSON(), null, 2));
  const specs = parameterSpecs(config);
  const entries = specs.map((s) => ({ name: s.key, dtype: 'F32', shape: s.shape }));
  const out = createWriteStream(join(tmp, 'model.safetensors'));
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) => out.write(bytes, (e) => (e ? reject(e) : resolve())));
  await write(safetensorsHeader(entries, { format: 'pt', note: `gpt2js benchmark, random seed ${seed}` }));
  const rand = uniform(seed, 0.0346);
  for (const spec of specs) {
    let left = spec.shape.reduce((a, b) => a * b, 1);
    const isGain = /ln_[12f]?\.weight$|ln_f\.weight$/.test(spec.key);
    const isBias = spec.kind === 'vector' && !isGain;
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      const buf = new Float32Array(n);
      if (isGain) buf.fill(1);
      else if (!isBias) for (let i = 0; i < n; i++) buf[i] = rand.next().value;
      await write(new Uint8Array(buf.buffer));
      left -= n;
    }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}
