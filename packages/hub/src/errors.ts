// HubError: the one error type of @gpt2js/hub. Every message is one line naming the repo/file/URL,
// what went wrong and the fix; `code` is stable for programs, `details` carries the structured facts.

const MARKER: unique symbol = Symbol.for('gpt2js.error');

/** Stable error codes of {@link HubError}. */
export type HubErrorCode =
  | 'not_found' // repo, revision, file or local directory does not exist (see details.missing)
  | 'unauthorized' // HTTP 401: no token or a bad one
  | 'forbidden' // HTTP 403: token lacks access, gated repo
  | 'server_error' // HTTP 5xx
  | 'http_error' // any other non-success HTTP status (429, 416, …)
  | 'offline' // HF_HUB_OFFLINE / options.offline and the file is not cached
  | 'invalid_name' // repo id, revision, file name or source refused before any request
  | 'invalid_option' // an option has the wrong type or range
  | 'invalid_response' // the server's answer is unusable (missing Location, unsafe ETag, no commit…)
  | 'redirect_refused' // a redirect the policy does not allow
  | 'integrity' // size or sha256 mismatch: the download was discarded
  | 'network' // connection refused, reset, dropped mid-body
  | 'aborted' // options.signal fired
  | 'unsupported' // e.g. a local directory in the browser
  | 'out_of_range' // ModelFile.read outside the file
  | 'invalid_json' // ModelFile.json on a file that is not JSON
  | 'io'; // a file-system operation failed (permissions, disk full…)

/** Structured facts attached to a {@link HubError}. */
export interface HubErrorDetails {
  repo?: string;
  revision?: string;
  file?: string;
  /** The URL without its query string (signed CDN URLs carry secrets there). */
  url?: string;
  status?: number;
  /** For `not_found`: which thing is missing. Only `'file'` makes `tryOpenModelFile` return undefined. */
  missing?: 'repo' | 'revision' | 'file' | 'directory';
  /** The commit the hub named in a 404 answer (used for the `.no_exist` marker). */
  commit?: string;
  cacheDir?: string;
}

/**
 * The error thrown by every function of `@gpt2js/hub`.
 *
 * @example
 * ```ts
 * try { await openModelFile('gpt2', 'nope.json'); }
 * catch (e) { if (HubError.isInstance(e) && e.code === 'not_found') console.log(e.details.missing); }
 * ```
 */
export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly details: HubErrorDetails;
  readonly [MARKER] = true;

  constructor(
    code: HubErrorCode,
    message: string,
    details: HubErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubError';
    this.code = code;
    this.details = details;
  }

  /** True for a HubError, also one thrown by another copy of this package. */
  static isInstance(error: unknown): error is HubError {
    if (error instanceof HubError) return true;
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[MARKER] === true &&
      (error as { name?: unknown }).name === 'HubError'
    );
  }
}

/** Strips the query and fragment from a URL for messages and logs. */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url);
  }
}

/**
 * Runs an open and maps "this file does not exist" (a clean 404 for the file, or a missing local file) to
 * `undefined`. A missing repo, revision or directory, and every other failure, still throw: the one rule behind
 * `tryOpenModelFile` in both the Node and the browser entry.
 */
export async function undefinedIfMissingFile<T>(open: Promise<T>): Promise<T | undefined> {
  try {
    return await open;
  } catch (error) {
    if (HubError.isInstance(error) && error.code === 'not_found' && error.details.missing === 'file')
      return undefined;
    throw error;
  }
}
