// Checks the ONNX export against the torch logits export-onnx.py saved (onnx/reference.json +
// reference.logits.bin): a 6-token prefill with an empty cache, then one cached step, through
// onnxruntime-node (the runtime transformers.js uses in Node). fp32 must agree within 1e-3; q8 is
// reported (max abs diff and how many rows keep the same argmax). Writes onnx/verify.json for the
// benchmark's report; exits 1 when fp32 disagrees.
//
// CLI: node verify-onnx.mjs <model-dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** onnxruntime-node, resolved through transformers.js (it is that package's dependency, not ours). */
export function loadOrt() {
  const require = createRequire(fileURLToPath(import.meta.resolve('@huggingface/transformers')));
  return require('onnxruntime-node');
}

async function runTwoSteps(ort, file, ref, cfg) {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  const L = cfg.n_layer;
  const H = cfg.n_head;
  const D = cfg.n_embd / cfg.n_head;
  const i64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
  const feeds = (ids, past, start) => {
    const f = {
      input_ids: i64(ids, [1, ids.length]),
      attention_mask: i64(new Array(start + ids.length).fill(1), [1, start + ids.length]),
      position_ids: i64(
        ids.map((_, i) => start + i),
        [1, ids.length],
      ),
    };
    for (let i = 0; i < L; i++) {
      for (const kv of ['key', 'value']) {
        f[`past_key_values.${i}.${kv}`] =
          past?.[`present.${i}.${kv}`] ?? new ort.Tensor('float32', new Float32Array(0), [1, H, 0, D]);
      }
    }
    return f;
  };
  const first = await session.run(feeds(ref.prompt, undefined, 0));
  const second = await session.run(feeds([ref.next], first, ref.prompt.length));
  const out = new Float32Array(ref.rows * ref.vocab);
  out.set(first.logits.data, 0);
  out.set(second.logits.data, ref.prompt.length * ref.vocab);
  await session.release();
  return out;
}

function compare(actual, expected, rows, vocab) {
  let maxDiff = 0;
  let sameArgmax = 0;
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let e = 0;
    for (let v = 0; v < vocab; v++) {
      const i = r * vocab + v;
      maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
      if (actual[i] > actual[r * vocab + a]) a = v;
      if (expected[i] > expected[r * vocab + e]) e = v;
    }
    if (a === e) sameArgmax++;
  }
  return { maxDiff, sameArgmax };
}

/** Runs both ONNX files of `modelDir` against the torch reference; returns the figures. */
export async function verifyOnnx(modelDir) {
  const ort = loadOrt();
  const dir = join(modelDir, 'onnx');
  const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
  const cfg = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
  const expected = new Float32Array(readFileSync(join(dir, 'reference.logits.bin')).buffer.slice(0));
  const result = {};
  for (const [name, file] of [
    ['fp32', 'model.onnx'],
    ['q8', 'model_quantized.onnx'],
  ]) {
    const actual = await runTwoSteps(ort, join(dir, file), ref, cfg);
    result[name] = compare(actual, expected, ref.rows, ref.vocab);
  }
  return { rows: ref.rows, ...result };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const modelDir = process.argv[2];
  if (!modelDir) {
    console.error('usage: node verify-onnx.mjs <model-dir>');
    process.exit(2);
  }
  const r = await verifyOnnx(modelDir);
  writeFileSync(join(modelDir, 'onnx', 'verify.json'), JSON.stringify(r));
  for (const name of ['fp32', 'q8']) {
    console.error(
      `verify-onnx: ${name} vs torch: max |Δlogit| ${r[name].maxDiff.toExponential(2)}, same argmax ${r[name].sameArgmax}/${r.rows} rows`,
    );
  }
  if (!(r.fp32.maxDiff <= 1e-3)) {
    console.error('verify-onnx: the fp32 export disagrees with the torch model by more than 1e-3');
    process.exit(1);
  }
}
