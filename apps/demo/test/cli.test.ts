// The real `gpt2js` binary on the embedded model: greedy --json against the PyTorch reference,
// streamed text, stdin prompts, --config / --summary printouts, and one-line errors.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonOutput } from '../src/json-output.js';
import { loadReference, type ReferenceCase, referenceLogits } from './fixtures.js';
import { runCli } from './run-cli.js';

const ref = loadReference();
const TOL = ref.tolerance.logits_abs;
const EOS = 50256;

/** The reference greedy ids our run must reproduce: up to the first near-tie, and up to EOS (generation stops there). */
function expectedGreedy(c: ReferenceCase): { ids: number[]; exact: boolean } {
  const ids: number[] = [];
  for (let i = 0; i < c.greedy_ids.length; i++) {
    if (c.greedy_margins[i] <= TOL) return { ids, exact: false };
    ids.push(c.greedy_ids[i]);
    if (c.greedy_ids[i] === EOS) break;
  }
  return { ids, exact: true };
}

function parseJson(stdout: string): JsonOutput {
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as JsonOutput;
}

describe('gpt2js --greedy --json on the embedded model', () => {
  it.concurrent.each(ref.cases.map((c, i) => [i, c.prompt, c] as const))(
    'case %i %j equals the PyTorch reference',
    async (_, __, c) => {
      const run = await runCli([
        '--greedy',
        '--json',
        '--max-new-tokens',
        String(c.greedy_ids.length),
        c.prompt,
      ]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.code).toBe(0);
      const out = parseJson(run.stdout);
      expect(out.prompt).toBe(c.prompt);
      expect(out.prompt_ids).toEqual(c.ids);

      const expected = expectedGreedy(c);
      expect(out.generated_ids.slice(0, expected.ids.length)).toEqual(expected.ids);
      if (expected.exact) {
        expect(out.generated_ids).toEqual(expected.ids);
        expect(out.finish_reason).toBe(expected.ids.at(-1) === EOS ? 'eos' : 'length');
        if (!expected.ids.includes(EOS)) expect(out.generated_text).toBe(c.greedy_text);
        else expect(out.generated_text).toBe(c.greedy_text.slice(0, c.greedy_text.indexOf('<|endoftext|>')));
      }
      expect(out.steps).toHaveLength(out.generated_ids.length);

      // steps[0]: the 20 highest raw logits at the prompt's last position.
      const top = out.steps[0].top;
      const logits = referenceLogits(ref, c);
      expect(top).toHaveLength(20);
      top.forEach(([id, logit], i) => {
        expect(Math.abs(logit - c.top20[i][1])).toBeLessThanOrEqual(TOL);
        expect(Math.abs(logit - logits[id])).toBeLessThanOrEqual(TOL);
      });
      // every later step's best raw logit is the token greedy took
      expect(out.steps.map((s) => s.top[0][0])).toEqual(out.generated_ids);

      expect(Math.abs(out.prompt_logprob - c.prompt_logprob)).toBeLessThanOrEqual(TOL);
      expect(['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu']).toContain(out.backend);
      expect(out.timings.load_ms).toBeGreaterThan(0);
      expect(out.timings.prefill_ms).toBeGreaterThan(0);
      expect(out.timings.decode_tokens_per_s).toBeGreaterThanOrEqual(0);
    },
  );
});

describe('gpt2js --kv-cache f16', () => {
  it('caches halves on webasm: the prompt log-probability moves, within 5e-3 a token of the reference', async () => {
    const c = ref.cases[0];
    const args = ['--greedy', '--json', '-n', '2', '-b', 'webasm', c.prompt];
    const [half, full] = await Promise.all([runCli(['--kv-cache', 'f16', ...args]), runCli(args)]);
    expect(half.code).toBe(0);
    expect(full.code).toBe(0);
    const a = parseJson(half.stdout);
    const b = parseJson(full.stdout);
    expect(Math.abs(a.prompt_logprob - c.prompt_logprob)).toBeLessThanOrEqual(5e-3 * c.ids.length);
    expect(Math.abs(b.prompt_logprob - c.prompt_logprob)).toBeLessThanOrEqual(TOL);
    expect(a.prompt_logprob).not.toBe(b.prompt_logprob);
  });
});

