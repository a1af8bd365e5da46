// Runs the learner walkthrough (docs/walkthrough/walkthrough.mjs) as a user would: from the repository root,
// importing the built packages by name (from a scratch copy beside apps/demo, whose dependencies include every
// package, as readme-examples.test.ts does). Checks what it prints against independent sources (gpt2-tiny's
// PyTorch reference.json + reference.logits.bin, config.json, the safetensors header), and that
// docs/walkthrough/README.md and attention.svg show exactly this run's code and output, so stale docs fail CI.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const docs = join(root, 'docs/walkthrough');
const modelDir = join(root, 'models/gpt2-tiny');
const LOGIT_TOLERANCE = 1e-3; // reference.json tolerance.logits_abs

interface ReferenceCase {
  prompt: string;
  ids: number[];
  logits_offset_bytes: number;
  top20: [number, number][];
  greedy_ids: number[];
  greedy_text: string;
  greedy_margins: number[];
}
const reference: { vocab_size: number; tolerance: { logits_abs: number }; cases: ReferenceCase[] } =
  JSON.parse(readFileSync(join(modelDir, 'reference.json'), 'utf8'));
const PROMPT = "Hello, I'm a language model,";
const refCase = reference.cases.find((c) => c.prompt === PROMPT)!;

/** The reference's full last-position logits for the prompt, and their softmax in float64. */
function referenceDistribution(): { logits: Float32Array; probs: Float64Array } {
  const bin = readFileSync(join(modelDir, 'reference.logits.bin'));
  const logits = new Float32Array(reference.vocab_size);
  for (let i = 0; i < logits.length; i++) logits[i] = bin.readFloatLE(refCase.logits_offset_bytes + 4 * i);
  const max = Math.max(...logits);
  const exp = Float64Array.from(logits, (l) => Math.exp(l - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return { logits, probs: exp.map((e) => e / sum) };
}

/** `=== name ===` sections of the output (trailing whitespace of each line and of the section removed). */
function outputSections(stdout: string): Map<string, string> {
  const map = new Map<string, string>();
  const parts = stdout.split(/^=== (\S+) ===$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const body = parts[i + 1]!.split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
    map.set(parts[i]!, body.replace(/^\n+/, '').trimEnd());
  }
  return map;
}

/** The fenced blocks between `<!-- kind:name -->` and `<!-- /kind -->` markers of the README. */
function readmeBlocks(markdown: string, kind: string): Map<string, string> {
  const map = new Map<string, string>();
  const block = new RegExp(
    `<!-- ${kind}:(\\S+) -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /${kind} -->`,
    'g',
  );
  for (let m = block.exec(markdown); m; m = block.exec(markdown)) map.set(m[1]!, m[2]!);
  return map;
}

/** `// #region name` … `// #endregion` blocks of the script. */
function codeRegions(source: string): Map<string, string> {
  const map = new Map<string, string>();
  const region = /^\/\/ #region (\S+)\n([\s\S]*?)^\/\/ #endregion$/gm;
  for (let m = region.exec(source); m; m = region.exec(source)) map.set(m[1]!, m[2]!.trimEnd());
  return map;
}

const parseIds = (section: string): number[] => JSON.parse(/^ids: (\[.*\])$/m.exec(section)![1]!);

const scratch = join(root, 'apps/demo/.cache', `walkthrough-test-${process.pid}`);
const outDir = mkdtempSync(join(tmpdir(), 'gpt2js-walkthrough-'));
const svgOut = join(outDir, 'attention.svg');
let stdout = '';
let sections = new Map<string, string>();

beforeAll(() => {
  mkdirSync(scratch, { recursive: true });
  const copy = join(scratch, 'walkthrough.mjs');
  copyFileSync(join(docs, 'walkthrough.mjs'), copy);
  try {
    stdout = execFileSync(process.execPath, [relative(root, copy), svgOut], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 300_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    throw new Error(`docs/walkthrough/walkthrough.mjs failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
  sections = outputSections(stdout);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

describe('GPT-2 walkthrough (docs/walkthrough)', () => {
  it('prints the steps in order', () => {
    expect([...sections.keys()]).toEqual([
      'config',
      'model',
      'tokenize',
      'forward',
      'greedy',
      'sampling',
      'pipeline',
      'attention',
    ]);
  });

  it('prints config.json as Hugging Face prints a config: GPT2Config and sorted JSON', () => {
    const printed = sections.get('config')!;
    expect(printed.startsWith('GPT2Config {\n')).toBe(true);
    const json = JSON.parse(printed.slice('GPT2Config '.length)) as Record<string, unknown>;
    expect(json).toEqual(JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')));
    expect(Object.keys(json)).toEqual(Object.keys(json).sort());
  });

  it('prints the module tree and the parameter count of the safetensors file', () => {
    const printed = sections.get('model')!;
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    const file = readFileSync(join(modelDir, 'model.safetensors'));
    const header: Record<string, { shape: number[] }> = JSON.parse(
      file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8'),
    );
    const params = Object.entries(header)
      .filter(([name]) => name !== '__metadata__' && !/\.attn\.(masked_)?bias$/.test(name))
      .reduce((sum, [, t]) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(printed).toMatch(new RegExp(`^num_parameters: ${params} on backend: webasm$`, 'm'));
    expect(printed).toContain(`(wte): Embedding(${config.vocab_size}, ${config.n_embd})`);
    expect(printed).toContain(`(wpe): Embedding(${config.n_positions}, ${config.n_embd})`);
    expect(printed).toContain(`(0-${config.n_layer - 1}): ${config.n_layer} x GPT2Block(`);
    expect(printed).toContain(`(c_attn): Conv1D(nf=${3 * config.n_embd}, nx=${config.n_embd})`);
    expect(printed).toContain(
      `(lm_head): Linear(in_features=${config.n_embd}, out_features=${config.vocab_size}, bias=False)`,
    );
    expect(printed).toMatch(new RegExp(`^Total +${params.toLocaleString('en-US')}$`, 'm'));
  });

  it('tokenizes the sentence into the reference ids', () => {
    const printed = sections.get('tokenize')!;
    expect(parseIds(printed)).toEqual(refCase.ids);
    const tokens: string[] = JSON.parse(/^tokens: (\[.*\])$/m.exec(printed)![1]!);
    expect(tokens.join('').replaceAll('Ġ', ' ')).toBe(PROMPT);
    const pieces = [...printed.matchAll(/^ *(\d+) (".*")$/gm)].map((m) => [Number(m[1]), JSON.parse(m[2]!)]);
    expect(pieces.map(([id]) => id)).toEqual(refCase.ids);
    expect(pieces.map(([, text]) => text).join('')).toBe(PROMPT);
  });

  it('shows the top next tokens with the reference logits and probabilities', () => {
    const printed = sections.get('forward')!;
    expect(printed).toContain('logits shape: [1,50257]');
    const rows = [...printed.matchAll(/^ +(\d+) +(\d+) +(".*?") +(-?\d+\.\d{4}) +(\d\.\d{4})$/gm)].map(
      (m) => ({
        rank: Number(m[1]),
        id: Number(m[2]),
        logit: Number(m[4]),
        prob: Number(m[5]),
      }),
    );
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The reference's top 10 logits are all more than the tolerance apart, so the order is fixed.
    expect(rows.map((r) => r.id)).toEqual(refCase.top20.slice(0, 10).map(([id]) => id));
    const { logits, probs } = referenceDistribution();
    for (const r of rows) {
      expect(Math.abs(r.logit - logits[r.id]!)).toBeLessThanOrEqual(LOGIT_TOLERANCE + 5e-5);
      expect(Math.abs(r.prob - probs[r.id]!)).toBeLessThanOrEqual(2e-4);
    }
  });

  it('continues greedily as the PyTorch reference does', () => {
    const printed = sections.get('greedy')!;
    const ids = parseIds(printed);
    expect(ids.length).toBe(refCase.greedy_ids.length);
    // A step whose top-2 margin is within the tolerance is a near-tie: either token is right, stop comparing.
    let agreed = 0;
    for (let i = 0; i < ids.length; i++) {
      if (refCase.greedy_margins[i]! <= reference.tolerance.logits_abs) break;
      expect(ids[i], `greedy token ${i}`).toBe(refCase.greedy_ids[i]);
      agreed++;
    }
    if (agreed === ids.length) expect(printed.startsWith(PROMPT + refCase.greedy_text)).toBe(true);
    expect(printed).toMatch(/^finish reason: length$/m);
  });

  it('samples three continuations of the prompt, and the pipeline five', () => {
    const sampled = [...sections.get('sampling')!.matchAll(/^(\d) (length|eos) (".*")$/gm)];
    expect(sampled.map((m) => Number(m[1]))).toEqual([0, 1, 2]);
    for (const m of sampled) expect(JSON.parse(m[3]!).startsWith(PROMPT)).toBe(true);
    const greedyText = PROMPT + refCase.greedy_text;
    expect(sampled.some((m) => !greedyText.startsWith(JSON.parse(m[3]!)))).toBe(true); // not greedy in disguise

    const pipelined = sections.get('pipeline')!.split('\n');
    const defaults = JSON.parse(/^defaults from the model files: (.*)$/.exec(pipelined[0]!)![1]!);
    expect(defaults).toMatchObject({ eos_token_id: 50256, do_sample: true, max_length: 50 });
    expect(pipelined.slice(1).map((line) => (JSON.parse(line) as string).startsWith(PROMPT))).toEqual(
      Array(5).fill(true),
    );
  });

  it('shows a causal attention map whose rows sum to 1, as text and as SVG', () => {
    const printed = sections.get('attention')!;
    const T = refCase.ids.length;
    const weights = printed
      .slice(printed.indexOf('weights (each row sums to 1):\n') + 'weights (each row sums to 1):\n'.length)
      .split('\n')
      .map((line) => line.split(' ').map(Number));
    expect(weights.length).toBe(T);
    weights.forEach((row, q) => {
      expect(row.length).toBe(T);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(0.005 * T);
      for (let k = q + 1; k < T; k++) expect(row[k], `future position ${k} of query ${q}`).toBe(0);
    });
    expect(weights[0]![0]).toBe(1); // the first token can only attend to itself
    const heatRows = printed.split('\n').filter((line) => /^ *".*" [ ░▒▓█·]+ +\d+$/.test(line));
    expect(heatRows.length).toBe(T);
    const svg = readFileSync(svgOut, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)?.length).toBe(T * T);
    expect(svg).toContain('<title>gpt2-tiny attention, layer 3, head 1</title>');
  });

  it('README.md shows exactly the code and the output of this run (re-run render.mjs after changes)', () => {
    const markdown = readFileSync(join(docs, 'README.md'), 'utf8');
    const hint = 'docs/walkthrough is stale: run `node docs/walkthrough/render.mjs` and commit the result';
    expect(Object.fromEntries(readmeBlocks(markdown, 'output')), hint).toEqual(Object.fromEntries(sections));
    const regions = codeRegions(readFileSync(join(docs, 'walkthrough.mjs'), 'utf8'));
    expect(Object.fromEntries(readmeBlocks(markdown, 'code')), hint).toEqual(Object.fromEntries(regions));
    expect(readFileSync(join(docs, 'attention.svg'), 'utf8'), hint).toBe(readFileSync(svgOut, 'utf8'));
    expect(markdown).toContain('](attention.svg)');
  });
});
