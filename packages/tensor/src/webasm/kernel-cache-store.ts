// The kernel cache's directory in Node (program-cache.ts says what an entry holds): one file per compiled
// program, named by the SHA-256 of its key, written to a temporary name and renamed into place, so a reader
// sees a whole entry or none, and processes sharing the directory never see each other's half-written files.
// Browsers keep entries in IndexedDB instead (browser-kernel-store.ts).
//
// Where: `createBackend({ kernelCache })`, else `GPT2JS_KERNEL_CACHE` (a directory, or 0/false/off/no), else
// `$XDG_CACHE_HOME/gpt2js/kernels` or `~/.cache/gpt2js/kernels`. Beyond MAX_ENTRIES files the least
// recently used quarter is removed when a store opens (reads refresh an entry's time).

import { switchedOffBy } from '../codegen/switches.js';
import type { ProgramStore } from './program-cache.js';

/** Entries kept (GPT-2 124M with a 128-token prompt: 27 entries of 3–13 KB per weight storage). */
const MAX_ENTRIES = 2048;
const SUFFIX = '.wasmkernel';

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Crypto = typeof import('node:crypto');
type Os = typeof import('node:os');
type Url = typeof import('node:url');

interface NodeBuiltins {
  fs: Fs;
  path: Path;
  crypto: Crypto;
  os: Os;
  url: Url;
}

function nodeBuiltins(): NodeBuiltins | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') return null;
  try {
    return {
      fs: getBuiltin('node:fs') as Fs,
      path: getBuiltin('node:path') as Path,
      crypto: getBuiltin('node:crypto') as Crypto,
      os: getBuiltin('node:os') as Os,
      url: getBuiltin('node:url') as Url,
    };
  } catch {
    return null;
  }
}

/** Whether this runtime has Node's file system (the store on disk); browsers take browser-kernel-store.ts. */
export function hasNodeFileSystem(): boolean {
  return nodeBuiltins() !== null;
}

/** The cache directory asked for: the option, else the environment, else the default; null when off. */
export function kernelCacheDirectory(option?: string | false): { dir: string | null; reason: string } {
  const node = nodeBuiltins();
  if (!node) return { dir: null, reason: 'kernel cache off (no file system here)' };
  if (option === false) return { dir: null, reason: 'kernel cache off (kernelCache: false)' };
  if (typeof option === 'string' && option.trim() !== '')
    return { dir: node.path.resolve(option), reason: '' };
  const off = switchedOffBy('GPT2JS_KERNEL_CACHE');
  if (off) return { dir: null, reason: `kernel cache off (${off})` };
  const fromEnv = process.env.GPT2JS_KERNEL_CACHE?.trim();
  if (fromEnv) return { dir: node.path.resolve(fromEnv), reason: '' };
  const base = process.env.XDG_CACHE_HOME?.trim() || node.path.join(node.os.homedir(), '.cache');
  return { dir: node.path.join(base, 'gpt2js', 'kernels'), reason: '' };
}

/** Whether `root` is this package's code folder (dist/ or src/ beside its package.json). */
function isPackageCode({ fs, path }: NodeBuiltins, root: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, '..', 'package.json'), 'utf8'));
    return manifest?.name === '@gpt2js/tensor';
  } catch {
    return false;
  }
}

/**
 * A SHA-256 over this package's code (every .js / .ts file of its dist/ or src/ folder, with its relative
 * path; in a bundle, the bundle's file): in a development tree any edit to the code generator gives new keys.
 */
function packageCodeDigest(node: NodeBuiltins): string {
  const { fs, path, crypto, url } = node;
  const self = url.fileURLToPath(import.meta.url);
  const root = path.dirname(path.dirname(self));
  const hash = crypto.createHash('sha256');
  if (!isPackageCode(node, root)) return hash.update(fs.readFileSync(self)).digest('hex');
  const walk = (dir: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        hash.update(path.relative(root, full));
        hash.update('\0');
        hash.update(fs.readFileSync(full));
        hash.update('\0');
      }
    }
  };
  walk(root);
  return hash.digest('hex');
}

/** Removes the least recently used entries beyond `max` (down to three quarters of it). */
function prune({ fs, path }: NodeBuiltins, dir: string, max: number): void {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith(SUFFIX));
  if (names.length <= max) return;
  const dated = names
    .map((n) => {
      try {
        return { n, t: fs.statSync(path.join(dir, n)).mtimeMs };
      } catch {
        return { n, t: 0 };
      }
    })
    .sort((a, b) => a.t - b.t);
  for (const { n } of dated.slice(0, names.length - Math.floor((max * 3) / 4))) {
    fs.rmSync(path.join(dir, n), { force: true });
  }
}

/**
 * The store over `dir` (created if missing), or null with the reason when it cannot be used.
 * `maxEntries` is for tests.
 */
export function openKernelCacheStore(
  dir: string,
  maxEntries = MAX_ENTRIES,
): { store: ProgramStore | null; reason: string } {
  const node = nodeBuiltins();
  if (!node) return { store: null, reason: 'kernel cache off (no file system here)' };
  const { fs, path, crypto } = node;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK);
    prune(node, dir, maxEntries);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { store: null, reason: `kernel cache off (${dir} is not usable: ${message})` };
  }
  let codeDigest: string | undefined;
  const store: ProgramStore = {
    where: dir,
    get codeDigest() {
      codeDigest ??= packageCodeDigest(node);
      return codeDigest;
    },
    digest: (text) => crypto.createHash('sha256').update(text).digest('hex'),
    read(name) {
      const file = path.join(dir, name + SUFFIX);
      try {
        const bytes = fs.readFileSync(file);
        const now = new Date();
        fs.utimesSync(file, now, now);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch {
        return undefined;
      }
    },
    write(name, bytes) {
      const file = path.join(dir, name + SUFFIX);
      const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        fs.writeFileSync(temporary, bytes);
        fs.renameSync(temporary, file);
      } catch (error) {
        fs.rmSync(temporary, { force: true });
        throw error;
      }
    },
  };
  return { store, reason: `kernel cache ${dir}` };
}
