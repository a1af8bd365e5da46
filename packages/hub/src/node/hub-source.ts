// Hub repos in Node: look in the HF cache first (a commit, or refs/{revision} → commit → snapshot; no
// network), then one GET of the resolve URL whose answer names the commit and blob; the blob is downloaded
// atomically unless another run already has it, then the snapshot link and the ref are written.

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubError } from '../errors.js';
import { fetchFile, type RequestContext } from '../http.js';
import { isCommitHash, validateServerId } from '../names.js';
import type { ResolvedOptions } from '../options.js';
import { ProgressReporter } from '../progress.js';
import type { ModelFile } from '../types.js';
import { resolveUrl } from '../urls.js';
import { downloadAtomic, linkAtomic, writeFileAtomic } from './atomic.js';
import { openFsModelFile } from './fs-file.js';
import { RepoCache } from './paths.js';

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function readRef(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const commit = text?.trim();
  return commit && isCommitHash(commit) ? commit : undefined;
}

function missingFile(repoId: string, revision: string, file: string, commit: string): HubError {
  return new HubError(
    'not_found',
    `file ${file} not found in ${repoId} at revision ${revision} (commit ${commit}, remembered from an earlier ` +
      'answer of the hub); check the file name',
    { repo: repoId, revision, file, commit, missing: 'file' },
  );
}

/** Opens `file` of hub repo `repoId` through the cache. */
export async function openHubFile(repoId: string, file: string, o: ResolvedOptions): Promise<ModelFile> {
  const cache = new RepoCache(o.cacheDir, repoId);
  const revision = o.revision;
  const progress = new ProgressReporter(file, undefined, o.onProgress);

  const known = isCommitHash(revision) ? revision : await readRef(cache.ref(revision));
  if (known) {
    const snapshot = cache.snapshot(known, file);
    if (await isFile(snapshot)) {
      const opened = await openFsModelFile(snapshot, file);
      progress.done(opened.size, true);
      return opened;
    }
    if (await isFile(cache.noExist(known, file))) throw missingFile(repoId, revision, file, known);
  }
  if (o.offline) {
    throw new HubError(
      'offline',
      `offline (HF_HUB_OFFLINE): ${repoId}@${revision}: ${file} is not in the cache ${cache.dir}; ` +
        'run once online, or unset HF_HUB_OFFLINE',
      { repo: repoId, revision, file, cacheDir: o.cacheDir },
    );
  }

  const ctx: RequestContext = {
    file,
    repo: repoId,
    revision,
    token: o.token,
    fetch: o.fetch,
    signal: o.signal,
    log: o.log,
    manualRedirects: true,
  };
  const url = resolveUrl(o.endpoint, repoId, revision, file);
  let fetched: Awaited<ReturnType<typeof fetchFile>>;
  try {
    fetched = await fetchFile(url, ctx);
  } catch (error) {
    await rememberMissing(cache, error, file, revision);
    throw error;
  }
  const { response, meta } = fetched;
  const commit = meta.commit ?? (isCommitHash(revision) ? revision : undefined);
  if (!commit) {
    await response.body?.cancel().catch(() => {});
    throw new HubError(
      'invalid_response',
      `${repoId}@${revision}: ${file}: the answer from ${o.endpoint} has no X-Repo-Commit header; check that ` +
        'HF_ENDPOINT points at a Hugging Face hub, or use a URL source for plain file servers',
      { repo: repoId, revision, file },
    );
  }
  validateServerId('commit', commit, url);
  if (meta.etag !== undefined) validateServerId('ETag', meta.etag, url);

  let blob = meta.etag !== undefined ? cache.blob(meta.etag) : undefined;
  const existing = blob ? await stat(blob).catch(() => undefined) : undefined;
  const reuse =
    blob !== undefined && existing?.isFile() === true && (meta.size ?? existing.size) === existing.size;
  if (blob && reuse) {
    // Another file or another process already holds these bytes: no download.
    await response.body?.cancel().catch(() => {});
  } else {
    blob = await downloadAtomic(
      response,
      {
        dir: cache.blobsDir,
        name: meta.etag,
        size: meta.size,
        sha256: meta.sha256,
        onProgress: o.onProgress,
      },
      ctx,
    );
  }
  const snapshot = cache.snapshot(commit, file);
  await linkAtomic(blob, snapshot);
  if (revision !== commit) await writeFileAtomic(cache.ref(revision), commit);
  const opened = await openFsModelFile(snapshot, file);
  if (reuse) progress.done(opened.size, true);
  return opened;
}

/** After a 404 for a file the hub tied to a commit, leave huggingface_hub's `.no_exist` marker and the ref (best effort). */
async function rememberMissing(
  cache: RepoCache,
  error: unknown,
  file: string,
  revision: string,
): Promise<void> {
  if (!HubError.isInstance(error) || error.details.missing !== 'file' || !error.details.commit) return;
  const commit = error.details.commit;
  if (!isCommitHash(commit)) return;
  const marker = cache.noExist(commit, file);
  try {
    await mkdir(dirname(marker), { recursive: true });
    await writeFile(marker, '');
    if (revision !== commit) await writeFileAtomic(cache.ref(revision), commit);
  } catch {
    // The marker only saves a request next time.
  }
}
