// `pnpm bench`: encode / decode / count throughput (MB/s of UTF-8 input) of gpt2js against gpt-tokenizer,
// tiktoken (WASM) and js-tiktoken on ~1 MB of English prose and ~1 MB of mixed-script text, warm (text seen,
// caches full, best of interleaved rounds) and cold (median of fresh processes each encoding the text once),
// plus the time to load each tokenizer. Ratios are against gpt-tokenizer measured in the same run.
// Decode times include flattening the returned string (see below). BENCH_ROUNDS / BENCH_COLD_RUNS tune the
// number of warm rounds and cold processes.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIBS, type Lib, type LibName, loadLib, modelDir } from './libs.js';
import { englishText, mixedText } from './texts.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const COLD_RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 3);
const BASELINE: LibName = 'gpt-tokenizer';

let checksum = 0; // keeps the flattening read from being optimised away
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

const vocab = JSON.parse(readFileSync(join(modelDir(), 'vocab.json'), 'utf8')) as Record<string, number>;
const english = englishText(vocab);
const texts = { english, mixed: mixedText(english) };
const outDir = join(import.meta.dirname, 'texts');
mkdirSync(outDir, { recursive: true });
const sizes: Record<string, number> = {};
for (const [name, text] of Object.entries(texts)) {
  writeFileSync(join(outDir, `${name}.txt`), text);
  sizes[name] = Buffer.byteLength(text);
}

type Row = { text: string; op: string; values: Partial<Record<LibName, number>>; unit: 'MB/s' | 'ms' };
const rows: Row[] = [];

console.log(`node ${process.version}, ${ROUNDS} warm rounds, ${COLD_RUNS} cold processes per figure`);
for (const [name, text] of Object.entries(texts)) {
  console.log(`${name}: ${(sizes[name] / 1e6).toFixed(2)} MB UTF-8, ${text.length} UTF-16 units`);
}

// Cold: fresh processes, libraries interleaved so that machine noise hits them alike.
const load: Partial<Record<LibName, number[]>> = {};
for (const [name] of Object.entries(texts)) {
  const cold: Partial<Record<LibName, number[]>> = {};
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const lib of LIBS) {
      const out = execFileSync(
        process.execPath,
        [join(import.meta.dirname, 'child.js'), lib, join(outDir, `${name}.txt`)],
        {
          encoding: 'utf8',
        },
      );
      const { loadMs, encodeMs } = JSON.parse(out) as { loadMs: number; encodeMs: number };
      (cold[lib] ??= []).push(encodeMs);
      (load[lib] ??= []).push(loadMs);
    }
  }
  rows.push({
    text: name,
    op: 'encode, cold',
    unit: 'MB/s',
    values: Object.fromEntries(LIBS.map((lib) => [lib, mbps(sizes[name], median(cold[lib]!))])),
  });
}

// Warm: one process, each library encodes / decodes the text ROUNDS times, interleaved; best round counts.
const libs = {} as Record<LibName, Lib>;
for (const lib of LIBS) libs[lib] = await loadLib(lib);
const reference = libs['js-tiktoken'];
for (const [name, text] of Object.entries(texts)) {
  const ids = {} as Record<LibName, ArrayLike<number>>;
  for (const lib of LIBS) ids[lib] = libs[lib].encode(text);
  const expected = Array.from(reference.encode(text));
  const ours = Array.from(ids['gpt2js']);
  const identical = ours.length === expected.length && ours.every((id, k) => id === expected[k]);
  console.log(
    `${name}: ${ours.length} tokens; gpt2js ids identical to js-tiktoken: ${identical ? 'yes' : 'NO'}`,
  );
  for (const op of ['encode', 'decode', 'count'] as const) {
    const times: Partial<Record<LibName, number[]>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const lib of LIBS) {
        const l = libs[lib];
        if (op === 'count' && l.count === undefined) continue;
        const t0 = performance.now();
        if (op === 'encode') l.encode(text);
        // Reading one character flattens a string built by concatenation (a rope): any use of the text
        // pays that, so the decode figure includes it for every library.
        else if (op === 'decode') checksum += l.decode(ids[lib]).charCodeAt(sizes[name] >> 2) | 0;
        else l.count!(text);
        (times[lib] ??= []).push(performance.now() - t0);
      }
    }
    rows.push({
      text: name,
      op: `${op === 'count' ? 'countTokens' : op}, warm`,
      unit: 'MB/s',
      values: Object.fromEntries(
        Object.entries(times).map(([lib, ts]) => [lib, mbps(sizes[name], Math.min(...(ts as number[])))]),
      ),
    });
  }
}
for (const lib of LIBS) libs[lib].free?.();
rows.push({
  text: '-',
  op: 'load (import + build), cold',
  unit: 'ms',
  values: Object.fromEntries(LIBS.map((lib) => [lib, median(load[lib]!)])),
});

// Table: value (ratio against gpt-tokenizer; for load times, how many times faster).
const header = ['text', 'operation', ...LIBS.map((l) => (l === BASELINE ? `${l} (baseline)` : l))];
const lines = rows.map((row) => {
  const base = row.values[BASELINE];
  return [
    row.text,
    `${row.op} (${row.unit})`,
    ...LIBS.map((lib) => {
      const v = row.values[lib];
      if (v === undefined) return 'n/a';
      const shown = row.unit === 'ms' ? v.toFixed(0) : v.toFixed(1);
      if (lib === BASELINE || base === undefined) return shown;
      const ratio = row.unit === 'ms' ? base / v : v / base;
      return `${shown} (${ratio.toFixed(2)}×)`;
    }),
  ];
});
console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`);
for (const line of lines) console.log(`| ${line.join(' | ')} |`);
console.log(
  '\nRatios are against gpt-tokenizer in this run (higher is faster; for load, baseline time / time).',
);
console.log(`(decode checksum ${checksum})`);
