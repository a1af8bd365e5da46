// Header parsing and the redirect policy, driven through options.fetch with hand-made answers.

import { afterAll, describe, expect, it } from 'vitest';
import { parseEtag, readMeta } from '../src/http.js';
import { HubError, openModelFile } from '../src/index.js';
import { removeTempDirs, tempDir } from './helpers/fs-tree.js';

afterAll(removeTempDirs);

const SHA = 'ab'.repeat(32);
const COMMIT = 'c'.repeat(40);

/** A fetch that answers from `routes` (by URL) and records what it was asked. */
function fakeFetch(routes: Record<string, () => Response>) {
  const calls: { url: string; authorization: string | null }[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    const route = routes[url];
    return route ? route() : new Response('missing', { status: 404 });
  }) as typeof fetch;
  return { fn, calls };
}

const redirect =
  (location: string | null, headers: Record<string, string> = {}) =>
  () =>
    new Response(null, { status: 302, headers: location ? { location, ...headers } : headers });

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e) => (HubError.isInstance(e) ? `${e.code}: ${e.message}` : String(e)),
  );
}

describe('header parsing', () => {
  it('strips W/ and quotes from ETags', () => {
    expect(parseEtag('W/"abc"')).toBe('abc');
    expect(parseEtag('"abc"')).toBe('abc');
    expect(parseEtag('abc')).toBe('abc');
    expect(parseEtag('""')).toBeUndefined();
  });

  it('prefers X-Linked-Etag/X-Linked-Size and trusts a plain 64-hex ETag as sha256 only in a hub answer', () => {
    const hub = new Response(null, {
      headers: {
        'x-repo-commit': COMMIT,
        'x-linked-etag': `"${SHA}"`,
        etag: '"other"',
        'x-linked-size': '12',
      },
    });
    expect(readMeta(hub, new Response('x'), true)).toEqual({
      commit: COMMIT,
      etag: SHA,
      sha256: SHA,
      size: 12,
    });
    const plain = new Response('hello', { headers: { etag: `"${SHA}"`, 'content-length': '5' } });
    expect(readMeta(plain, plain, true)).toEqual({
      commit: undefined,
      etag: SHA,
      sha256: undefined,
      size: 5,
    });
    const gzip = new Response('hello', { headers: { 'content-length': '3', 'content-encoding': 'gzip' } });
    expect(readMeta(gzip, gzip, true).size).toBeUndefined();
    expect(readMeta(plain, plain, false).size).toBeUndefined();
  });
});

describe('redirect policy', () => {
  const endpoint = 'https://hub.test';
  const resolve = `${endpoint}/o/n/resolve/main/config.json`;
  const opts = async (fetchFn: typeof fetch) => ({
    endpoint,
    fetch: fetchFn,
    cacheDir: await tempDir(),
    offline: false,
  });

  it('refuses a redirect without Location, to another scheme, and https → http off-host', async () => {
    for (const [location, expected] of [
      [
        null,
        'invalid_response: o/n@main: config.json: redirect 302 from https://hub.test/o/n/resolve/main/config.json has no Location header',
      ],
      ['file:///etc/passwd', 'redirect_refused'],
      ['javascript:alert(1)', 'redirect_refused'],
      ['http://cdn.test/x', 'redirect_refused'],
    ] as const) {
      const { fn } = fakeFetch({ [resolve]: redirect(location) });
      expect(await code(openModelFile('o/n', 'config.json', await opts(fn)))).toMatch(
        new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    }
  });

  it('stops a redirect loop after 10 hops', async () => {
    const { fn, calls } = fakeFetch({ [resolve]: redirect(resolve) });
    expect(await code(openModelFile('o/n', 'config.json', await opts(fn)))).toMatch(
      /^invalid_response: .*more than 10 redirects/,
    );
    expect(calls).toHaveLength(11);
  });

  it('drops the token on the hop to the CDN and names the CDN in the log', async () => {
    const cdn = 'https://cdn.test/blob?sig=s3cret';
    const { fn, calls } = fakeFetch({
      [resolve]: redirect(cdn, { 'x-repo-commit': COMMIT, 'x-linked-size': '2' }),
      [cdn]: () => new Response('{}', { headers: { 'content-length': '2' } }),
    });
    const log: string[] = [];
    const file = await openModelFile('o/n', 'config.json', {
      ...(await opts(fn)),
      token: 'hf_x',
      log: (m) => log.push(m),
    });
    expect(await file.json()).toEqual({});
    await file.close();
    expect(calls.map((c) => c.authorization)).toEqual(['Bearer hf_x', null]);
    expect(log).toEqual([
      '@gpt2js/hub: config.json: following redirect from https://hub.test to https://cdn.test',
    ]);
  });

  it('refuses a hub answer without X-Repo-Commit for a branch revision', async () => {
    const { fn } = fakeFetch({ [resolve]: () => new Response('{}') });
    expect(await code(openModelFile('o/n', 'config.json', await opts(fn)))).toMatch(
      /^invalid_response: .*no X-Repo-Commit/,
    );
  });

  it('calls fetch detached, as a browser fetch requires (no "Illegal invocation")', async () => {
    const strict = function (this: unknown) {
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
      return Promise.resolve(new Response('{}', { headers: { 'x-repo-commit': COMMIT } }));
    } as unknown as typeof fetch;
    const file = await openModelFile('o/n', 'config.json', await opts(strict));
    expect(await file.json()).toEqual({});
    await file.close();
  });

  it('retries a request that failed before any answer, but never an error answer', async () => {
    let calls = 0;
    const flaky = (async () => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return new Response('{}', { headers: { 'x-repo-commit': COMMIT } });
    }) as unknown as typeof fetch;
    const file = await openModelFile('o/n', 'config.json', await opts(flaky));
    expect([calls, await file.json()]).toEqual([2, {}]);
    await file.close();

    const refused = (async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    calls = 0;
    expect(await code(openModelFile('o/n', 'config.json', await opts(refused)))).toMatch(
      /^network: .*\(ECONNREFUSED\)/,
    );
    expect(calls).toBe(3);

    const { fn, calls: answered } = fakeFetch({ [resolve]: () => new Response('', { status: 503 }) });
    expect(await code(openModelFile('o/n', 'config.json', await opts(fn)))).toMatch(/^server_error: /);
    expect(answered).toHaveLength(1);
  });
});
