// URL sources in Node: `${base}/${file}` downloaded once through the atomic downloader into
// {cacheDir}/urls--{sha256(base)[:16]}/files/{file} (url.txt beside it names the base); later loads read
// the cached copy without a request. No token is ever sent to a URL source.

import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HubError } from '../errors.js';
import { fetchFile } from '../http.js';
import type { ResolvedOptions } from '../options.js';
import { ProgressReporter } from '../progress.js';
import type { ModelFile } from '../types.js';
import { fileUrl } from '../urls.js';
import { downloadAtomic, writeFileAtomic } from './atomic.js';
import { openFsModelFile } from './fs-file.js';
import { inside, urlCacheDir } from './paths.js';

/** Opens `file` under URL base `base` through the cache. */
export async function openUrlFile(base: string, file: string, o: ResolvedOptions): Promise<ModelFile> {
  const url = fileUrl(base, file);
  const dir = urlCacheDir(o.cacheDir, base);
  const cached = inside(dir, 'files', ...file.split('/'));
  if ((await stat(cached).catch(() => undefined))?.isFile()) {
    const opened = await openFsModelFile(cached, file);
    new ProgressReporter(file, undefined, o.onProgress).done(opened.size, true);
    return opened;
  }
  if (o.offline) {
    throw new HubError(
      'offline',
      `offline (HF_HUB_OFFLINE): ${url} is not in the cache ${dir}; run once online, or unset HF_HUB_OFFLINE`,
      { file, url, cacheDir: o.cacheDir },
    );
  }
  const ctx = { file, fetch: o.fetch, signal: o.signal, log: o.log, manualRedirects: true };
  const { response, meta } = await fetchFile(url, ctx);
  const name = cached.slice(dirname(cached).length + 1);
  await downloadAtomic(
    response,
    { dir: dirname(cached), name, size: meta.size, sha256: meta.sha256, onProgress: o.onProgress },
    ctx,
  );
  await writeFileAtomic(join(dir, 'url.txt'), `${base}\n`);
  return openFsModelFile(cached, file);
}
