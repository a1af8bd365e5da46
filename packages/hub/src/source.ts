// Source classification shared by both entries: an http(s) base URL, a hub repo id, or (Node only) a
// local directory. The Node entry checks the disk first, like transformers' os.path.isdir.

import { HubError } from './errors.js';
import { resolveRepoId } from './repo-id.js';
import { normalizeBaseUrl } from './urls.js';

export type ClassifiedSource = { kind: 'url'; base: string } | { kind: 'hub'; repoId: string };

/** True when `source` can only be a file-system path (absolute, ./, ../, ~, a drive letter, a backslash). */
export function looksLikePath(source: string): boolean {
  return (
    source.startsWith('/') ||
    source.startsWith('~') ||
    /^\.\.?([\\/]|$)/.test(source) ||
    /^[A-Za-z]:[\\/]/.test(source) ||
    source.includes('\\') ||
    /^file:/i.test(source)
  );
}

/** Classifies a source that is not a local directory: a URL base or a repo id (validated). */
export function classifyRemote(source: unknown): ClassifiedSource {
  if (typeof source !== 'string' || source === '') {
    throw new HubError(
      'invalid_name',
      `source must be a non-empty string (local directory, http(s) URL or repo id), got ${JSON.stringify(source) ?? typeof source}`,
    );
  }
  if (/^https?:\/\//i.test(source)) return { kind: 'url', base: normalizeBaseUrl(source) };
  return { kind: 'hub', repoId: resolveRepoId(source) };
}
