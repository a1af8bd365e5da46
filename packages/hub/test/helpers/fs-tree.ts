// Test helpers: a fresh temp cache folder, and a listing of every entry under a folder (type, size, link
// target) to prove a failed download left the cache exactly as before.

import { lstat, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const created: string[] = [];

/** A new empty folder under the OS temp folder, removed by {@link removeTempDirs}. */
export async function tempDir(prefix = 'gpt2js-hub-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder made by {@link tempDir} in this test file. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Sorted `path type size` (files), `path -> target` (links) and `path/` (folders) lines; [] when absent. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, name);
      const rel = relative(root, path);
      const info = await lstat(path);
      if (info.isSymbolicLink()) out.push(`${rel} -> ${await readlink(path)}`);
      else if (info.isDirectory()) {
        out.push(`${rel}/`);
        await walk(path);
      } else out.push(`${rel} ${info.size}`);
    }
  };
  await walk(root);
  return out.sort();
}
