// End to end against a loopback hub + CDN: cold download, warm hit without any request, the exact
// huggingface_hub cache layout on disk, revisions, offline mode, progress, redirects, URL sources.

import { createHash } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type DownloadProgress,
  HubError,
  type HubOptions,
  openModelFile,
  tryOpenModelFile,
} from '../src/index.js';
import { listTree, removeTempDirs, tempDir } from './helpers/fs-tree.js';
import { COMMIT, type HubServer, startHub } from './helpers/hub-server.js';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
  await removeTempDirs();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const options = (cacheDir: string, extra: HubOptions = {}): HubOptions => ({
  endpoint: hub.endpoint,
  cacheDir,
  token: '',
  offline: false,
  ...extra,
});
const served = (name: string) => hub.files.get(name)!;

describe('hub source (Node)', () => {
  it('downloads cold with one request per file, then serves warm hits with no request at all', async () => {
    const cacheDir = await tempDir();
    const before = hub.requests.length;
    const weights = await openModelFile('test/gpt2-tiny', 'model.safetensors', options(cacheDir));
    const config = await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir));
    const cold = hub.requests.slice(before);
    expect(cold.map((r) => r.server)).toEqual(['hub', 'cdn', 'hub']);
    expect(sha256(await weights.bytes())).toBe(served('model.safetensors').sha256);
    expect(weights.size).toBe(served('model.safetensors').bytes.length);
    expect(await config.json()).toEqual(JSON.parse(served('config.json').bytes.toString('utf8')));
    await Promise.all([weights.close(), config.close()]);

    const warmStart = hub.requests.length;
    const events: DownloadProgress[] = [];
    const again = await openModelFile(
      'test/gpt2-tiny',
      'model.safetensors',
      options(cacheDir, { onProgress: (p) => events.push(p) }),
    );
    const header = await again.read(8, 16);
    expect(Buffer.from(header)).toEqual(served('model.safetensors').bytes.subarray(8, 24));
    await again.close();
    expect(hub.requests.length).toBe(warmStart);
    expect(events).toEqual([
      { file: 'model.safetensors', loaded: again.size, total: again.size, done: true, fromCache: true },
    ]);
  });

  it('writes the huggingface_hub cache layout: blobs by etag, relative snapshot symlinks, refs', async () => {
    const cacheDir = await tempDir();
    for (const f of ['model.safetensors', 'config.json'])
      await (await openModelFile('test/gpt2-tiny', f, options(cacheDir))).close();
    const repo = join(cacheDir, 'models--test--gpt2-tiny');
    const lfs = served('model.safetensors');
    const git = served('config.json');
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
    expect(await readFile(join(repo, 'refs/main'), 'utf8')).toBe(COMMIT);
    const opened = await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir));
    expect(opened.path).toBe(join(repo, 'snapshots', COMMIT, 'config.json'));
    expect(await readlink(opened.path!)).toBe(`../../blobs/${git.gitSha1}`);
    await opened.close();
  });

  it('uses a commit revision without writing a ref, and encodes refs/pr/1 as one URL segment', async () => {
    const cacheDir = await tempDir();
    await (
      await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir, { revision: COMMIT }))
    ).close();
    const repo = join(cacheDir, 'models--test--gpt2-tiny');
    expect((await listTree(repo)).some((l) => l.startsWith('refs'))).toBe(false);
    const start = hub.requests.length;
    await (
      await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir, { revision: COMMIT }))
    ).close();
    expect(hub.requests.length).toBe(start);

    await (
      await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir, { revision: 'refs/pr/1' }))
    ).close();
    expect(hub.requests.at(-1)!.path).toBe('/test/gpt2-tiny/resolve/refs%2Fpr%2F1/config.json');
    expect(await readFile(join(repo, 'refs/refs/pr/1'), 'utf8')).toBe(COMMIT);
  });

  it('offline: a warm cache works with no request, a cold one fails fast naming repo, file and cache', async () => {
    const cacheDir = await tempDir();
    await (await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir))).close();
    const start = hub.requests.length;
    const warm = await openModelFile('test/gpt2-tiny', 'config.json', options(cacheDir, { offline: true }));
    expect(warm.size).toBe(served('config.json').bytes.length);
    await warm.close();

    vi.stubEnv('HF_HUB_OFFLINE', '1');
    try {
      const { offline: _, ...fromEnv } = options(cacheDir);
      const error = await openModelFile('test/gpt2-tiny', 'model.safetensors', fromEnv).catch((e) => e);
      expect(HubError.isInstance(error) && error.code).toBe('offline');
      expect(error.message).toContain('test/gpt2-tiny@main: model.safetensors');
      expect(error.message).toContain(join(cacheDir, 'models--test--gpt2-tiny'));
      expect(error.message).toContain('HF_HUB_OFFLINE');
      const other = await openModelFile('other/repo', 'config.json', fromEnv).catch((e) => e);
      expect(other.code).toBe('offline');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(hub.requests.length).toBe(start);
  });

  it('reports progress monotone, ending once with done at the file size', async () => {
    const cacheDir = await tempDir();
    const events: DownloadProgress[] = [];
    const file = await openModelFile(
      'test/gpt2-tiny',
      'model.safetensors',
      options(cacheDir, { onProgress: (p) => events.push(p) }),
    );
    const size = served('model.safetensors').bytes.length;
    expect(events.length).toBeGreaterThan(10);
    expect(events[0]).toEqual({
      file: 'model.safetensors',
      loaded: 0,
      total: size,
      done: false,
      fromCache: false,
    });
    for (let i = 1; i < events.length; i++)
      expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
    expect(events.filter((e) => e.done)).toHaveLength(1);
    expect(events.at(-1)).toEqual({
      file: 'model.safetensors',
      loaded: size,
      total: size,
      done: true,
      fromCache: false,
    });
    await file.close();
  });

  it('follows a relative redirect on the hub (renamed repo) and logs the cross-host hop to the CDN', async () => {
    const cacheDir = await tempDir();
    const log: string[] = [];
    const file = await openModelFile(
      'old/gpt2-tiny',
      'model.safetensors',
      options(cacheDir, { log: (m) => log.push(m) }),
    );
    expect(sha256(await file.bytes())).toBe(served('model.safetensors').sha256);
    await file.close();
    expect(log).toHaveLength(1);
    expect(log[0]).toContain(`to ${hub.cdnOrigin}`);
    expect(log[0]).not.toContain('X-Signature');
    expect(await listTree(cacheDir)).toContain('models--old--gpt2-tiny/');
  });

  it('remembers a 404 for a file (.no_exist) so tryOpenModelFile answers undefined without a request', async () => {
    const cacheDir = await tempDir();
    expect(
      await tryOpenModelFile('test/gpt2-tiny', 'generation_config_missing.json', options(cacheDir)),
    ).toBeUndefined();
    const repo = join(cacheDir, 'models--test--gpt2-tiny');
    expect(await listTree(join(repo, '.no_exist'))).toEqual([
      `${COMMIT}/`,
      `${COMMIT}/generation_config_missing.json 0`,
    ]);
    const start = hub.requests.length;
    expect(
      await tryOpenModelFile(
        'test/gpt2-tiny',
        'generation_config_missing.json',
        options(cacheDir, { offline: true }),
      ),
    ).toBeUndefined();
    expect(hub.requests.length).toBe(start);
  });

  it('sends the token to the hub only, never to the CDN', async () => {
    const cacheDir = await tempDir();
    const start = hub.requests.length;
    const file = await openModelFile(
      'test/private',
      'model.safetensors',
      options(cacheDir, { token: 'hf_test_secret' }),
    );
    await file.close();
    const [resolve, cdn] = hub.requests.slice(start);
    expect(resolve.authorization).toBe('Bearer hf_test_secret');
    expect(cdn.server).toBe('cdn');
    expect(cdn.authorization).toBeUndefined();
  });
});

describe('URL source (Node)', () => {
  it('downloads base/file once into urls--<hash>/files and reads it back offline with no request', async () => {
    const cacheDir = await tempDir();
    const base = `${hub.endpoint}/files/`;
    const file = await openModelFile(base, 'vocab.json', options(cacheDir, { token: 'must-not-leak' }));
    expect(sha256(await file.bytes())).toBe(served('vocab.json').sha256);
    await file.close();
    expect(hub.requests.at(-1)!.authorization).toBeUndefined();
    const hash = createHash('sha256').update(`${hub.endpoint}/files`).digest('hex').slice(0, 16);
    expect(await listTree(cacheDir)).toEqual([
      `urls--${hash}/`,
      `urls--${hash}/files/`,
      `urls--${hash}/files/vocab.json ${served('vocab.json').bytes.length}`,
      `urls--${hash}/url.txt ${`${hub.endpoint}/files\n`.length}`,
    ]);
    const start = hub.requests.length;
    const warm = await openModelFile(base, 'vocab.json', options(cacheDir, { offline: true }));
    expect(warm.size).toBe(served('vocab.json').bytes.length);
    await warm.close();
    expect(hub.requests.length).toBe(start);
  });
});
