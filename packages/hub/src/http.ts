// HTTP for hub and URL sources: one GET per file with redirects followed by hand under a fixed policy,
// the hub's metadata headers read from the resolve answer, and each failure status mapped to one clear
// HubError. Shared; uses fetch only.

import { displayUrl, HubError, type HubErrorDetails } from './errors.js';
import { isControl, validateServerId } from './names.js';
import { isResolveUrl } from './urls.js';

/** What the request is for: names for messages, and how to talk to the server. */
export interface RequestContext {
  file: string;
  repo?: string;
  revision?: string;
  /** Sent as `Authorization: Bearer` to the origin of the first URL only, never across a redirect to another host. */
  token?: string;
  fetch: typeof fetch;
  signal?: AbortSignal;
  log?: (message: string) => void;
  /** Node: true (redirect: 'manual', policy checked before each hop). Browsers hide 3xx answers, so false there. */
  manualRedirects: boolean;
}

/** What the hub said about the file. */
export interface FileMeta {
  /** `X-Repo-Commit` of the hub's answer. */
  commit?: string;
  /** Blob id: `X-Linked-Etag` (LFS sha256) else `ETag`, quotes and `W/` stripped. */
  etag?: string;
  /** The sha256 the content must have, when the server states it (an LFS etag is the sha256). */
  sha256?: string;
  /** `X-Linked-Size`, else Content-Length of an unencoded body. */
  size?: number;
}

export interface FetchedFile {
  response: Response;
  meta: FileMeta;
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** Strips `W/` and quotes from an ETag value. */
export function parseEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  const v = value
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return v === '' ? undefined : v;
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\d{1,16}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * Reads the hub's metadata headers; `answer` is the hop that carried X-Repo-Commit (or the final one).
 * A plain ETag counts as a sha256 only in a hub answer (there an LFS ETag is the sha256); Content-Length
 * counts as the size only when `trustContentLength` (Node sends Accept-Encoding: identity; browsers may
 * decode a compressed body and hide Content-Encoding on cross-origin answers).
 */
export function readMeta(answer: Response, final: Response, trustContentLength: boolean): FileMeta {
  const linkedEtag = parseEtag(answer.headers.get('x-linked-etag'));
  const etag = linkedEtag ?? parseEtag(answer.headers.get('etag'));
  const commit = answer.headers.get('x-repo-commit')?.trim() || undefined;
  const linkedSize = parseSize(answer.headers.get('x-linked-size'));
  const encoded = (final.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  const plainSize =
    trustContentLength && !encoded ? parseSize(final.headers.get('content-length')) : undefined;
  const claimed = linkedEtag ?? (commit !== undefined ? etag : undefined);
  const sha256 = claimed && /^[0-9a-f]{64}$/.test(claimed) ? claimed : undefined;
  return { commit, etag, size: linkedSize ?? plainSize, sha256 };
}

function subject(ctx: RequestContext): string {
  return ctx.repo ? `${ctx.repo}@${ctx.revision ?? 'main'}: ${ctx.file}` : ctx.file;
}

function details(ctx: RequestContext, url: string, extra: HubErrorDetails = {}): HubErrorDetails {
  return { repo: ctx.repo, revision: ctx.revision, file: ctx.file, url: displayUrl(url), ...extra };
}

function oneLine(text: string | null): string {
  if (!text) return '';
  let out = '';
  for (const ch of text.slice(0, 200)) out += isControl(ch.charCodeAt(0)) ? ' ' : ch;
  return out.trim();
}

/** Maps a fetch/stream failure to HubError `aborted` or `network`. */
export function transportError(error: unknown, ctx: RequestContext, url: string): HubError {
  if (HubError.isInstance(error)) return error;
  const name = (error as { name?: string } | null)?.name;
  if (ctx.signal?.aborted || name === 'AbortError') {
    return new HubError('aborted', `${subject(ctx)}: download aborted by options.signal`, details(ctx, url), {
      cause: error,
    });
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error | null)?.message ?? String(error);
  return new HubError(
    'network',
    `${subject(ctx)}: network error from ${displayUrl(url)} (${oneLine(reason)}); check the connection, ` +
      'or set HF_HUB_OFFLINE=1 to use only the cache',
    details(ctx, url),
    { cause: error },
  );
}

/** Maps a non-success answer to one HubError. */
export function statusError(response: Response, ctx: RequestContext, url: string): HubError {
  const status = response.status;
  const code = response.headers.get('x-error-code') ?? '';
  const serverMessage = oneLine(response.headers.get('x-error-message'));
  const said = serverMessage ? ` (server: ${serverMessage})` : '';
  const where = displayUrl(url);
  const commit = response.headers.get('x-repo-commit')?.trim() || undefined;
  const d = (extra: HubErrorDetails = {}) => details(ctx, url, { status, ...extra });
  const repo = ctx.repo ?? where;
  if (code === 'RepoNotFound' && (status === 401 || status === 404)) {
    return new HubError(
      'not_found',
      `repository ${repo} not found at ${where} (HTTP ${status})${said}; check the repo id, or set HF_TOKEN if it is private`,
      d({ missing: 'repo' }),
    );
  }
  if (status === 401) {
    return new HubError(
      'unauthorized',
      `${subject(ctx)}: 401 Unauthorized from ${where}${said}; set HF_TOKEN (or options.token) to a token with read access`,
      d(),
    );
  }
  if (status === 403) {
    const gated = code === 'GatedRepo' ? ` ${repo} is gated: accept its terms on the hub, then` : '';
    return new HubError(
      'forbidden',
      `${subject(ctx)}: 403 Forbidden from ${where}${said};${gated} use an HF_TOKEN that has access to this repo`,
      d(),
    );
  }
  if (status === 404 && code === 'RevisionNotFound') {
    return new HubError(
      'not_found',
      `revision ${JSON.stringify(ctx.revision)} not found in ${repo} (${where})${said}; check the branch, tag or commit`,
      d({ missing: 'revision' }),
    );
  }
  if (status === 404 || status === 410) {
    const inRepo = ctx.repo ? ` in ${ctx.repo} at revision ${ctx.revision}` : '';
    return new HubError(
      'not_found',
      `file ${ctx.file} not found${inRepo} (HTTP ${status} from ${where})${said}; check the file name`,
      d({ missing: 'file', commit }),
    );
  }
  if (status >= 500) {
    return new HubError(
      'server_error',
      `${subject(ctx)}: server error ${status} from ${where}${said}; retry later, or set HF_ENDPOINT to a mirror`,
      d(),
    );
  }
  return new HubError('http_error', `${subject(ctx)}: HTTP ${status} from ${where}${said}`, d());
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body is not needed; a failed cancel only means the connection is already gone.
  }
}

/** The redirect policy: same origin always; another origin only from a resolve URL, never https → http. */
function checkRedirect(from: URL, to: URL, ctx: RequestContext): void {
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new HubError(
      'redirect_refused',
      `${subject(ctx)}: redirect from ${displayUrl(from)} to a ${to.protocol} URL refused`,
      details(ctx, from.href),
    );
  }
  if (to.origin === from.origin) return;
  if (!isResolveUrl(from)) {
    throw new HubError(
      'redirect_refused',
      `${subject(ctx)}: redirect from ${displayUrl(from)} to another host (${to.origin}) refused: only hub ` +
        'resolve URLs may redirect off-host; point the source at the final URL',
      details(ctx, from.href),
    );
  }
  if (from.protocol === 'https:' && to.protocol === 'http:') {
    throw new HubError(
      'redirect_refused',
      `${subject(ctx)}: redirect from https to plain http (${to.origin}) refused`,
      details(ctx, from.href),
    );
  }
  ctx.log?.(`@gpt2js/hub: ${ctx.file}: following redirect from ${from.origin} to ${to.origin}`);
}

