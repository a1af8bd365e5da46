// openModelFile / tryOpenModelFile for browsers: fetch (the browser follows redirects; the policy is
// checked on where it ended) and the Cache API. The body is hashed while it streams, verified against the
// size and sha256 the server states, and cached only when complete (while the caller reads the bytes still in
// memory; the file's close() waits for the write). No node:* import is reachable from here.

import { HubError, undefinedIfMissingFile } from '../errors.js';
import { type FetchedFile, fetchFile, type RequestContext, transportError } from '../http.js';
import { blobModelFile, chunkedModelFile } from '../model-file.js';
import { validateFileName } from '../names.js';
import { type ResolvedOptions, resolveOptions, throwIfAborted } from '../options.js';
import { ProgressReporter } from '../progress.js';
import { classifyRemote, looksLikePath } from '../source.js';
import type { HubOptions, ModelFile, ModelSource } from '../types.js';
import { fileUrl, resolveUrl } from '../urls.js';
import { MISSING_HEADER, openStore } from './cache-store.js';
import { Sha256 } from './sha256.js';

/** The Cache API cache used when `options.cacheDir` is not given. */
export const BROWSER_CACHE_NAME = 'gpt2js-hub';

/** In the browser: the name of the Cache API cache, `'gpt2js-hub'`. */
export function defaultCacheDir(): string {
  return BROWSER_CACHE_NAME;
}

async function readBody(
  fetched: FetchedFile,
  ctx: RequestContext,
  o: ResolvedOptions,
): Promise<{ chunks: Uint8Array[]; blob: Blob }> {
  const { response, meta } = fetched;
  const progress = new ProgressReporter(ctx.file, meta.size, o.onProgress);
  const hash = meta.sha256 ? new Sha256() : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  progress.update(0);
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        loaded += value.byteLength;
        if (meta.size !== undefined && loaded > meta.size)
          throw integrity(ctx, `more than ${meta.size} bytes`);
        hash?.update(value);
        chunks.push(value);
        progress.update(loaded);
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw transportError(error, ctx, fetched.url);
    }
  }
  if (meta.size !== undefined && loaded !== meta.size) {
    throw integrity(ctx, `received ${loaded} bytes, the server announced ${meta.size}`);
  }
  const digest = hash?.hex();
  if (digest !== undefined && digest !== meta.sha256) {
    throw integrity(ctx, `sha256 is ${digest}, the server announced ${meta.sha256}`);
  }
  progress.done(loaded, false);
  return { chunks, blob: new Blob(chunks as BlobPart[]) };
}

function integrity(ctx: RequestContext, what: string): HubError {
  return new HubError('integrity', `${ctx.file}: download discarded, ${what}; nothing was cached, retry`, {
    repo: ctx.repo,
    revision: ctx.revision,
    file: ctx.file,
  });
}

/**
 * Opens one file of a model from an http(s) base URL or a hub repo, through the Cache API.
 * Local directories are Node-only (HubError `unsupported`).
 *
 * @example
 * ```ts
 * const file = await openModelFile('gpt2', 'config.json');
 * const config = await file.json();
 * ```
 */
export async function openModelFile(
  source: ModelSource,
  file: string,
  options?: HubOptions,
): Promise<ModelFile> {
  const o = resolveOptions(options, {}, { cacheDir: defaultCacheDir, token: () => undefined });
  validateFileName(file);
  throwIfAborted(o.signal, `${String(source)}: ${file}`);
  if (typeof source === 'string' && looksLikePath(source)) {
    throw new HubError(
      'unsupported',
      `local directory ${JSON.stringify(source)}: local directories are Node-only; in the browser serve the ` +
        "folder over HTTP and pass its URL, e.g. new URL('/models/gpt2-tiny', location.href).href",
      { file },
    );
  }
  const remote = classifyRemote(source);
  const hub = remote.kind === 'hub';
  const url = hub ? resolveUrl(o.endpoint, remote.repoId, o.revision, file) : fileUrl(remote.base, file);
  const ctx: RequestContext = {
    file,
    repo: hub ? remote.repoId : undefined,
    revision: hub ? o.revision : undefined,
    token: hub ? o.token : undefined,
    fetch: o.fetch,
    signal: o.signal,
    log: o.log,
    manualRedirects: false,
  };
  const store = await openStore(o.cacheDir, o.log);
  const hit = await store?.match(url);
  if (hit?.headers.get(MISSING_HEADER)) {
    throw new HubError(
      'not_found',
      `file ${file} not found at ${url} (a 404 remembered in the cache ${o.cacheDir})`,
      {
        repo: ctx.repo,
        revision: ctx.revision,
        file,
        url,
        missing: 'file',
      },
    );
  }
  if (hit) {
    const blob = await hit.blob();
    new ProgressReporter(file, undefined, o.onProgress).done(blob.size, true);
    return blobModelFile(file, blob);
  }
  if (o.offline) {
    throw new HubError(
      'offline',
      `offline: ${hub ? `${remote.repoId}@${o.revision}: ` : ''}${file} is not in the Cache API cache ` +
        `${JSON.stringify(o.cacheDir)} (${url}); load it once online, or drop options.offline`,
      { repo: ctx.repo, revision: ctx.revision, file, url, cacheDir: o.cacheDir },
    );
  }
  let fetched: FetchedFile;
  try {
    fetched = await fetchFile(url, ctx);
  } catch (error) {
    if (hub && HubError.isInstance(error) && error.details.missing === 'file') {
      await store?.put(url, new Response('', { headers: { [MISSING_HEADER]: '1' } }));
    }
    throw error;
  }
  const { chunks, blob } = await readBody(fetched, ctx, o);
  const headers: Record<string, string> = { 'content-length': String(blob.size) };
  if (fetched.meta.commit) headers['x-repo-commit'] = fetched.meta.commit;
  if (fetched.meta.etag) headers.etag = `"${fetched.meta.etag}"`;
  // verified: cached whole (cache.put is atomic) while the caller reads the bytes still in memory, so the
  // write (2.7 s for GPT-2 124M's 498 MB in headless Chromium) overlaps the load; close() waits for it, and a
  // failure is logged
  const cached = store?.put(url, new Response(blob, { headers }));
  const opened = chunkedModelFile(file, chunks, blob);
  return {
    ...opened,
    async close() {
      await opened.close();
      await cached;
    },
  };
}

/** Like {@link openModelFile}, but `undefined` when the file does not exist (a clean 404 for the file). */
export async function tryOpenModelFile(
  source: ModelSource,
  file: string,
  options?: HubOptions,
): Promise<ModelFile | undefined> {
  return undefinedIfMissingFile(openModelFile(source, file, options));
}
