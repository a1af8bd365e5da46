// openModelFile / tryOpenModelFile for Node: validate options and names once, classify the source
// (an existing directory wins, as in transformers), then dispatch to the local, URL or hub reader.

import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { undefinedIfMissingFile } from '../errors.js';
import { validateFileName } from '../names.js';
import { throwIfAborted } from '../options.js';
import { classifyRemote, looksLikePath } from '../source.js';
import type { HubOptions, ModelFile, ModelSource } from '../types.js';
import { nodeOptions } from './env.js';
import { openHubFile } from './hub-source.js';
import { openLocalFile } from './local-source.js';
import { openUrlFile } from './url-source.js';

function localPath(source: string): string {
  if (/^file:/i.test(source)) return fileURLToPath(source);
  if (source === '~' || source.startsWith('~/')) return resolve(homedir(), source.slice(2));
  return resolve(source);
}

/**
 * Opens one file of a model: from a local directory (read in place), an http(s) base URL, or a hub repo
 * through the Hugging Face cache (downloaded atomically and verified on first use, no request afterwards).
 *
 * @throws HubError `not_found` when absent (see `details.missing`), and the other codes of HubErrorCode.
 * @example
 * ```ts
 * const config = await (await openModelFile('gpt2', 'config.json')).json();
 * const weights = await openModelFile('models/gpt2-tiny', 'model.safetensors');
 * const header = await weights.read(0, 8); // random access, no full copy
 * await weights.close();
 * ```
 */
export async function openModelFile(
  source: ModelSource,
  file: string,
  options?: HubOptions,
): Promise<ModelFile> {
  const o = nodeOptions(options);
  validateFileName(file);
  throwIfAborted(o.signal, `${String(source)}: ${file}`);
  if (typeof source === 'string' && source !== '') {
    const path = looksLikePath(source);
    if (path || (await stat(source).catch(() => undefined))?.isDirectory()) {
      return openLocalFile(localPath(source), file, o);
    }
  }
  const remote = classifyRemote(source);
  return remote.kind === 'url' ? openUrlFile(remote.base, file, o) : openHubFile(remote.repoId, file, o);
}

/**
 * Like {@link openModelFile}, but resolves to `undefined` when the file does not exist (a 404 for the file,
 * or a missing file in a local directory). A missing repo, revision or directory, and every other failure, throw.
 *
 * @example
 * ```ts
 * const gen = await tryOpenModelFile('gpt2', 'generation_config.json');
 * const config = gen ? await gen.json() : {};
 * ```
 */
export async function tryOpenModelFile(
  source: ModelSource,
  file: string,
  options?: HubOptions,
): Promise<ModelFile | undefined> {
  return undefinedIfMissingFile(openModelFile(source, file, options));
}
