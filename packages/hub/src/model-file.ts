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

/**
 * Bytes a Blob read fetches at least: later reads inside them are served from memory. Each Blob read costs a
 * round trip to Chromium's blob storage (≈ 90 ms in headless Chromium 156 here, whatever the size up to tens
 * of MB), so GPT-2 124M's 498 MB read in 4 MB blocks spent 12 s in 125 reads; in 32 MB windows it makes 16.
 */
export const BLOB_WINDOW_BYTES = 32 * 1024 * 1024;

/**
 * A ModelFile over a Blob: `read` slices without copying the rest, through a window of
 * {@link BLOB_WINDOW_BYTES} that serves the reads after it (a file read front to back, as the loaders read
 * a weights file, costs one Blob read per window). Reads return arrays of their own (copied out of the window).
 */
export function blobModelFile(name: string, blob: Blob, windowBytes = BLOB_WINDOW_BYTES): ModelFile {
  const size = blob.size;
  const bytes = async () => new Uint8Array(await blob.arrayBuffer());
  let window: { offset: number; bytes: Uint8Array } | undefined;
  return {
    name,
    size,
    async read(offset, length, into) {
      checkRange(name, size, offset, length);
      if (length >= windowBytes) return readBlobSlice(blob, offset, length);
      let w = window;
      if (!w || offset < w.offset || offset + length > w.offset + w.bytes.length) {
        const end = Math.min(size, offset + windowBytes);
        w = { offset, bytes: await readBlobSlice(blob, offset, end - offset) };
        window = w;
      }
      const view = w.bytes.subarray(offset - w.offset, offset - w.offset + length);
      if (into && into.length >= length) {
        into.set(view);
        return into.subarray(0, length);
      }
      return view.slice();
    },
    bytes,
    async text() {
      return decodeText(await bytes());
    },
    async json<T>() {
      return parseJson<T>(name, decodeText(await bytes()));
    },
    async close() {
      window = undefined;
    },
  };
}

/**
 * A ModelFile over a download still in memory (`chunks`, in order) and the Blob made of it: reads are copied
 * from the chunks, so the first load after a download does not read the Blob back (in Chromium a round trip
 * to its blob storage per read). A read releases the chunks that end more than {@link BLOB_WINDOW_BYTES}
 * before it, as a file read front to back no longer needs them; a read that reaches a released chunk reads
 * the Blob instead ({@link blobModelFile}).
 */
export function chunkedModelFile(name: string, chunks: readonly Uint8Array[], blob: Blob): ModelFile {
  const fallback = blobModelFile(name, blob);
  // the chunks are held here only (not through `chunks`), so releasing one frees it
  const held: (Uint8Array | undefined)[] = [...chunks];
  const starts: number[] = [];
  const ends: number[] = [];
  let size = 0;
  for (const c of held) {
    starts.push(size);
    size += c!.byteLength;
    ends.push(size);
  }
  let released = 0;
  /** The chunk holding byte `offset` (the last whose start is ≤ offset). */
  const chunkAt = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    ...fallback,
    async read(offset, length, into) {
      checkRange(name, size, offset, length);
      if (length === 0) return new Uint8Array(0);
      const first = chunkAt(offset);
      const last = chunkAt(offset + length - 1);
      if (first < released) return fallback.read(offset, length, into);
      const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      for (let i = first, at = 0; i <= last; i++) {
        const chunk = held[i]!;
        const from = Math.max(0, offset - starts[i]!);
        const take = Math.min(chunk.byteLength - from, length - at);
        out.set(chunk.subarray(from, from + take), at);
        at += take;
      }
      // the chunks ending a window or more before this read are done with
      while (released < first && ends[released]! <= offset - BLOB_WINDOW_BYTES) held[released++] = undefined;
      return out;
    },
    async close() {
      held.fill(undefined);
      released = held.length;
      await fallback.close();
    },
  };
}
