// The browser kernel store (webasm/browser-kernel-store.ts) in Node, over a small in-memory IndexedDB: when it
// opens and when it stays off (and why), reads and writes through memory and the database, the least recently
// used records pruned, and the names it gives. test/browser/browser.test.ts runs it in Chromium's IndexedDB.

import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashName, openBrowserKernelStore } from '../src/webasm/browser-kernel-store.js';

/** Just the IndexedDB the store uses: open (with upgrade), one object store, getAllKeys, getAll, put, delete. */
class FakeIndexedDB {
  readonly databases = new Map<string, Map<string, unknown>>();
  puts = 0;

  open(name: string) {
    const request: Record<string, unknown> = {};
    queueMicrotask(() => {
      const fresh = !this.databases.has(name);
      const records = this.databases.get(name) ?? new Map<string, unknown>();
      this.databases.set(name, records);
      const stores = new Set<string>(fresh ? [] : ['programs']);
      const db = {
        objectStoreNames: { contains: (n: string) => stores.has(n) },
        createObjectStore: (n: string) => stores.add(n),
        transaction: () => ({ objectStore: () => this.#store(records) }),
      };
      request.result = db;
      if (fresh) (request.onupgradeneeded as () => void)?.();
      (request.onsuccess as () => void)?.();
    });
    return request;
  }

  #store(records: Map<string, unknown>) {
    const answer = (value: unknown) => {
      const request: Record<string, unknown> = {};
      queueMicrotask(() => {
        request.result = value;
        (request.onsuccess as () => void)?.();
      });
      return request;
    };
    const sorted = () => [...records.keys()].sort();
    return {
      getAllKeys: () => answer(sorted()),
      getAll: () => answer(sorted().map((k) => structuredClone(records.get(k)))),
      put: (value: unknown, key: string) => {
        this.puts++;
        records.set(key, structuredClone(value));
      },
      delete: (key: string) => records.delete(key),
    };
  }
}

let server: Server;
let script: string;
const fake = new FakeIndexedDB();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/bundle.js') res.end('export const code = 1;');
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  script = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/bundle.js`;
  (globalThis as { indexedDB?: unknown }).indexedDB = fake;
});

afterAll(() => {
  server?.close();
  delete (globalThis as { indexedDB?: unknown }).indexedDB;
});

describe('browser kernel store', () => {
  it('stays off without IndexedDB, with the code split over scripts, or code it cannot fetch', async () => {
    const saved = (globalThis as { indexedDB?: unknown }).indexedDB;
    delete (globalThis as { indexedDB?: unknown }).indexedDB;
    try {
      const none = await openBrowserKernelStore('db', [script]);
      expect(none.store).toBeNull();
      expect(none.reason).toBe('kernel cache off (no file system or IndexedDB here)');
    } finally {
      (globalThis as { indexedDB?: unknown }).indexedDB = saved;
    }
    const split = await openBrowserKernelStore('db', [script, `${script}?other`, script]);
    expect(split.store).toBeNull();
    expect(split.reason).toBe(
      'kernel cache off (the code generation is split over 2 scripts, not one bundle)',
    );
    const file = await openBrowserKernelStore('db', ['file:///x/bundle.js']);
    expect(file.reason).toBe('kernel cache off (its code came from file:, not a fetchable URL)');
    const missing = await openBrowserKernelStore('db', [script.replace('bundle', 'gone')]);
    expect(missing.store).toBeNull();
    expect(missing.reason).toMatch(/kernel cache off \(fetching its code from .*gone\.js answered 404\)/);
  });

  it('digests the script, serves reads from memory and keeps writes in the database', async () => {
    const { store, reason } = await openBrowserKernelStore('kernels-a', [script, script]);
    expect(reason).toBe('kernel cache IndexedDB kernels-a');
    if (!store) throw new Error('no store');
    expect(store.where).toBe('IndexedDB kernels-a');
    // SHA-256 of 'export const code = 1;'
    const expected = Buffer.from(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('export const code = 1;')),
    ).toString('hex');
    expect(store.codeDigest).toBe(expected);
    expect(store.read('a')).toBeUndefined();
    const bytes = Uint8Array.of(1, 2, 3, 4);
    store.write('a', bytes.subarray(1, 3));
    expect(Array.from(store.read('a') ?? [])).toEqual([2, 3]);
    // a second page (a new store over the same database) reads what the first wrote
    const again = await openBrowserKernelStore('kernels-a', [script]);
    expect(Array.from(again.store?.read('a') ?? [])).toEqual([2, 3]);
    expect(again.store?.read('b')).toBeUndefined();
  });

  it('prunes the least recently used records beyond the limit when it opens', async () => {
    const first = await openBrowserKernelStore('kernels-b', [script], 8);
    const store = first.store;
    if (!store) throw new Error('no store');
    let now = 1000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      for (let i = 0; i < 10; i++) {
        now += 10;
        store.write(`k${i}`, Uint8Array.of(i));
      }
      now += 10;
      expect(store.read('k0')?.[0]).toBe(0); // k0 is now the most recently used
    } finally {
      Date.now = realNow;
    }
    const reopened = await openBrowserKernelStore('kernels-b', [script], 8);
    const names = [...(fake.databases.get('kernels-b')?.keys() ?? [])].sort();
    // 10 records > 8: down to 6, the oldest (k1 … k4) deleted
    expect(names).toEqual(['k0', 'k5', 'k6', 'k7', 'k8', 'k9']);
    expect(reopened.store?.read('k1')).toBeUndefined();
    expect(reopened.store?.read('k0')?.[0]).toBe(0);
  });

  it('names records by a 64-bit hash of the key', () => {
    expect(hashName('a')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashName('a')).toBe(hashName('a'));
    const names = new Set<string>();
    for (let i = 0; i < 20000; i++) names.add(hashName(`{"source":"function () {}","n":${i}}`));
    expect(names.size).toBe(20000);
    expect(hashName('ab')).not.toBe(hashName('ba'));
  });
});
