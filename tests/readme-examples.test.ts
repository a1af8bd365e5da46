// Runs every README code block fenced as ```js runnable against the built packages, from the
// repository root (so examples may use paths like `models/gpt2-tiny`). Blocks are written next to
// apps/demo, whose dependencies include every package, so `import '@gpt2js/…'` resolves as for a user.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readmes = [
  'README.md',
  'packages/hub/README.md',
  'packages/tokenizer/README.md',
  'packages/tensor/README.md',
  'packages/sampling/README.md',
  'packages/gpt2/README.md',
  'apps/demo/README.md',
];
const scratch = join(root, 'apps/demo/.doc-examples');

interface Example {
  readme: string;
  line: number;
  code: string;
}

function runnableBlocks(readme: string): Example[] {
  let text: string;
  try {
    text = readFileSync(join(root, readme), 'utf8');
  } catch {
    return [];
  }
  const blocks: Example[] = [];
  const fence = /^```js runnable\s*\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    blocks.push({ readme, line: text.slice(0, m.index).split('\n').length, code: m[1] });
  }
  return blocks;
}

const examples = readmes.flatMap(runnableBlocks);
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README examples', () => {
  it('every publishable package README has at least one runnable example', () => {
    for (const readme of readmes.filter((r) => r.startsWith('packages/'))) {
      expect(examples.filter((e) => e.readme === readme).length, readme).toBeGreaterThan(0);
    }
  });

  it.each(examples.map((e) => [`${e.readme}:${e.line}`, e] as const))('%s runs', (_name, example) => {
    const file = join(scratch, `${example.readme.replaceAll('/', '_')}-${example.line}.mjs`);
    writeFileSync(file, example.code);
    try {
      execFileSync(process.execPath, [relative(root, file)], { cwd: root, stdio: 'pipe', timeout: 300_000 });
    } catch (error) {
      const e = error as { stderr?: Buffer; stdout?: Buffer };
      throw new Error(
        `${example.readme}:${example.line} failed:\n${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}`,
      );
    }
  });
});
