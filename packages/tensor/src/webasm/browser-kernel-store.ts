// The kernel cache in browsers (program-cache.ts says what an entry holds; kernel-cache-store.ts is Node's):
// entries live in an IndexedDB database, one record per compiled program, named by a hash of its key.
// Compiles are synchronous and IndexedDB is not, so the store reads every record when the backend is created
// and serves reads from memory; a write goes to memory at once and to the database in a transaction of its
// own (a record is stored whole or not at all), and a read refreshes the record's time the same way.
//
// The code generator's identity: the SHA-256 of the script that holds this package's code generation,
// fetched again from its URL (the browser's HTTP cache usually answers). That only covers the code generation
// when the modules that produce a kernel's bytes are all in that one script, as in a bundle; a page that
// loads them as separate modules (a development server) gets no cache. Beyond MAX_ENTRIES records the least
// recently used quarter is deleted when a store opens (at most about 5 MB read per page).

import type { ProgramStore } from './program-cache.js';

/**
 * Records kept (GPT-2 124M with a 128-token prompt: 27 records of 3–13 KB per weight storage): fewer than on
 * disk, since a page reads them all into memory when its backend is created.
 */
const MAX_ENTRIES = 512;
/** The database's object store. */
const RECORDS = 'programs';

/** The database used when `createBackend({ kernelCache })` names none. */
export const DEFAULT_KERNEL_DATABASE = 'gpt2js-kernels';

/** This module's URL: one of the module URLs that must all be one script for the store to open. */
export const BROWSER_STORE_URL = import.meta.url;

interface StoredRecord {
  bytes: ArrayBuffer;
  used: number;
}

function requestDone<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const request = factory.open(name, 1);
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(RECORDS)) request.result.createObjectStore(RECORDS);
  };
  return requestDone(request);
}

/** Every record of the database, by name. */
async function readAll(db: IDBDatabase): Promise<Map<string, StoredRecord>> {
  const records = new Map<string, StoredRecord>();
  const store = db.transaction(RECORDS, 'readonly').objectStore(RECORDS);
  const [keys, values] = await Promise.all([requestDone(store.getAllKeys()), requestDone(store.getAll())]);
  keys.forEach((key, i) => {
    const value = values[i] as Partial<StoredRecord> | undefined;
    if (typeof key === 'string' && value?.bytes instanceof ArrayBuffer) {
      records.set(key, { bytes: value.bytes, used: typeof value.used === 'number' ? value.used : 0 });
    }
  });
  return records;
}

/**
 * A 64-bit hash of `text` as 16 hex digits (two 32-bit multiply-xor hashes): it names records, and a record
 * whose key differs from the one asked for is never used (program-cache.ts checks), so a collision costs a
 * compile, nothing else.
 */
export function hashName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return (a >>> 0).toString(16).padStart(8, '0') + ((b ^ (b >>> 16)) >>> 0).toString(16).padStart(8, '0');
}

/** The SHA-256 (hex) of the script at `url`, or the reason it cannot be had. */
async function scriptDigest(url: string): Promise<{ digest: string } | { reason: string }> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return { reason: 'no crypto.subtle here (not a secure context)' };
  if (!/^(https?|blob):/.test(url))
    return { reason: `its code came from ${url.split(':')[0]}:, not a fetchable URL` };
  try {
    const response = await fetch(url);
    if (!response.ok) return { reason: `fetching its code from ${url} answered ${response.status}` };
    const hash = new Uint8Array(await subtle.digest('SHA-256', await response.arrayBuffer()));
    return { digest: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('') };
  } catch (error) {
    return {
      reason: `fetching its code from ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * The store over IndexedDB database `name`, or null with the reason when there is no IndexedDB, the code
 * generation's modules (`moduleUrls`, which must all be one script) cannot be digested, or the database does
 * not open. `maxEntries` is for tests.
 */
export async function openBrowserKernelStore(
  name: string,
  moduleUrls: readonly string[],
  maxEntries = MAX_ENTRIES,
): Promise<{ store: ProgramStore | null; reason: string }> {
  const off = (why: string) => ({ store: null, reason: `kernel cache off (${why})` });
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) return off('no file system or IndexedDB here');
  const scripts = [...new Set(moduleUrls)];
  if (scripts.length !== 1) {
    return off(`the code generation is split over ${scripts.length} scripts, not one bundle`);
  }
  const code = await scriptDigest(scripts[0]);
  if ('reason' in code) return off(code.reason);
  let db: IDBDatabase;
  let records: Map<string, StoredRecord>;
  try {
    db = await openDatabase(factory, name);
    records = await readAll(db);
  } catch (error) {
    return off(`IndexedDB ${name} did not open: ${error instanceof Error ? error.message : String(error)}`);
  }
  // a record in a transaction of its own; failures (quota, a closed database) only cost a later compile
  const put = (key: string, record: StoredRecord) => {
    try {
      db.transaction(RECORDS, 'readwrite').objectStore(RECORDS).put(record, key);
    } catch {
      // the database is gone: the copy in memory still serves this page
    }
  };
  if (records.size > maxEntries) {
    const oldest = [...records].sort((x, y) => x[1].used - y[1].used);
    const doomed = oldest.slice(0, records.size - Math.floor((maxEntries * 3) / 4));
    const store = db.transaction(RECORDS, 'readwrite').objectStore(RECORDS);
    for (const [key] of doomed) {
      store.delete(key);
      records.delete(key);
    }
  }
  const store: ProgramStore = {
    where: `IndexedDB ${name}`,
    codeDigest: code.digest,
    digest: hashName,
    read(key) {
      const record = records.get(key);
      if (!record) return undefined;
      record.used = Date.now();
      put(key, record);
      return new Uint8Array(record.bytes);
    },
    write(key, bytes) {
      const record = { bytes: bytes.slice().buffer, used: Date.now() };
      records.set(key, record);
      put(key, record);
    },
  };
  return { store, reason: `kernel cache IndexedDB ${name}` };
}
