// The loader: both naming conventions, tied and untied heads, F16/BF16 files, shards, progress, the errors
// for missing / unexpected / wrong-shaped tensors, pytorch_model.bin-only folders, and one end-to-end load
// through @gpt2js/hub from a loopback server in the Hugging Face URL layout.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, GPT2LMHeadModel, type LoadProgress } from '../src/index.js';
import { MODELS } from './helpers/backends.js';
import { randomTensors, SMALL_CONFIG, toHalfBits, writeCheckpoint } from './helpers/checkpoint.js';
import { loadReference, maxAbsDiff } from './helpers/reference.js';

const IDS = [[3, 17, 42, 5, 9]];
const dirs: string[] = [];
const checkpoint = (...args: Parameters<typeof writeCheckpoint>) => {
  const dir = writeCheckpoint(...args);
  dirs.push(dir);
  return dir;
};
const faults = { passed: 0, total: 0 };
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(
    `[gpt2 faults] checkpoints: ${faults.passed}/${faults.total} fault scenarios passed (missing, unexpected, wrong-shaped, wrong dtype, pickle-only, empty, bad config)`,
  );
});

async function logitsOf(dir: string, ids = IDS): Promise<Float32Array> {
  const model = await GPT2LMHeadModel.fromPretrained(dir, { backend: 'cpu' });
  try {
    const out = await model.forward({ inputIds: ids, useCache: false });
    return await out.logits.toArray();
  } finally {
    model.dispose();
  }
}

async function loadError(dir: string): Promise<Error> {
  const error = await GPT2LMHeadModel.fromPretrained(dir, { backend: 'cpu' }).then(
    (m) => {
      m.dispose();
      throw new Error('expected the load to fail');
    },
    (e: Error) => e,
  );
  return error;
}

