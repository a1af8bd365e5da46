// Atomic file operations for the cache: a download streams into a uniquely named temp file in the target's
// folder while sha256 is computed, is verified against the size and hash the server stated, and only then
// renamed into place. Refs and snapshot links are also written as temp + rename, so two processes racing
// on one cache each see either nothing or a complete file, never EEXIST and never a partial file.

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { HubError } from '../errors.js';
import { type RequestContext, transportError } from '../http.js';
import { ProgressReporter } from '../progress.js';
import type { DownloadProgress } from '../types.js';

const STALE_MS = 24 * 60 * 60 * 1000;

/** `{name}.{pid}-{random}.{suffix}`: unique per process and call. */
function tempName(path: string, suffix: string): string {
  return `${path}.${process.pid}-${randomBytes(6).toString('hex')}.${suffix}`;
}

/** Renames `from` over `to`. Where the platform refuses to replace (Windows, target open), an existing complete `to` wins. */
async function replace(from: string, to: string, expectedSize?: number): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    const existing = await stat(to).catch(() => undefined);
    await rm(from, { force: true });
    if (!existing || (expectedSize !== undefined && existing.size !== expectedSize)) throw error;
  }
}

/** Writes `text` to `path` atomically (refs, url.txt). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempName(path, 'tmp');
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await replace(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Points `link` at `target` with a relative symlink (`../../blobs/{etag}`), replacing what is there.
 * Where symlinks are not allowed (Windows without developer mode, some network drives) it copies instead.
 */
export async function linkAtomic(target: string, link: string): Promise<void> {
  await mkdir(dirname(link), { recursive: true });
  const temp = tempName(link, 'tmp');
  try {
    try {
      await symlink(relative(dirname(link), target), temp);
    } catch {
      await copyFile(target, temp);
    }
    await replace(temp, link);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Removes `*.incomplete` files a killed process left more than a day ago (nobody ever reads them). */
async function sweepStale(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith('.incomplete')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_MS) await unlink(path).catch(() => {});
  }
}

export interface DownloadTarget {
  /** Folder of the final file (the temp file goes here too, so the rename never crosses devices). */
  dir: string;
  /** Final file name; undefined = name it by the content's sha256 (a hub blob without ETag). */
  name: string | undefined;
  size: number | undefined;
  sha256: string | undefined;
  onProgress: ((p: DownloadProgress) => void) | undefined;
}

/**
 * Streams `response`'s body into `target.dir`, verifies size and sha256, renames into place and returns
 * the final path. On any failure (dropped connection, short body, wrong hash, abort) the temp file is
 * removed and the folder holds exactly what it held before.
 */
export async function downloadAtomic(
  response: Response,
  target: DownloadTarget,
  ctx: RequestContext,
): Promise<string> {
  await mkdir(target.dir, { recursive: true });
  await sweepStale(target.dir);
  const temp = tempName(join(target.dir, target.name ?? 'download'), 'incomplete');
  const hash = createHash('sha256');
  const progress = new ProgressReporter(ctx.file, target.size, target.onProgress);
  let loaded = 0;
  try {
    const handle = await open(temp, 'wx');
    try {
      progress.update(0);
      if (response.body) {
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            loaded += value.byteLength;
            if (target.size !== undefined && loaded > target.size) {
              throw integrity(ctx, `received more than the announced ${target.size} bytes`);
            }
            hash.update(value);
            for (let at = 0; at < value.byteLength; ) {
              at += (await handle.write(value, at, value.byteLength - at)).bytesWritten;
            }
            progress.update(loaded);
          }
        } catch (error) {
          await reader.cancel().catch(() => {});
          throw transportError(error, ctx, response.url || ctx.file);
        }
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
    if (target.size !== undefined && loaded !== target.size) {
      throw integrity(ctx, `received ${loaded} bytes, the server announced ${target.size}`);
    }
    const digest = hash.digest('hex');
    if (target.sha256 !== undefined && digest !== target.sha256) {
      throw integrity(ctx, `sha256 is ${digest}, the server announced ${target.sha256}`);
    }
    const final = join(target.dir, target.name ?? digest);
    await replace(temp, final, loaded);
    progress.done(loaded, false);
    return final;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function integrity(ctx: RequestContext, what: string): HubError {
  const where = ctx.repo ? `${ctx.repo}@${ctx.revision}: ${ctx.file}` : ctx.file;
  return new HubError(
    'integrity',
    `${where}: download discarded, ${what}; the cache is unchanged, retry the download`,
    { repo: ctx.repo, revision: ctx.revision, file: ctx.file },
  );
}
