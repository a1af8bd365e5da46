// The Hugging Face cache layout, exactly as huggingface_hub writes it, so Python and gpt2js share files:
//   {cacheDir}/models--{owner}--{name}/blobs/{etag}
//                                     /snapshots/{commit}/{file}  → ../../blobs/{etag} (relative symlink)
//                                     /refs/{revision}            (contains the commit)
//                                     /.no_exist/{commit}/{file}  (empty: the hub said 404)
// plus gpt2js's own folder for URL sources: {cacheDir}/urls--{sha256(base)[:16]}/files/{file}.
// Every path is built from validated names and checked to stay inside its folder.

import { createHash } from 'node:crypto';
import { isAbsolute, join, relative, sep } from 'node:path';
import { HubError } from '../errors.js';

/** Joins `parts` under `root` and refuses a result outside `root` (defence in depth behind names.ts). */
export function inside(root: string, ...parts: string[]): string {
  const path = join(root, ...parts);
  const rel = relative(root, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new HubError(
      'invalid_name',
      `path ${JSON.stringify(parts.join('/'))} would leave ${root}; refused`,
    );
  }
  return path;
}

/** `models--owner--name` (huggingface_hub's repo_folder_name for model repos). */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

export class RepoCache {
  readonly dir: string;

  constructor(cacheDir: string, repoId: string) {
    this.dir = inside(cacheDir, repoFolderName(repoId));
  }

  get blobsDir(): string {
    return join(this.dir, 'blobs');
  }

  blob(etag: string): string {
    return inside(this.dir, 'blobs', etag);
  }

  snapshot(commit: string, file: string): string {
    return inside(this.dir, 'snapshots', commit, ...file.split('/'));
  }

  ref(revision: string): string {
    return inside(this.dir, 'refs', ...revision.split('/'));
  }

  noExist(commit: string, file: string): string {
    return inside(this.dir, '.no_exist', commit, ...file.split('/'));
  }
}

/** The cache folder of a URL source: `urls--` and the first 16 hex digits of sha256(base). */
export function urlCacheDir(cacheDir: string, base: string): string {
  return inside(cacheDir, `urls--${createHash('sha256').update(base).digest('hex').slice(0, 16)}`);
}
