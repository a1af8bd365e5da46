// "GPT-2 in gpt2js": the learner walkthrough as one runnable script. Each `#region` is one step of the
// document (docs/walkthrough/README.md shows its code and the output it printed, spliced in by render.mjs).
// Run from the repository root, where `models/gpt2-tiny` resolves: `node docs/walkthrough/render.mjs --run`.
// Argument: where to write the attention map SVG (default attention.svg in the working directory).

// #region source
import { writeFileSync } from 'node:fs';
import { GPT2Config, GPT2LMHeadModel, pipeline } from '@gpt2js/gpt2';
import { runGeneration, softmax64, topkHost } from '@gpt2js/sampling';
import { GPT2Tokenizer } from '@gpt2js/tokenizer';

const svgPath = process.argv[2] ?? 'attention.svg'; // where step 8 writes its image

// A tiny GPT-2 (4 layers, 128 wide, GPT-2's real tokenizer) stored in this repository. Replace it with
// 'gpt2' to download the real 124M-parameter model from the Hugging Face hub: the code stays the same.
const MODEL = 'models/gpt2-tiny';
// The backend is pinned so that every machine prints exactly the numbers below; 'auto' picks the fastest.
const BACKEND = 'webasm';
// #endregion

const step = (name) => console.log(`\n=== ${name} ===`); // the section headers render.mjs splits on

step('config');
// #region config
const config = await GPT2Config.fromPretrained(MODEL);
console.log(String(config));
// #endregion

step('model');
// #region model
const model = await GPT2LMHeadModel.fromPretrained(MODEL, { backend: BACKEND });
console.log(String(model)); // print(model)
console.log('num_parameters:', model.numParameters(), 'on backend:', model.backend.name);
console.log(model.summary());
// #endregion

step('tokenize');
// #region tokenize
const tokenizer = await GPT2Tokenizer.fromPretrained(MODEL);
const text = "Hello, I'm a language model,";
const ids = tokenizer.encode(text);
console.log('ids:', JSON.stringify(ids));
console.log('tokens:', JSON.stringify(tokenizer.tokenize(text)));
for (const id of ids) console.log(String(id).padStart(6), JSON.stringify(tokenizer.decode([id])));
// #endregion

step('forward');
// #region forward
const { logits, pastKeyValues } = await model.forward({ inputIds: [ids] }); // logits: [1, vocab_size]
console.log('logits shape:', JSON.stringify(logits.shape));
const row = await logits.toArray(); // the next-token logits after the last prompt token
logits.dispose();
pastKeyValues?.dispose();
const probs = softmax64(row); // p = exp(logit) / Σ exp(logits)
const top = topkHost(row, 10).indices; // the 10 largest logits, descending
console.log('rank     id  token           logit    prob');
top.forEach((id, rank) => {
  const token = JSON.stringify(tokenizer.decode([id])).padEnd(14);
  console.log(
    `${String(rank + 1).padStart(4)} ${String(id).padStart(6)}  ${token} ${row[id].toFixed(4).padStart(7)}  ${probs[id].toFixed(4)}`,
  );
});
// #endregion

step('greedy');
// #region greedy
const decode = (generated) => tokenizer.decode(generated);
const eos_token_id = config.eos_token_id; // HF's generate() stops at <|endoftext|> too
const greedy = await runGeneration(model, ids, { max_new_tokens: 40, eos_token_id, decode });
console.log(text + greedy.texts[0]);
console.log('ids:', JSON.stringify(greedy.generatedIds[0]));
console.log('finish reason:', greedy.finishReason);
// #endregion

step('sampling');
// #region sampling
const sampled = await runGeneration(model, ids, {
  max_new_tokens: 40,
  do_sample: true,
  top_k: 50,
  top_p: 0.95,
  num_return_sequences: 3,
  seed: 42,
  eos_token_id,
  decode,
});
for (const [i, t] of sampled.texts.entries())
  console.log(i, sampled.finishReasons[i], JSON.stringify(text + t));
// #endregion