describe('naming conventions and the head', () => {
  const tensors = randomTensors(SMALL_CONFIG);
  const base = () => checkpoint(SMALL_CONFIG, tensors);

  it('loads names with the transformer. prefix, attn.bias buffers and a tied lm_head.weight identically', async () => {
    const prefixed = tensors.map((t) => ({ ...t, name: `transformer.${t.name}` }));
    const wte = tensors.find((t) => t.name === 'wte.weight')!;
    const buffers = [0, 1].map((i) => ({
      name: `transformer.h.${i}.attn.bias`,
      dtype: 'F32',
      shape: [1, 1, 16, 16],
      data: new Uint8Array(16 * 16 * 4),
    }));
    const hf = checkpoint(SMALL_CONFIG, [{ ...wte, name: 'lm_head.weight' }, ...prefixed, ...buffers]);
    expect(maxAbsDiff(await logitsOf(hf), await logitsOf(base()))).toBe(0);
  });

  it('uses lm_head.weight when tie_word_embeddings is false (head = 2·wte doubles every logit)', async () => {
    const wte = tensors.find((t) => t.name === 'wte.weight')!;
    const doubled = Float32Array.from(new Float32Array(wte.data.slice().buffer), (x) => 2 * x);
    const untied = checkpoint({ ...SMALL_CONFIG, tie_word_embeddings: false }, [
      ...tensors,
      { ...wte, name: 'lm_head.weight', data: new Uint8Array(doubled.buffer) },
    ]);
    const tied = await logitsOf(base());
    const got = await logitsOf(untied);
    expect(
      maxAbsDiff(
        got,
        Float32Array.from(tied, (x) => 2 * x),
      ),
    ).toBeLessThanOrEqual(1e-5);
  });

  it('reads F16 and BF16 checkpoints as the same values in F32', async () => {
    const half = tensors.map((t) => {
      const f = new Float32Array(t.data.slice().buffer);
      return {
        f16: Uint16Array.from(f, toHalfBits),
        bf16: Uint16Array.from(f, (x) => new Uint32Array(new Float32Array([x]).buffer)[0]! >>> 16),
      };
    });
    const f16 = checkpoint(
      SMALL_CONFIG,
      tensors.map((t, i) => ({ ...t, dtype: 'F16', data: new Uint8Array(half[i]!.f16.buffer) })),
    );
    const bf16 = checkpoint(
      SMALL_CONFIG,
      tensors.map((t, i) => ({ ...t, dtype: 'BF16', data: new Uint8Array(half[i]!.bf16.buffer) })),
    );
    // The same rounded values stored as F32: an independent decoding of the half-precision bits.
    const decodeHalf = (h: number) => {
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
      return h & 0x8000 ? -v : v;
    };
    const asF32 = (values: (i: number) => Float32Array) =>
      checkpoint(
        SMALL_CONFIG,
        tensors.map((t, i) => ({ ...t, data: new Uint8Array(values(i).buffer) })),
      );
    const f16AsF32 = asF32((i) => Float32Array.from(half[i]!.f16, decodeHalf));
    const bf16AsF32 = asF32((i) => new Float32Array(Uint32Array.from(half[i]!.bf16, (b) => b << 16).buffer));
    expect(maxAbsDiff(await logitsOf(f16), await logitsOf(f16AsF32))).toBe(0);
    expect(maxAbsDiff(await logitsOf(bf16), await logitsOf(bf16AsF32))).toBe(0);
  });

  it('loads a sharded checkpoint (model.safetensors.index.json)', async () => {
    const { encodeSafetensors } = await import('../src/load/safetensors-writer.js');
    const first = tensors.slice(0, 10);
    const rest = tensors.slice(10);
    const weightMap = Object.fromEntries([
      ...first.map((t) => [t.name, 'model-00001-of-00002.safetensors']),
      ...rest.map((t) => [t.name, 'model-00002-of-00002.safetensors']),
    ]);
    const sharded = checkpoint(SMALL_CONFIG, undefined, {
      'model.safetensors.index.json': JSON.stringify({ metadata: {}, weight_map: weightMap }),
      'model-00001-of-00002.safetensors': encodeSafetensors(first),
      'model-00002-of-00002.safetensors': encodeSafetensors(rest),
    });
    expect(maxAbsDiff(await logitsOf(sharded), await logitsOf(base()))).toBe(0);
  });

  it('reports load progress up to the total bytes', async () => {
    const events: LoadProgress[] = [];
    const model = await GPT2LMHeadModel.fromPretrained(base(), {
      backend: 'cpu',
      onProgress: (p) => events.push(p),
    });
    model.dispose();
    const loads = events.filter((e) => e.phase === 'load');
    const total = tensors.reduce((n, t) => n + t.data.length, 0);
    expect(loads[0]).toEqual({ phase: 'load', loaded: 0, total });
    expect(loads.at(-1)).toEqual({ phase: 'load', loaded: total, total });
    expect(loads).toHaveLength(tensors.length + 1);
  });

  it('uploads the tensors in the order of their bytes in the file (a browser reads a cached file front to back)', async () => {
    const reversed = [...tensors].reverse();
    const events: LoadProgress[] = [];
    const dir = checkpoint(SMALL_CONFIG, reversed);
    const model = await GPT2LMHeadModel.fromPretrained(dir, {
      backend: 'cpu',
      onProgress: (p) => events.push(p),
    });
    model.dispose();
    const loaded = events.filter((e) => e.phase === 'load').map((e) => e.loaded);
    const sizes = loaded.slice(1).map((n, i) => n - loaded[i]!);
    // each upload's size is the next tensor's in the file (model order would start with wte)
    expect(sizes).toEqual(reversed.map((t) => t.data.length));
    expect(sizes[0]).not.toBe(tensors.find((t) => t.name === 'wte.weight')!.data.length);
    expect(maxAbsDiff(await logitsOf(dir), await logitsOf(base()))).toBe(0);
  });
});

