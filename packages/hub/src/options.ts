// Option resolution: HubOptions + environment variables → one validated ResolvedOptions, checked once at
// the boundary with the allowed values in each message. Shared; the caller passes its environment.

import { HubError } from './errors.js';
import { validateRevision } from './names.js';
import type { DownloadProgress, HubOptions } from './types.js';
import { normalizeEndpoint } from './urls.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** The environment variables this package reads (a plain record, so the browser can pass `{}`). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolvedOptions {
  revision: string;
  cacheDir: string;
  endpoint: string;
  token: string | undefined;
  offline: boolean;
  onProgress: ((p: DownloadProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  fetch: typeof fetch;
  log: ((message: string) => void) | undefined;
}

/** huggingface_hub's truthy values for boolean env vars. */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'on', 'yes', 'true'].includes(value.trim().toLowerCase());
}

function optionError(name: string, expected: string, got: unknown): HubError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : typeof got;
  return new HubError('invalid_option', `options.${name} must be ${expected}, got ${shown}`);
}

function optional<T>(
  options: HubOptions,
  name: keyof HubOptions,
  type: string,
  expected: string,
): T | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== type) throw optionError(name, expected, value);
  return value as T;
}

/**
 * Validates `options` and fills defaults from `env`. Unknown keys are ignored (loaders extend HubOptions).
 * `defaults.cacheDir` and `defaults.token` compute the platform defaults lazily.
 */
export function resolveOptions(
  options: HubOptions | undefined,
  env: Env,
  defaults: { cacheDir: () => string; token: () => string | undefined },
): ResolvedOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new HubError('invalid_option', `options must be an object or undefined, got ${typeof options}`);
  }
  const o = options ?? {};
  const revision = optional<string>(o, 'revision', 'string', "a branch, tag or commit (default 'main')");
  const cacheDir = optional<string>(o, 'cacheDir', 'string', 'a non-empty string');
  if (cacheDir === '') throw optionError('cacheDir', 'a non-empty string', cacheDir);
  const endpoint = optional<string>(o, 'endpoint', 'string', 'an http(s) URL');
  const token = optional<string>(o, 'token', 'string', "a string ('' sends no token)");
  const offline = optional<boolean>(o, 'offline', 'boolean', 'true or false');
  const onProgress = optional<(p: DownloadProgress) => void>(o, 'onProgress', 'function', 'a function');
  const fetchFn = optional<typeof fetch>(o, 'fetch', 'function', 'a fetch-compatible function');
  const log = optional<(m: string) => void>(o, 'log', 'function', 'a function');
  const signal = o.signal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || !('aborted' in signal))) {
    throw optionError('signal', 'an AbortSignal', signal);
  }
  const chosenFetch = fetchFn ?? globalThis.fetch;
  if (typeof chosenFetch !== 'function') {
    throw new HubError(
      'invalid_option',
      'no fetch available: pass options.fetch (Node >= 20 has a global fetch)',
    );
  }
  const envToken = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  const resolvedToken = token !== undefined ? token : (envToken ?? defaults.token());
  return {
    revision: validateRevision(revision ?? 'main'),
    cacheDir: cacheDir ?? defaults.cacheDir(),
    endpoint: normalizeEndpoint(endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT)),
    token: resolvedToken ? resolvedToken.trim() : undefined,
    offline: offline ?? isTruthy(env.HF_HUB_OFFLINE),
    onProgress,
    signal,
    fetch: chosenFetch,
    log,
  };
}

/** Throws HubError `aborted` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new HubError('aborted', `${what}: aborted by options.signal`);
}
