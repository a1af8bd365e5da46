// Packs every publishable package with `pnpm pack`, installs each tarball (with the tarballs of the
// workspace packages it depends on, nothing else from the workspace) into a throwaway project outside
// the repository, and imports it with plain Node resolution: how users take the packages one by one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const publishable = ['hub', 'tokenizer', 'tensor', 'sampling', 'gpt2'] as const;
type Name = (typeof publishable)[number];

const work = mkdtempSync(join(tmpdir(), 'gpt2js-pack-'));
const tarballs = new Map<Name, string>();

function manifest(name: Name): { version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
}

/** The workspace packages `name` needs, transitively, itself included. */
function closure(name: Name, seen = new Set<Name>()): Set<Name> {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(manifest(name).dependencies ?? {})) {
    const short = dep.replace('@gpt2js/', '') as Name;
    if (dep.startsWith('@gpt2js/') && publishable.includes(short)) closure(short, seen);
  }
  return seen;
}

const installed = new Map<Name, string>();

function installAlone(name: Name): string {
  const done = installed.get(name);
  if (done) return done;
  const dir = join(work, `use-${name}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `use-${name}`, private: true, type: 'module' }),
  );
  const files = [...closure(name)].map((n) => tarballs.get(n)!);
  // --ignore-scripts: the optional native `gl` build is not what this test is about.
  execFileSync(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...files],
    {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, npm_config_cache: join(work, 'npm-cache') },
    },
  );
  installed.set(name, dir);
  return dir;
}

function runIn(dir: string, code: string): string {
  writeFileSync(join(dir, 'probe.mjs'), code);
  return execFileSync(process.execPath, ['probe.mjs'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, MODEL_DIR: join(root, 'models/gpt2-tiny') },
  });
}

const reference = JSON.parse(readFileSync(join(root, 'models/gpt2-tiny/reference.json'), 'utf8'));
const case0 = reference.cases[0];

/** What each package must do when installed alone: real work, checked against independent values. */
const probes: Record<Name, { code: string; expected: unknown }> = {
  hub: {
    code: `import { openModelFile } from '@gpt2js/hub';
const f = await openModelFile(process.env.MODEL_DIR, 'config.json');
const c = await f.json(); await f.close();
console.log(JSON.stringify([c.n_embd, c.n_layer, c.vocab_size]));`,
    expected: [128, 4, 50257],
  },
  tokenizer: {
    code: `import { GPT2Tokenizer } from '@gpt2js/tokenizer';
const t = await GPT2Tokenizer.fromPretrained(process.env.MODEL_DIR);
console.log(JSON.stringify(t.encode(${JSON.stringify(case0.prompt)})));`,
    expected: case0.ids,
  },
  tensor: {
    code: `import { createBackend, linear } from '@gpt2js/tensor';
const b = await createBackend({ backend: 'webasm' });
const x = b.tensor(new Float32Array([1, 2]), [1, 2]);
const w = b.weight(new Float32Array([1, 0, 3, 0, 1, 4]), [2, 3]);
const bias = b.tensor(new Float32Array([0.5, 0.5, 0.5]), [3]);
console.log(JSON.stringify(Array.from(await linear(x, w, bias).toArray())));
b.dispose();`,
    expected: [1.5, 2.5, 11.5],
  },
  sampling: {
    code: `import { runGeneration, stepLogitsFromArrays } from '@gpt2js/sampling';
// A toy model whose next token is always (last id + 1) mod 5.
const model = { vocabSize: 5, maxLength: 64, createSession() {
  let length = 0;
  return { get length() { return length; }, reorder() {}, dispose() {},
    async forward(ids) { length += ids[0].length; const last = ids[0][ids[0].length - 1];
      const row = new Float32Array(5); row[(last + 1) % 5] = 1; return stepLogitsFromArrays([row]); } };
} };
const r = await runGeneration(model, [2], { max_new_tokens: 4 });
console.log(JSON.stringify(r.sequences[0]));`,
    expected: [2, 3, 4, 0, 1],
  },
  gpt2: {
    code: `import { GPT2LMHeadModel } from '@gpt2js/gpt2';
const model = await GPT2LMHeadModel.fromPretrained(process.env.MODEL_DIR, { backend: 'webasm' });
const { logits } = await model.forward({ inputIds: [${JSON.stringify(case0.ids)}] });
const values = await logits.toArray();
let best = 0; for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
console.log(JSON.stringify(best)); model.dispose();`,
    expected: case0.top20[0][0],
  },
};

beforeAll(() => {
  const out = join(work, 'tarballs');
  mkdirSync(out);
  for (const name of publishable) {
    execFileSync('pnpm', ['pack', '--pack-destination', out], {
      cwd: join(root, 'packages', name),
      stdio: 'pipe',
    });
    const { version } = manifest(name);
    const file = `gpt2js-${name}-${version}.tgz`;
    if (!readdirSync(out).includes(file))
      throw new Error(`pnpm pack produced no ${file} for @gpt2js/${name}`);
    tarballs.set(name, join(out, file));
  }
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(publishable)('@gpt2js/%s packed and installed alone', (name) => {
  it('ships only dist, README and CHANGELOG, with types, and no workspace: ranges', () => {
    const list = execFileSync('tar', ['-tzf', tarballs.get(name)!], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const top = new Set(list.map((p) => p.replace(/^package\//, '').split('/')[0]));
    for (const entry of top)
      expect(['dist', 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']).toContain(entry);
    expect(list).toContain('package/dist/index.js');
    expect(list).toContain('package/dist/index.d.ts');
    expect(list.some((p) => p.includes('/test/') || p.endsWith('.test.js'))).toBe(false);
    const packed = execFileSync('tar', ['-xzOf', tarballs.get(name)!, 'package/package.json'], {
      encoding: 'utf8',
    });
    expect(packed).not.toContain('workspace:');
  });

  it('imports with plain Node resolution and exposes its public API', () => {
    const dir = installAlone(name);
    const out = runIn(
      dir,
      `const m = await import('@gpt2js/${name}');\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`,
    );
    const exported: string[] = JSON.parse(out.trim().split('\n').pop()!);
    expect(exported.length).toBeGreaterThan(0);
    expect(exported).toMatchSnapshot();
    const probe = runIn(dir, probes[name].code);
    expect(JSON.parse(probe.trim().split('\n').pop()!)).toEqual(probes[name].expected);
  });
});

describe('the fast WebAssembly path ships in the packed @gpt2js/tensor', () => {
  it('compiles the same kernel module from the tarball installed alone as from the workspace', () => {
    const dir = installAlone('tensor');
    const code = (from: string) => `import { benchmarkWebasmMatvec } from '${from}';
const r = benchmarkWebasmMatvec({ k: 768, n: 3072, runs: 5 });
console.log(JSON.stringify({ err: r.maxRelativeError, codegen: r.codegen, digest: r.moduleDigest }));`;
    const measure = (from: string) => JSON.parse(runIn(dir, code(from)).trim().split('\n').pop()!);
    const tarball = measure('@gpt2js/tensor');
    const workspace = measure(join(root, 'packages/tensor/dist/index.js'));
    // No timing: the same generated WebAssembly module is the same machine code, so equal digests
    // mean the tarball runs exactly the workspace's fast kernel (the stock module, had the extension
    // not shipped, has another digest: test/codegen/benchmark.test.ts in the tensor package).
    expect(tarball.codegen.installed, tarball.codegen.reason).toBe(true);
    expect(tarball.codegen.version).toBe('2.24.1');
    expect(tarball.err).toBeLessThan(1e-5);
    expect(workspace.codegen.installed, workspace.codegen.reason).toBe(true);
    expect(tarball.digest).toMatch(/^[0-9a-f]{8}:[1-9][0-9]*$/);
    expect(tarball.digest).toBe(workspace.digest);
  });
});
