// ModelFile over a file on disk (local directories and cache snapshots): an fs file handle, so `read`
// fetches only the requested bytes and a 6 GB checkpoint is never copied whole unless `bytes()` is called.

import { type FileHandle, open } from 'node:fs/promises';
import { HubError } from '../errors.js';
import { checkRange, decodeText, parseJson } from '../model-file.js';
import type { ModelFile } from '../types.js';

/** Opens `path` for reading as the ModelFile `name`. ENOENT/ENOTDIR become HubError `not_found` (missing 'file'). */
export async function openFsModelFile(path: string, name: string): Promise<ModelFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fsError(error, path, name);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new HubError('not_found', `${name}: ${path} is not a regular file`, {
      file: name,
      missing: 'file',
    });
  }
  const size = stat.size;
  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new HubError('io', `${name}: read after close(); open the file again`, { file: name });
  };
  const read = async (offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> => {
    checkRange(name, size, offset, length);
    ensureOpen();
    const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new HubError(
          'io',
          `${name}: ${path} shrank while reading (at byte ${offset + done} of ${size})`,
          {
            file: name,
          },
        );
      }
      done += bytesRead;
    }
    return out;
  };
  return {
    name,
    size,
    path,
    read,
    bytes: () => read(0, size),
    text: async () => decodeText(await read(0, size)),
    json: async <T>() => parseJson<T>(name, decodeText(await read(0, size))),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** Maps a file-system error on `path` to a HubError. */
export function fsError(error: unknown, path: string, name: string): HubError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new HubError(
      'not_found',
      `${name}: no such file ${path}`,
      { file: name, missing: 'file' },
      { cause: error },
    );
  }
  return new HubError(
    'io',
    `${name}: cannot use ${path} (${code ?? (error as Error).message})`,
    { file: name },
    {
      cause: error,
    },
  );
}
