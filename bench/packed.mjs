// Does the speed ship? Packs @gpt2js/tensor with `pnpm pack`, installs the tarball alone (gpu.js from the
// registry, nothing from the workspace) into a temp folder, and times the GPT-2 768×3072 webasm
// matrix-vector kernel from the tarball and from the workspace build in alternating processes
// (A B A B …), medians of each process's median. The tests check the same thing without timing (the two
// installs compile the same WebAssembly module: tests/pack-and-import.test.ts); this is the figure.
//
//   pnpm --filter @gpt2js/bench bench:packed        BENCH_ROUNDS=7 (processes per side)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './lib/machine.mjs';
import { fmt, median } from './lib/stats.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const work = mkdtempSync(join(tmpdir(), 'gpt2js-bench-packed-'));

try {
  execFileSync('pnpm', ['pack', '--pack-destination', work], {
    cwd: join(ROOT, 'packages/tensor'),
    stdio: 'pipe',
  });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack produced no tarball for @gpt2js/tensor');
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  execFileSync(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball)],
    { cwd: app, stdio: 'pipe', env: { ...process.env, npm_config_cache: join(work, 'npm-cache') } },
  );

  const probe = (from) => `import { benchmarkWebasmMatvec } from '${from}';
const r = benchmarkWebasmMatvec({ k: 768, n: 3072, runs: 60 });
console.log(JSON.stringify({ ms: r.medianMs, installed: r.codegen.installed, digest: r.moduleDigest }));`;
  writeFileSync(join(app, 'tarball.mjs'), probe('@gpt2js/tensor'));
  writeFileSync(join(app, 'workspace.mjs'), probe(join(ROOT, 'packages/tensor/dist/index.js')));
  const measure = (file) =>
    JSON.parse(
      execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' }).trim().split('\n').pop(),
    );

  const results = { tarball: [], workspace: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of ['tarball', 'workspace']) results[side].push(measure(`${side}.mjs`));
  }
  const ms = (side) => median(results[side].map((r) => r.ms));
  const digests = (side) => [...new Set(results[side].map((r) => r.digest))].join(', ');
  const m = machineInfo();
  console.log('## The speed ships: webasm 768×3072 matvec, packed tarball against the workspace\n');
  console.log(
    `${new Date().toISOString()} · ${m.cpu}, ${m.cores} cores · Node ${process.version} · ${rounds} alternating processes a side, 60 timed calls each, median of medians\n`,
  );
  console.log('| Install | fast path | module digest | ms a call | vs workspace |');
  console.log('| --- | --- | --- | ---: | ---: |');
  for (const side of ['workspace', 'tarball']) {
    const installed = results[side].every((r) => r.installed) ? 'yes' : 'NO';
    console.log(
      `| ${side} | ${installed} | ${digests(side)} | ${fmt(ms(side), 3)} | ${fmt(ms(side) / ms('workspace'), 2)}× |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
