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

/** A ModelFile over a Blob: `read` slices without copying the rest. */
export function blobModelFile(name: string, blob: Blob): ModelFile {
  const size = blob.size;
  const bytes = async () => new Uint8Array(await blob.arrayBuffer());
  return {
    name,
    size,
    async read(offset, length) {
      checkRange(name, size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
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