describe('gpt2js text output', () => {
  it('streams the prompt and the greedy continuation to stdout, stats to stderr', async () => {
    const c = ref.cases[1];
    const run = await runCli(['--greedy', '-n', String(c.greedy_ids.length), c.prompt]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${c.prompt}${c.greedy_text}\n`);
    expect(run.stderr).toMatch(/^40 tokens · time to first token \d+ ms · [\d.]+ tokens\/s · \w+ f32$/m);
    expect(run.stderr).not.toContain('\x1b['); // stderr is not a terminal: no bar
  });

  it('reads the prompt from stdin exactly, newline included', async () => {
    const c = ref.cases.find((x) => x.prompt.includes('\n'))!;
    const run = await runCli(['--greedy', '--json', '-n', '2'], { input: c.prompt });
    expect(run.code).toBe(0);
    const out = parseJson(run.stdout);
    expect(out.prompt).toBe(c.prompt);
    expect(out.prompt_ids).toEqual(c.ids);
    expect(out.generated_ids).toEqual(c.greedy_ids.slice(0, 2));
  });

  it('keeps tabs and trailing newlines of a stdin prompt, as the same prompt given as an argument', async () => {
    const prompt = 'name\tvalue\n\tindented line\n\n';
    const [fromStdin, fromArg] = await Promise.all([
      runCli(['--greedy', '--json', '-n', '1'], { input: prompt }),
      runCli(['--greedy', '--json', '-n', '1', prompt]),
    ]);
    const a = parseJson(fromStdin.stdout);
    const b = parseJson(fromArg.stdout);
    expect(a.prompt).toBe(prompt);
    expect(a.prompt_ids).toEqual(b.prompt_ids);
    expect(a.generated_ids).toEqual(b.generated_ids);
    // js-tiktoken gpt2: 'name', '\t', 'value', '\n', '\t', 'ind', 'ented', ' line', '\n\n' (GPT-2 BPE)
    expect(a.prompt_ids).toEqual([3672, 197, 8367, 198, 197, 521, 4714, 1627, 628]);
  });
});

describe('gpt2js --config and --summary', () => {
  it('--config prints the GPT2Config as Hugging Face prints it', async () => {
    const run = await runCli(['--config']);
    expect(run.code).toBe(0);
    // python3: 'GPT2Config ' + json.dumps(json.load(open('config.json')), indent=2, sort_keys=True),
    // which is transformers' PretrainedConfig.__repr__ of a config saved by save_pretrained.
    expect(run.stdout).toBe(`GPT2Config {
  "activation_function": "gelu_new",
  "architectures": [
    "GPT2LMHeadModel"
  ],
  "attn_pdrop": 0.1,
  "bos_token_id": 50256,
  "embd_pdrop": 0.1,
  "eos_token_id": 50256,
  "initializer_range": 0.02,
  "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2",
  "n_ctx": 256,
  "n_embd": 128,
  "n_head": 4,
  "n_inner": null,
  "n_layer": 4,
  "n_positions": 256,
  "reorder_and_upcast_attn": false,
  "resid_pdrop": 0.1,
  "scale_attn_by_inverse_layer_idx": false,
  "scale_attn_weights": true,
  "summary_activation": null,
  "summary_first_dropout": 0.1,
  "summary_proj_to_labels": true,
  "summary_type": "cls_index",
  "summary_use_proj": true,
  "task_specific_params": {
    "text-generation": {
      "do_sample": true,
      "max_length": 50
    }
  },
  "torch_dtype": "float32",
  "transformers_version": "4.38.2",
  "use_cache": true,
  "vocab_size": 50257
}
`);
  });

  it('--summary prints the module tree and the parameter count 7,259,008', async () => {
    const run = await runCli(['--summary']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('7,259,008');
    expect(run.stdout).toContain(
      'GPT2LMHeadModel(\n  (transformer): GPT2Model(\n    (wte): Embedding(50257, 128)',
    );
    expect(run.stdout).toContain('(0-3): 4 x GPT2Block(');
    expect(run.stdout).toContain('(c_attn): Conv1D(nf=384, nx=128)');
  });
});

describe('gpt2js errors: one line on stderr, non-zero exit, no stack trace', () => {
  const offline = { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: mkdtempSync(join(tmpdir(), 'gpt2js-cli-cache-')) };
  it.concurrent.each([
    ['unknown hub model', ['--model', 'nobody-here/no-such-model', 'Hi'], offline, 1, /no-such-model/],
    [
      'missing local model',
      ['--model', './no/such/dir', 'Hi'],
      {},
      1,
      /--model \.\/no\/such\/dir: no such directory/,
    ],
    ['bad option value', ['--top-p', '2', 'Hi'], {}, 2, /--top-p must be a number in \(0, 1\], got "2"/],
    ['unknown option', ['--frobnicate', 'Hi'], {}, 2, /unknown option --frobnicate/],
    [
      'prompt longer than the context',
      ['the '.repeat(300)],
      {},
      1,
      /the prompt is 301 tokens and the model's context holds 256 \(n_positions\)/,
    ],
  ] as const)('%s', async (_, args, env, code, message) => {
    const run = await runCli([...args], { env });
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gpt2js: /);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
