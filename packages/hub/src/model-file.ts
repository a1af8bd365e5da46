// ModelFile helpers shared by both entries: bounds checks, UTF-8 and JSON decoding with errors naming the
// file, and a ModelFile over a Blob (browser cache entries, in-memory bodies).

import { HubError } from './errors.js';
import type { ModelFile } from './types.js';

/** Throws HubError `out_of_range` unless 0 ≤ offset, 0 ≤ length, offset + length ≤ size (integers). */
export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new HubError(
      'out_of_range',
      `${name}: read(${offset}, ${length}) needs non-negative integer offset and length`,
      { file: name },
    );
  }
  if (offset + length > size) {
    throw new HubError(
      'out_of_range',
      `${name}: read(${offset}, ${length}) ends at byte ${offset + length}, past the file size ${size}`,
      { file: name },
    );
  }
}

/** Decodes UTF-8 (a leading BOM is dropped, invalid bytes become U+FFFD). */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** Parses JSON with an error that names the file. */
export function parseJson<T>(name: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new HubError(
      'invalid_json',
      `${name}: not valid JSON (${(error as Error).message}); the file may be truncated or not a JSON file`,
      { file: name },
      { cause: error },
    );
  }
}

/** Attempts of one Blob read that fails with NotReadableError, and the wait before the n-th retry. */
const BLOB_READ_ATTEMPTS = 6;
const blobRetryDelayMs = (attempt: number) => 50 * 2 ** attempt;

/**
 * Reads a slice of a Blob. Chromium (seen in headless Chromium 156 with GPT-2 124M's 498 MB weights, read in
 * 4 MB blocks) now and then rejects such a read with a transient NotReadableError; the same read succeeds
 * when repeated, so it is retried five times (waits of 0.1–1.6 s, ≈ 3 s in all) before the error is passed on.
 */
async function readBlobSlice(blob: Blob, offset: number, length: number): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt++) {
    try {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    } catch (error) {
      if ((error as Error)?.name !== 'NotReadableError' || attempt >= BLOB_READ_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, blobRetryDelayMs(attempt)));
    }
  }
}

/** A ModelFile over a Blob: `read` slices without copying the rest. */
export function blobModelFile(name: string, blob: Blob): ModelFile {
  const size = blob.size;
  const bytes = async () => new Uint8Array(await blob.arrayBuffer());
  return {
    name,
    size,
    async read(offset, length) {
      checkRange(name, size, offset, length);
      return readBlobSlice(blob, offset, length);
    },
    bytes,
    async text() {
      return decodeText(await bytes());
    },
    async json<T>() {
      return parseJson<T>(name, decodeText(await bytes()));
    },
    async close() {},
  };
}
