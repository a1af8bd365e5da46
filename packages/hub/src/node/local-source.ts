// Local directories in Node: files are read in place (no copy), the name validated like a repo file name
// so that it cannot leave the directory. A Hugging Face snapshot folder works too (its symlinks are followed).

import { stat } from 'node:fs/promises';
import { HubError } from '../errors.js';
import { validateFileName } from '../names.js';
import type { ResolvedOptions } from '../options.js';
import { ProgressReporter } from '../progress.js';
import type { ModelFile } from '../types.js';
import { openFsModelFile } from './fs-file.js';
import { inside } from './paths.js';

/** Opens `file` in directory `dir` (absolute). HubError `not_found` with missing 'directory' or 'file'. */
export async function openLocalFile(dir: string, file: string, o: ResolvedOptions): Promise<ModelFile> {
  const path = inside(dir, ...validateFileName(file).split('/'));
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new HubError(
      'not_found',
      `local directory ${dir} does not exist (or is not a directory); check the path, or pass a repo id or URL`,
      { file, missing: 'directory' },
    );
  }
  const opened = await openFsModelFile(path, file);
  new ProgressReporter(file, undefined, o.onProgress).done(opened.size, true);
  return opened;
}
