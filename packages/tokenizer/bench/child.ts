// One cold measurement in a fresh process: load a tokenizer, then encode a text once (caches empty,
// code not yet optimised). Prints {"loadMs", "encodeMs", "tokens"} as JSON.
// Usage: node child.js <lib> <text file>

import { readFileSync } from 'node:fs';
import { type LibName, loadLib } from './libs.js';

const [name, file] = process.argv.slice(2) as [LibName, string];
const text = readFileSync(file, 'utf8');
const t0 = performance.now();
const lib = await loadLib(name);
const t1 = performance.now();
const ids = lib.encode(text);
const t2 = performance.now();
lib.free?.();
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, encodeMs: t2 - t1, tokens: ids.length }));
