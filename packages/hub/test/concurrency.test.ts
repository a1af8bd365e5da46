// Two `node` processes load the same model into one empty cache at the same time (the CDN holds both
// responses until both are in flight, so the downloads truly overlap): both succeed with the right bytes,
// and the cache ends with one intact blob per file, valid links and no temp files.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, removeTempDirs, tempDir } from './helpers/fs-tree.js';
import { COMMIT, type HubServer, startHub } from './helpers/hub-server.js';
import { transpileSources } from './helpers/transpile.js';

let hub: HubServer;
let entry: string;
beforeAll(async () => {
  hub = await startHub();
  entry = pathToFileURL(await transpileSources(await tempDir('gpt2js-hub-js-'))).href;
});
afterAll(async () => {
  await hub.close();
  await removeTempDirs();
});

function runChild(cacheDir: string): Promise<Record<string, { size: number; sha256: string }>> {
  const script = join(import.meta.dirname, 'helpers/child-load.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, entry, hub.endpoint, cacheDir, 'test/barrier'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${code}: ${err}`)),
    );
  });
}

describe('two processes, one empty cache', () => {
  it('both succeed and leave one intact copy', async () => {
    const cacheDir = await tempDir();
    const start = hub.requests.length;
    const [a, b] = await Promise.all([runChild(cacheDir), runChild(cacheDir)]);
    const lfs = hub.files.get('model.safetensors')!;
    const git = hub.files.get('config.json')!;
    const expected = {
      'model.safetensors': { size: lfs.bytes.length, sha256: lfs.sha256 },
      'config.json': { size: git.bytes.length, sha256: git.sha256 },
    };
    expect(a).toEqual(expected);
    expect(b).toEqual(expected);
    // Both downloads of the weights reached the CDN, so they really raced.
    expect(hub.requests.slice(start).filter((r) => r.server === 'cdn')).toHaveLength(2);
    const repo = join(cacheDir, 'models--test--barrier');
    expect(await listTree(repo)).toEqual(
      [
        'blobs/',
        `blobs/${lfs.sha256} ${lfs.bytes.length}`,
        `blobs/${git.gitSha1} ${git.bytes.length}`,
        'refs/',
        'refs/main 40',
        'snapshots/',
        `snapshots/${COMMIT}/`,
        `snapshots/${COMMIT}/model.safetensors -> ../../blobs/${lfs.sha256}`,
        `snapshots/${COMMIT}/config.json -> ../../blobs/${git.gitSha1}`,
      ].sort(),
    );
    const blob = await readFile(join(repo, 'blobs', lfs.sha256));
    expect(createHash('sha256').update(blob).digest('hex')).toBe(lfs.sha256);
  });
});
