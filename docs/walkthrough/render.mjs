#!/usr/bin/env node
// Keeps docs/walkthrough/README.md true: runs walkthrough.mjs and splices each step's code (its `#region`)
// and the output it printed (its `=== step ===` section) into the document between markers
//   <!-- code:STEP --> … <!-- /code -->   and   <!-- output:STEP --> … <!-- /output -->
// and writes attention.svg. The built packages must exist (`pnpm build`). From the repository root:
//   node docs/walkthrough/render.mjs          regenerate README.md and attention.svg
//   node docs/walkthrough/render.mjs --check  exit 1 when either is stale (tests/walkthrough.test.ts does the same)
//   node docs/walkthrough/render.mjs --run    just run the walkthrough in the terminal (writes attention.svg)
// The script imports the packages by name, so it runs from a scratch copy beside apps/demo, whose
// dependencies include every package (as the README doc test does); the working directory stays the root.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const here = import.meta.dirname;
const root = resolve(here, '../..');
const script = join(here, 'walkthrough.mjs');
const readmePath = join(here, 'README.md');
const svgPath = join(here, 'attention.svg');

/** Runs walkthrough.mjs from the repository root; returns its stdout (or inherits stdio when `print`). */
function runWalkthrough(svgOut, print = false) {
  const scratch = join(root, 'apps/demo/.cache', `walkthrough-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  try {
    const copy = join(scratch, 'walkthrough.mjs');
    copyFileSync(script, copy);
    const args = [relative(root, copy), relative(root, svgOut)];
    return execFileSync(process.execPath, args, {
      cwd: root,
      encoding: 'utf8',
      stdio: print ? 'inherit' : ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `=== name ===` sections of the output, trailing whitespace removed. */
function outputSections(stdout) {
  const map = new Map();
  const parts = stdout.split(/^=== (\S+) ===$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const body = parts[i + 1]
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
    map.set(parts[i], body.replace(/^\n+/, '').trimEnd());
  }
  return map;
}

/** `// #region name` … `// #endregion` blocks of the script. */
function codeRegions(source) {
  const map = new Map();
  const region = /^\/\/ #region (\S+)\n([\s\S]*?)^\/\/ #endregion$/gm;
  for (let m = region.exec(source); m; m = region.exec(source)) map.set(m[1], m[2].trimEnd());
  return map;
}

/** Replaces every `<!-- kind:name -->…<!-- /kind -->` with the named block in a fence. */
function splice(markdown, kind, blocks, fence) {
  const used = new Set();
  const marker = new RegExp(`<!-- ${kind}:(\\S+) -->[\\s\\S]*?<!-- /${kind} -->`, 'g');
  const out = markdown.replace(marker, (_, name) => {
    const block = blocks.get(name);
    if (block === undefined)
      throw new Error(`README.md has <!-- ${kind}:${name} --> but the walkthrough has no such ${kind}`);
    used.add(name);
    return `<!-- ${kind}:${name} -->\n\`\`\`${fence}\n${block}\n\`\`\`\n<!-- /${kind} -->`;
  });
  const missing = [...blocks.keys()].filter((name) => !used.has(name));
  if (missing.length > 0)
    throw new Error(`README.md lacks <!-- ${kind}:NAME --> markers for: ${missing.join(', ')}`);
  return out;
}

/** The README as it should be for this output. */
function render(markdown, stdout) {
  const code = splice(markdown, 'code', codeRegions(readFileSync(script, 'utf8')), 'js');
  return splice(code, 'output', outputSections(stdout), 'text');
}

const mode = process.argv[2];
if (mode === '--run') {
  runWalkthrough(svgPath, true);
} else if (mode === '--check') {
  const dir = mkdtempSync(join(tmpdir(), 'walkthrough-'));
  try {
    const freshSvg = join(dir, 'attention.svg');
    const markdown = readFileSync(readmePath, 'utf8');
    const stale = [];
    if (render(markdown, runWalkthrough(freshSvg)) !== markdown) stale.push('README.md');
    if (readFileSync(freshSvg, 'utf8') !== readFileSync(svgPath, 'utf8')) stale.push('attention.svg');
    if (stale.length > 0) {
      console.error(
        `docs/walkthrough: ${stale.join(' and ')} out of date; run node docs/walkthrough/render.mjs`,
      );
      process.exit(1);
    }
    console.log('docs/walkthrough is up to date');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else if (mode === undefined) {
  const stdout = runWalkthrough(svgPath);
  writeFileSync(readmePath, render(readFileSync(readmePath, 'utf8'), stdout));
  console.log(`updated ${relative(root, readmePath)} and ${relative(root, svgPath)}`);
} else {
  console.error('usage: node docs/walkthrough/render.mjs [--check | --run]');
  process.exit(2);
}
