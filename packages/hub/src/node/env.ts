// Node defaults from Hugging Face's environment variables: cache folder, token (env or the
// `huggingface-cli login` token file) and offline mode, resolved per call so tests can change them.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ResolvedOptions, resolveOptions } from '../options.js';
import type { HubOptions } from '../types.js';

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

function hfHome(): string {
  const env = process.env;
  if (env.HF_HOME) return resolve(expandHome(env.HF_HOME));
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return resolve(xdg, 'huggingface');
}

/**
 * The hub cache folder shared with Python's huggingface_hub: `HF_HUB_CACHE` (or the older
 * `HUGGINGFACE_HUB_CACHE`), else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`.
 *
 * @example
 * ```ts
 * defaultCacheDir(); // '/home/me/.cache/huggingface/hub'
 * ```
 */
export function defaultCacheDir(): string {
  const env = process.env;
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  return explicit ? resolve(expandHome(explicit)) : join(hfHome(), 'hub');
}

/** The token saved by `huggingface-cli login` (`HF_TOKEN_PATH`, else `$HF_HOME/token`), if any. */
function tokenFromFile(): string | undefined {
  const path = process.env.HF_TOKEN_PATH ? expandHome(process.env.HF_TOKEN_PATH) : join(hfHome(), 'token');
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** HubOptions + process.env → validated options, the cache folder made absolute. */
export function nodeOptions(options: HubOptions | undefined): ResolvedOptions {
  const resolved = resolveOptions(options, process.env, { cacheDir: defaultCacheDir, token: tokenFromFile });
  return { ...resolved, cacheDir: resolve(expandHome(resolved.cacheDir)) };
}