describe('checkpoint errors', () => {
  const tensors = randomTensors(SMALL_CONFIG);
  const cases: [string, () => string, RegExp, string][] = [
    [
      'a missing tensor',
      () =>
        checkpoint(
          SMALL_CONFIG,
          tensors.filter((t) => t.name !== 'h.1.mlp.c_fc.weight'),
        ),
      /model\.safetensors: missing tensor h\.1\.mlp\.c_fc\.weight \[8, 32\]; the checkpoint does not match config\.json/,
      'missing_tensor',
    ],
    [
      'an unexpected tensor (more layers than n_layer)',
      () => checkpoint(SMALL_CONFIG, [...tensors, { ...tensors[2]!, name: 'h.2.ln_1.weight' }]),
      /unexpected tensor h\.2\.ln_1\.weight \[8\] in model\.safetensors for config n_layer=2/,
      'unexpected_tensor',
    ],
    [
      'a wrong-shaped tensor, naming the config field',
      () =>
        checkpoint(
          SMALL_CONFIG,
          tensors.map((t) => (t.name === 'h.0.attn.c_attn.weight' ? { ...t, shape: [24, 8] } : t)),
        ),
      /model\.safetensors: tensor h\.0\.attn\.c_attn\.weight has shape \[24, 8\], expected \[8, 24\] \(n_embd=8, out 3·n_embd: Conv1D \[in, out\]\)/,
      'shape_mismatch',
    ],
    [
      'a checkpoint for another n_embd',
      () => checkpoint({ ...SMALL_CONFIG, n_embd: 16 }, tensors),
      /tensor wte\.weight has shape \[64, 8\], expected \[64, 16\] \(vocab_size=64, n_embd=16\)/,
      'shape_mismatch',
    ],
    [
      'an untied config without lm_head.weight',
      () => checkpoint({ ...SMALL_CONFIG, tie_word_embeddings: false }, tensors),
      /missing tensor lm_head\.weight \[64, 8\]; config\.json sets tie_word_embeddings=false/,
      'missing_tensor',
    ],
    [
      'an integer dtype',
      () =>
        checkpoint(
          SMALL_CONFIG,
          tensors.map((t) => (t.name === 'wpe.weight' ? { ...t, dtype: 'I32' } : t)),
        ),
      /tensor wpe\.weight is I32; gpt2js loads F32, F16 and BF16 weights/,
      'unsupported_dtype',
    ],
    [
      'a folder with only pytorch_model.bin',
      () => checkpoint(SMALL_CONFIG, undefined, { 'pytorch_model.bin': new Uint8Array(16) }),
      /has only pytorch_model\.bin; PyTorch pickle checkpoints are out of scope .*\.save_pretrained\(dir, safe_serialization=True\)/,
      'unsupported_format',
    ],
    [
      'a folder without weights',
      () => checkpoint(SMALL_CONFIG, undefined),
      /has no model\.safetensors \(nor model\.safetensors\.index\.json\); gpt2js reads safetensors only/,
      'no_weights',
    ],
  ];
  faults.total += cases.length + 1;
  it.each(cases)('%s', async (_, make, message, code) => {
    const error = await loadError(make());
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).code).toBe(code);
    expect(error.message).toMatch(message);
    faults.passed++;
  });

  it('a bad config.json fails before any weight is read', async () => {
    const dir = checkpoint({ ...SMALL_CONFIG, n_positions: 1e9 }, tensors);
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend: 'cpu' })).rejects.toThrow(
      /n_positions must be an integer in \[1, 131,072\]/,
    );
    faults.passed++;
  });

  it('names bad options with the allowed values', async () => {
    await expect(GPT2LMHeadModel.fromPretrained(MODELS, { dtype: 'q4' as 'f16' })).rejects.toThrow(
      /dtype must be one of f32, f16, int8, got "q4"/,
    );
    await expect(GPT2LMHeadModel.fromPretrained(MODELS, { backend: 'cuda' as 'cpu' })).rejects.toThrow(
      /backend must be a Backend or one of auto, webgpu/,
    );
  });
});

describe('from a hub on loopback', () => {
  it("fromPretrained('owner/name', { endpoint, cacheDir }) downloads with progress, then reuses the cache", async () => {
    const source = join(MODELS, 'gpt2-tiny');
    const commit = createHash('sha1').update('gpt2js gpt2 test').digest('hex');
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const m = /^\/test\/gpt2-tiny\/resolve\/main\/([\w.-]+)$/.exec(req.url ?? '');
      let bytes: Buffer | undefined;
      try {
        bytes = m ? readFileSync(join(source, m[1]!)) : undefined;
      } catch {
        bytes = undefined;
      }
      if (bytes === undefined) {
        res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit });
        return res.end('not found');
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      res.writeHead(200, {
        'content-length': String(bytes.length),
        'x-repo-commit': commit,
        etag: `"${sha256}"`,
      });
      res.end(bytes);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cacheDir = mkdtempSync(join(tmpdir(), 'gpt2js-hub-'));
    dirs.push(cacheDir);
    try {
      const events: LoadProgress[] = [];
      const model = await GPT2LMHeadModel.fromPretrained('test/gpt2-tiny', {
        endpoint,
        cacheDir,
        backend: 'cpu',
        onProgress: (p) => events.push(p),
      });
      const ref = loadReference('gpt2-tiny');
      const out = await model.forward({ inputIds: [ref.cases[0]!.ids], useCache: false });
      expect(maxAbsDiff(await out.logits.toArray(), ref.logits(0))).toBeLessThanOrEqual(1e-3);
      model.dispose();
      const downloads = events.filter((e) => e.phase === 'download' && e.file === 'model.safetensors');
      expect(downloads.at(-1)).toMatchObject({ loaded: 29_040_584 });
      expect(events.at(-1)).toMatchObject({ phase: 'load' });
      expect(requests).toContain('/test/gpt2-tiny/resolve/main/model.safetensors');

      const before = requests.length;
      const again = await GPT2LMHeadModel.fromPretrained('test/gpt2-tiny', {
        endpoint,
        cacheDir,
        backend: 'cpu',
      });
      again.dispose();
      expect(requests.slice(before).filter((r) => r.endsWith('.safetensors'))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
