// Transpiles src/**/*.ts into a temp folder as plain ESM JavaScript, so child processes (plain `node`) can
// import the package without a build step.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const SRC = join(import.meta.dirname, '../../src');

export async function transpileSources(outDir: string): Promise<string> {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true });
    const nested = await Promise.all(
      entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
    );
    return nested.flat().filter((f) => f.endsWith('.ts'));
  };
  for (const file of await walk(SRC)) {
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const out = join(outDir, relative(SRC, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, outputText);
  }
  await writeFile(join(outDir, 'package.json'), '{"type":"module"}');
  return join(outDir, 'index.js');
}