step('pipeline');
// #region pipeline
const generator = await pipeline('text-generation', MODEL, { backend: BACKEND });
const outputs = await generator(text, { max_length: 30, num_return_sequences: 5, seed: 42 });
console.log('defaults from the model files:', JSON.stringify(generator.defaults));
for (const { generated_text } of outputs) console.log(JSON.stringify(generated_text));
generator.dispose();
// #endregion

step('attention');
// #region attention
const { logits: unused, attentions } = await model.forward({
  inputIds: [ids],
  outputAttentions: true,
  useCache: false,
}); // attentions: n_layer tensors of [batch, n_head, T, T]
unused.dispose();
const layer = 3;
const head = 1;
const T = ids.length;
const all = await attentions[layer].toArray(); // [1, n_head, T, T], row-major
for (const a of attentions) a.dispose();
const start = head * T * T; // this head's [T, T] block
const map = Array.from({ length: T }, (_, q) => [...all.subarray(start + q * T, start + (q + 1) * T)]);
const labels = ids.map((id) => tokenizer.decode([id]));
console.log(`layer ${layer}, head ${head}: row = query token, column = the key token it attends to`);
console.log(textHeatmap(map, labels));
writeFileSync(svgPath, svgHeatmap(map, labels, `gpt2-tiny attention, layer ${layer}, head ${head}`));
// #endregion

model.dispose();

// #region heatmap
/** Rows of shade characters (two per cell, about square in a terminal), with the weights under them. */
function textHeatmap(map, labels) {
  const shades = [' ', '░', '▒', '▓', '█'];
  const limits = [0.05, 0.25, 0.5, 0.75]; // shade i covers [limits[i-1], limits[i])
  const shade = (p) => shades[limits.filter((limit) => p >= limit).length];
  const width = Math.max(...labels.map((l) => JSON.stringify(l).length));
  const lines = [`${' '.repeat(width + 1)}${labels.map((_, k) => String(k).padEnd(2)).join('')}`];
  map.forEach((weights, q) => {
    const cells = weights.map((p, k) => (k > q ? '··' : shade(p).repeat(2)));
    lines.push(`${JSON.stringify(labels[q]).padStart(width)} ${cells.join('')}  ${String(q).padStart(2)}`);
  });
  const legend = shades.map((s, i) => `'${s}' ≥ ${[0, ...limits][i].toFixed(2)}`).join('  ');
  lines.push(`shades: ${legend}  ·· future (masked)`);
  lines.push('weights (each row sums to 1):');
  for (const weights of map) lines.push(weights.map((p) => p.toFixed(2)).join(' '));
  return lines.map((line) => line.trimEnd()).join('\n');
}

/** The same map as an SVG: one square per (query, key), darker = more attention, token labels on both axes. */
function svgHeatmap(map, labels, title) {
  const cell = 40;
  const left = 130;
  const topMargin = 130;
  const n = labels.length;
  const size = (x) => x.toFixed(1);
  const esc = (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const label = (l) => esc(JSON.stringify(l));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + n * cell + 20}" height="${topMargin + n * cell + 20}" font-family="monospace" font-size="13">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15">${esc(title)}</text>`,
    `<text x="10" y="38" font-size="11" fill="#555555">row: query token · column: the key token it attends to</text>`,
  ];
  labels.forEach((l, i) => {
    const y = topMargin + i * cell + cell / 2 + 4;
    parts.push(`<text x="${left - 8}" y="${y}" text-anchor="end">${label(l)}</text>`);
    const x = left + i * cell + cell / 2 + 4;
    parts.push(`<text transform="translate(${x} ${topMargin - 8}) rotate(-60)">${label(l)}</text>`);
  });
  map.forEach((weights, q) => {
    weights.forEach((p, k) => {
      const x = left + k * cell;
      const y = topMargin + q * cell;
      const fill =
        k > q ? '#eeeeee' : `rgb(${size(255 - 222 * p)},${size(255 - 153 * p)},${size(255 - 75 * p)})`;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ffffff"/>`,
      );
      if (k <= q) {
        const ink = p > 0.5 ? '#ffffff' : '#000000';
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="11" fill="${ink}">${p.toFixed(2)}</text>`,
        );
      }
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
// #endregion
