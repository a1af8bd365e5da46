// Faults and hostile input against the loopback hub: dropped connections, short bodies, wrong hashes and
// aborts leave the cache exactly as before; HTTP errors give one clear message each; refused redirects,
// hostile ETags and traversal names never touch the disk (or, for names, the network).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError, type HubOptions, openModelFile, tryOpenModelFile } from '../src/index.js';
import { listTree, removeTempDirs, tempDir } from './helpers/fs-tree.js';
import { type HubServer, startHub } from './helpers/hub-server.js';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
  await removeTempDirs();
});

const options = (cacheDir: string, extra: HubOptions = {}): HubOptions => ({
  endpoint: hub.endpoint,
  cacheDir,
  token: '',
  offline: false,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!HubError.isInstance(error)) throw new Error(`expected a HubError, got ${String(error)}`);
  expect(error.message).not.toContain('\n');
  return error;
}

/** A cache holding config.json of `repo` (so "unchanged" is checked against a non-empty cache). */
async function warmCache(repo: string): Promise<string> {
  const cacheDir = await tempDir();
  await (await openModelFile(repo, 'config.json', options(cacheDir))).close();
  return cacheDir;
}

describe('interrupted and corrupt downloads leave the cache as it was', () => {
  it.each([
    ['test/drop', 'network', 'a connection dropped mid-file'],
    ['test/short', 'integrity', 'a short body'],
    ['test/corrupt', 'integrity', 'a wrong sha256'],
  ])('%s: %s on %s', async (repo, code) => {
    const cacheDir = await warmCache(repo);
    const before = await listTree(cacheDir);
    const error = await failure(openModelFile(repo, 'model.safetensors', options(cacheDir)));
    expect(`${error.code}: ${error.message}`).toMatch(new RegExp(`^${code}: test/.*model\\.safetensors`));
    expect(await listTree(cacheDir)).toEqual(before);
    // The next run does not trust anything from the failed one: it asks the server again.
    const start = hub.requests.length;
    await failure(openModelFile(repo, 'model.safetensors', options(cacheDir)));
    expect(hub.requests.length).toBe(start + 2);
  });

  it('an abort mid-download rejects with aborted and leaves the cache unchanged', async () => {
    const cacheDir = await warmCache('test/gpt2-tiny');
    const before = await listTree(cacheDir);
    const controller = new AbortController();
    const onProgress = (p: { loaded: number }) => p.loaded > 0 && controller.abort();
    const error = await failure(
      openModelFile(
        'test/gpt2-tiny',
        'model.safetensors',
        options(cacheDir, { signal: controller.signal, onProgress }),
      ),
    );
    expect(error.code).toBe('aborted');
    expect(await listTree(cacheDir)).toEqual(before);
  });

  it('an already aborted signal makes no request', async () => {
    const start = hub.requests.length;
    const error = await failure(
      openModelFile(
        'test/gpt2-tiny',
        'config.json',
        options(await tempDir(), { signal: AbortSignal.abort() }),
      ),
    );
    expect(error.code).toBe('aborted');
    expect(hub.requests.length).toBe(start);
  });
});

