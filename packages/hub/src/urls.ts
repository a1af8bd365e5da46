// URL building for hub and URL sources: every path segment is percent-encoded after validation, so a name
// can never change the URL's path structure. Shared by the Node and browser entries.

import { HubError } from './errors.js';
import { validateFileName } from './names.js';

function parseHttpUrl(value: string, what: string, fix: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HubError('invalid_option', `${what} ${JSON.stringify(value)} is not a URL; ${fix}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HubError('invalid_option', `${what} ${JSON.stringify(value)} must use http or https; ${fix}`);
  }
  if (url.username || url.password) {
    throw new HubError('invalid_option', `${what} must not embed credentials; pass options.token instead`);
  }
  if (url.search || url.hash) {
    throw new HubError(
      'invalid_option',
      `${what} ${JSON.stringify(value)} must not have a query or fragment`,
    );
  }
  return url;
}

/** Validates an endpoint (`https://huggingface.co`, a mirror, a path prefix allowed) and strips trailing `/`. */
export function normalizeEndpoint(endpoint: string): string {
  const url = parseHttpUrl(endpoint, 'endpoint', "e.g. 'https://huggingface.co' (HF_ENDPOINT)");
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Validates a URL source base and strips trailing `/`. */
export function normalizeBaseUrl(base: string): string {
  const url = parseHttpUrl(base, 'source URL', "e.g. 'https://example.com/models/gpt2'");
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function encodePath(file: string): string {
  return validateFileName(file).split('/').map(encodeURIComponent).join('/');
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}` with the revision encoded as one segment (as huggingface_hub). */
export function resolveUrl(endpoint: string, repoId: string, revision: string, file: string): string {
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

/** `{base}/{file}` for URL sources. */
export function fileUrl(base: string, file: string): string {
  return `${base}/${encodePath(file)}`;
}

/** True for a hub resolve URL: the only kind of URL whose redirect may leave its host (to the CDN). */
export function isResolveUrl(url: URL): boolean {
  return /\/resolve\/[^/]+\/./.test(url.pathname);
}