// A request that fails before any answer (refused, reset, a keep-alive socket the server just closed) is
// retried after these pauses; an answer, even an error status, is never retried.
const RETRY_DELAYS_MS = [100, 500];

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function request(url: string, headers: Record<string, string>, ctx: RequestContext): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      // Called detached: a browser's fetch throws "Illegal invocation" when `this` is not the global.
      const doFetch = ctx.fetch;
      return await doFetch(url, {
        headers,
        redirect: ctx.manualRedirects ? 'manual' : 'follow',
        signal: ctx.signal,
      });
    } catch (error) {
      const failure = transportError(error, ctx, url);
      if (failure.code !== 'network' || attempt >= RETRY_DELAYS_MS.length) throw failure;
      await pause(RETRY_DELAYS_MS[attempt], ctx.signal);
    }
  }
}

/**
 * GETs `url`, following redirects under the policy, and returns the successful response (body unread)
 * with the file's metadata. Any other answer becomes a HubError; the body of every discarded hop is cancelled.
 */
export async function fetchFile(url: string, ctx: RequestContext): Promise<FetchedFile> {
  const origin = new URL(url).origin;
  let current = new URL(url);
  let answer: Response | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (ctx.token && current.origin === origin) headers.authorization = `Bearer ${ctx.token}`;
    const response = await request(current.href, headers, ctx);
    if (!answer && response.headers.has('x-repo-commit')) {
      // The hub's answer names the commit and blob: refuse unusable ids before following it anywhere.
      answer = response;
      const meta = readMeta(response, response, false);
      if (meta.commit !== undefined) validateServerId('commit', meta.commit, displayUrl(current));
      if (meta.etag !== undefined) validateServerId('ETag', meta.etag, displayUrl(current));
    }
    if (ctx.manualRedirects && REDIRECTS.has(response.status)) {
      const location = response.headers.get('location');
      await discard(response);
      if (!location) {
        throw new HubError(
          'invalid_response',
          `${subject(ctx)}: redirect ${response.status} from ${displayUrl(current)} has no Location header`,
          details(ctx, current.href),
        );
      }
      const next = new URL(location, current);
      checkRedirect(current, next, ctx);
      current = next;
      continue;
    }
    if (!response.ok) {
      await discard(response);
      throw statusError(response, ctx, current.href);
    }
    if (!ctx.manualRedirects && response.redirected && response.url) {
      // The browser already followed: enforce the same policy on where it ended up.
      const final = new URL(response.url);
      if (final.origin !== new URL(url).origin && !isResolveUrl(new URL(url))) {
        await discard(response);
        checkRedirect(new URL(url), final, ctx);
      }
    }
    return { response, meta: readMeta(answer ?? response, response, ctx.manualRedirects), url: current.href };
  }
  throw new HubError(
    'invalid_response',
    `${subject(ctx)}: more than ${MAX_REDIRECTS} redirects starting at ${displayUrl(url)}`,
    details(ctx, url),
  );
}