describe('HTTP errors: one clear line each', () => {
  it('401 mentions HF_TOKEN', async () => {
    const error = await failure(openModelFile('test/private', 'config.json', options(await tempDir())));
    expect(error.code).toBe('unauthorized');
    expect(error.details.status).toBe(401);
    expect(error.message).toMatch(/test\/private@main: config\.json: 401 Unauthorized .*set HF_TOKEN/);
  });

  it('403 on a gated repo says to accept its terms', async () => {
    const error = await failure(openModelFile('test/gated', 'config.json', options(await tempDir())));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/403 Forbidden.*test\/gated is gated: accept its terms/);
  });

  it('404 for a file names repo, revision and file; tryOpenModelFile gives undefined', async () => {
    const error = await failure(openModelFile('test/gpt2-tiny', 'nope.json', options(await tempDir())));
    expect(error.code).toBe('not_found');
    expect(error.details.missing).toBe('file');
    expect(error.message).toMatch(/file nope\.json not found in test\/gpt2-tiny at revision main/);
    expect(await tryOpenModelFile('test/gpt2-tiny', 'nope.json', options(await tempDir()))).toBeUndefined();
  });

  it('404 for a repo or a revision is told apart and still throws from tryOpenModelFile', async () => {
    const repo = await failure(tryOpenModelFile('test/absent', 'config.json', options(await tempDir())));
    expect([repo.code, repo.details.missing]).toEqual(['not_found', 'repo']);
    expect(repo.message).toMatch(/repository test\/absent not found/);
    const rev = await failure(
      tryOpenModelFile('test/gpt2-tiny', 'config.json', options(await tempDir(), { revision: 'v9' })),
    );
    expect([rev.code, rev.details.missing]).toEqual(['not_found', 'revision']);
    expect(rev.message).toMatch(/revision "v9" not found in test\/gpt2-tiny/);
  });

  it('500 is a server_error', async () => {
    const error = await failure(openModelFile('test/broken', 'config.json', options(await tempDir())));
    expect(error.code).toBe('server_error');
    expect(error.message).toMatch(
      /server error 500 from http:\/\/127\.0\.0\.1:\d+\/test\/broken\/resolve\/main\/config\.json/,
    );
  });

  it('a refused connection is a network error (after the retries)', async () => {
    const start = hub.requests.length;
    const error = await failure(
      openModelFile(
        'test/gpt2-tiny',
        'config.json',
        options(await tempDir(), { endpoint: 'http://127.0.0.1:1' }),
      ),
    );
    expect(error.code).toBe('network');
    expect(error.message).toContain('HF_HUB_OFFLINE');
    expect(hub.requests.length).toBe(start);
  });
});

describe('redirects and server-supplied names', () => {
  it('refuses a redirect to another host from a URL that is not a hub resolve URL', async () => {
    const cacheDir = await tempDir();
    const start = hub.requests.length;
    const error = await failure(openModelFile(`${hub.endpoint}/plain`, 'config.json', options(cacheDir)));
    expect(error.code).toBe('redirect_refused');
    expect(error.message).toContain(hub.cdnOrigin);
    expect(hub.requests.slice(start).map((r) => r.server)).toEqual(['hub']);
    expect(await listTree(cacheDir)).toEqual([]);
  });

  it('refuses an ETag that is a path and writes nothing', async () => {
    const cacheDir = await tempDir();
    const start = hub.requests.length;
    const error = await failure(openModelFile('test/evil-etag', 'model.safetensors', options(cacheDir)));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('unusable ETag');
    expect(hub.requests.slice(start).map((r) => r.server)).toEqual(['hub']);
    expect(existsSync(resolve(cacheDir, 'models--test--evil-etag', 'blobs', '../../../../escaped'))).toBe(
      false,
    );
    expect(await listTree(cacheDir)).toEqual([]);
  });
});

describe('traversal names are refused before any request or file write', () => {
  const bad: [string, string, string?][] = [
    ['owner/../../etc', 'config.json'],
    ['..--x/y', 'config.json'],
    ['test/gpt2-tiny', '../../../../outside.json'],
    ['test/gpt2-tiny', '/etc/passwd'],
    ['test/gpt2-tiny', 'sub\\..\\..\\x'],
    ['test/gpt2-tiny', '%2e%2e/%2e%2e/x'],
    ['test/gpt2-tiny', 'config.json\u0000.txt'],
    ['test%2F..%2Fx', 'config.json'],
    ['test/gpt2-tiny', 'config.json', '../../main'],
    ['test/gpt2-tiny', 'config.json', 'refs/%2e%2e/x'],
    ['test/gpt2-tiny', 'config.json', '/abs'],
  ];
  it.each(bad)('source %j, file %j, revision %j', async (source, file, revision) => {
    const cacheDir = await tempDir();
    const start = hub.requests.length;
    const error = await failure(openModelFile(source, file, options(cacheDir, revision ? { revision } : {})));
    expect(error.code).toBe('invalid_name');
    expect(hub.requests.length).toBe(start);
    expect(await listTree(cacheDir)).toEqual([]);
  });
});
