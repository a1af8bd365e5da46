// Local directories (read in place, random access), ModelFile errors, option validation and the
// environment variables (HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN), checked against a loopback server.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultCacheDir, HubError, openModelFile, tryOpenModelFile } from '../src/index.js';
import { removeTempDirs, tempDir } from './helpers/fs-tree.js';
import { type HubServer, MODEL_DIR, startHub, TOKEN } from './helpers/hub-server.js';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
  await removeTempDirs();
});
afterEach(() => vi.unstubAllEnvs());

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e) => (HubError.isInstance(e) ? e.code : String(e)),
  );

describe('local directory', () => {
  it('reads files in place with random access, by absolute and relative path', async () => {
    const disk = readFileSync(join(MODEL_DIR, 'model.safetensors'));
    for (const source of [MODEL_DIR, relative(process.cwd(), MODEL_DIR)]) {
      const file = await openModelFile(source, 'model.safetensors');
      expect(file.path).toBe(join(MODEL_DIR, 'model.safetensors'));
      expect(file.size).toBe(disk.length);
      const headerLength = Number(disk.readBigUInt64LE(0));
      expect(Buffer.from(await file.read(8, headerLength))).toEqual(disk.subarray(8, 8 + headerLength));
      expect(Buffer.from(await file.read(disk.length - 5, 5))).toEqual(disk.subarray(disk.length - 5));
      await file.close();
    }
  });

  it('reads into a caller buffer when one is given (a view of it), and ignores one too short', async () => {
    const disk = readFileSync(join(MODEL_DIR, 'model.safetensors'));
    const file = await openModelFile(MODEL_DIR, 'model.safetensors');
    const scratch = new Uint8Array(64);
    const first = await file.read(100, 40, scratch);
    expect(first.buffer).toBe(scratch.buffer);
    expect(Buffer.from(first)).toEqual(disk.subarray(100, 140));
    const second = await file.read(200, 64, scratch);
    expect(Buffer.from(second)).toEqual(disk.subarray(200, 264));
    const larger = await file.read(300, 65, scratch);
    expect(larger.buffer).not.toBe(scratch.buffer);
    expect(Buffer.from(larger)).toEqual(disk.subarray(300, 365));
    await file.close();
  });

  it('text and json decode the file; a missing file is undefined for tryOpenModelFile', async () => {
    const config = await openModelFile(MODEL_DIR, 'config.json');
    expect(await config.json()).toEqual(JSON.parse(readFileSync(join(MODEL_DIR, 'config.json'), 'utf8')));
    expect(await config.text()).toBe(readFileSync(join(MODEL_DIR, 'config.json'), 'utf8'));
    await config.close();
    expect(await tryOpenModelFile(MODEL_DIR, 'missing.json')).toBeUndefined();
    expect(await code(openModelFile(MODEL_DIR, 'missing.json'))).toBe('not_found');
  });

  it('a missing directory throws (not undefined); names cannot leave the directory', async () => {
    const error = await tryOpenModelFile('./no/such/dir', 'config.json').catch((e) => e);
    expect([error.code, error.details.missing]).toEqual(['not_found', 'directory']);
    expect(error.message).toContain('does not exist');
    expect(await code(openModelFile(MODEL_DIR, '../gpt2-odd/config.json'))).toBe('invalid_name');
  });

  it('read out of range, read after close and json of a non-JSON file are typed errors naming the file', async () => {
    const file = await openModelFile(MODEL_DIR, 'merges.txt');
    expect(await code(file.read(file.size - 1, 2))).toBe('out_of_range');
    expect(await code(file.read(-1, 1))).toBe('out_of_range');
    const bad = (await file.json().catch((e) => e)) as HubError;
    expect([bad.code, bad.message.startsWith('merges.txt: not valid JSON')]).toEqual(['invalid_json', true]);
    await file.close();
    await file.close();
    expect(await code(file.read(0, 1))).toBe('io');
  });
});

describe('options and environment', () => {
  it('defaultCacheDir follows HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub', () => {
    vi.stubEnv('HF_HUB_CACHE', '/x/hub-cache');
    vi.stubEnv('HF_HOME', '/y/home');
    expect(defaultCacheDir()).toBe('/x/hub-cache');
    vi.stubEnv('HF_HUB_CACHE', '');
    expect(defaultCacheDir()).toBe('/y/home/hub');
    vi.stubEnv('HF_HOME', '');
    vi.stubEnv('XDG_CACHE_HOME', '');
    expect(defaultCacheDir()).toBe(join(homedir(), '.cache/huggingface/hub'));
  });

  it('HF_ENDPOINT, HF_HUB_CACHE and HF_TOKEN are used when options leave them out', async () => {
    const cache = await tempDir();
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    vi.stubEnv('HF_HUB_CACHE', cache);
    vi.stubEnv('HF_TOKEN', TOKEN);
    vi.stubEnv('HF_HUB_OFFLINE', '0');
    const file = await openModelFile('test/private', 'config.json');
    expect(file.path!.startsWith(join(cache, 'models--test--private'))).toBe(true);
    expect(
      createHash('sha256')
        .update(await file.bytes())
        .digest('hex'),
    ).toBe(hub.files.get('config.json')!.sha256);
    await file.close();
    expect(hub.requests.at(-1)!.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('reads the huggingface-cli login token file from HF_HOME when no token variable is set', async () => {
    const home = await tempDir();
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'token'), `${TOKEN}\n`);
    vi.stubEnv('HF_HOME', home);
    vi.stubEnv('HF_TOKEN', '');
    vi.stubEnv('HUGGING_FACE_HUB_TOKEN', '');
    vi.stubEnv('HF_TOKEN_PATH', '');
    const file = await openModelFile('test/private', 'config.json', {
      endpoint: hub.endpoint,
      offline: false,
    });
    await file.close();
    expect(hub.requests.at(-1)!.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it.each([
    [{ revision: 3 }, /options\.revision must be a branch, tag or commit/],
    [{ endpoint: 'ftp://x' }, /endpoint "ftp:\/\/x" must use http or https/],
    [{ endpoint: 'https://user:pw@hub.test' }, /must not embed credentials/],
    [{ offline: 'yes' }, /options\.offline must be true or false/],
    [{ onProgress: 1 }, /options\.onProgress must be a function/],
    [{ cacheDir: '' }, /options\.cacheDir must be a non-empty string/],
    [{ signal: {} }, /options\.signal must be an AbortSignal/],
  ])('refuses options %j', async (bad, message) => {
    const error = await openModelFile(MODEL_DIR, 'config.json', bad as never).catch((e) => e);
    expect(HubError.isInstance(error) && error.code).toBe('invalid_option');
    expect(error.message).toMatch(message);
  });

  it('HubError.isInstance recognises errors from another copy of the package by marker', () => {
    const foreign = Object.assign(new Error('x'), { name: 'HubError', [Symbol.for('gpt2js.error')]: true });
    expect(HubError.isInstance(foreign)).toBe(true);
    expect(HubError.isInstance(new Error('x'))).toBe(false);
  });
});
