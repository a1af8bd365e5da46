// blobModelFile, the browser entry's ModelFile: reads slices of a Blob, and retries a read that Chromium
// rejects with a transient NotReadableError (seen loading GPT-2 124M's 498 MB weights in 4 MB blocks), through a
// window that serves the reads after a Blob read from memory.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { BLOB_WINDOW_BYTES, blobModelFile, chunkedModelFile } from '../src/model-file.js';

const bytes = Uint8Array.from({ length: 64 }, (_, i) => i * 3);

/** A Blob whose slices fail their first `failures` reads with an error named `name`. */
function flakyBlob(failures: number, name = 'NotReadableError') {
  let reads = 0;
  class Flaky extends Blob {
    override slice(start?: number, end?: number): Blob {
      const part = new Blob([bytes]).slice(start, end);
      return {
        arrayBuffer: async () => {
          reads++;
          if (reads <= failures) throw new DOMException('The requested file could not be read', name);
          return part.arrayBuffer();
        },
      } as Blob;
    }
  }
  return { blob: new Flaky([bytes]), reads: () => reads };
}

describe('blobModelFile', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the slice it is asked for', async () => {
    const file = blobModelFile('model.safetensors', new Blob([bytes]));
    expect(file.size).toBe(64);
    expect(Array.from(await file.read(10, 5))).toEqual(Array.from(bytes.subarray(10, 15)));
  });

  it('retries a read that fails with NotReadableError, and returns its bytes', async () => {
    vi.useFakeTimers();
    const { blob, reads } = flakyBlob(3);
    const pending = blobModelFile('model.safetensors', blob).read(8, 16);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(Array.from(await pending)).toEqual(Array.from(bytes.subarray(8, 24)));
    expect(reads()).toBe(4);
  });

  it('passes NotReadableError on after six attempts', async () => {
    vi.useFakeTimers();
    const { blob, reads } = flakyBlob(100);
    const pending = blobModelFile('model.safetensors', blob)
      .read(0, 4)
      .catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(((await pending) as Error).name).toBe('NotReadableError');
    expect(reads()).toBe(6);
  });

  it('does not retry any other error', async () => {
    const { blob, reads } = flakyBlob(1, 'NotFoundError');
    const error = await blobModelFile('model.safetensors', blob)
      .read(0, 4)
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('NotFoundError');
    expect(reads()).toBe(1);
  });

  it('serves the reads inside a window from one Blob read, and reads again outside it', async () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) & 255);
    const slices: [number, number][] = [];
    class Counted extends Blob {
      override slice(start?: number, end?: number): Blob {
        slices.push([start ?? 0, end ?? data.length]);
        return new Blob([data]).slice(start, end);
      }
    }
    const file = blobModelFile('model.safetensors', new Counted([data]), 32);
    const expectBytes = async (offset: number, length: number, into?: Uint8Array) =>
      expect(Array.from(await file.read(offset, length, into))).toEqual(
        Array.from(data.subarray(offset, offset + length)),
      );
    await expectBytes(0, 8);
    await expectBytes(8, 16);
    await expectBytes(24, 8); // the window's end
    expect(slices).toEqual([[0, 32]]);
    await expectBytes(30, 8); // crosses the end: a new window from 30
    await expectBytes(4, 4); // before it: another
    expect(slices).toEqual([
      [0, 32],
      [30, 62],
      [4, 36],
    ]);
    await expectBytes(90, 10); // the last window ends at the file's end
    expect(slices.at(-1)).toEqual([90, 100]);
    await expectBytes(10, 40); // as large as a window or larger: read directly
    expect(slices.at(-1)).toEqual([10, 50]);
    // with `into`: the bytes land in it and the view is of it
    const into = new Uint8Array(16).fill(255);
    const view = await file.read(91, 6, into);
    expect(view.buffer).toBe(into.buffer);
    expect(Array.from(view)).toEqual(Array.from(data.subarray(91, 97)));
    // a returned array is the caller's: changing it leaves the next read alone
    const first = await file.read(92, 4);
    first.fill(0);
    await expectBytes(92, 4);
    await file.close();
    await expectBytes(92, 4);
    expect(slices.at(-1)).toEqual([92, 100]);
    await expect(file.read(95, 10)).rejects.toThrow(/past the file size 100/);
  });
});

describe('chunkedModelFile', () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 11) & 255);
  /** The download's chunks (sizes 10, 30, 5, 55) and a Blob of them that counts its reads. */
  function download() {
    const chunks = [data.slice(0, 10), data.slice(10, 40), data.slice(40, 45), data.slice(45)];
    const slices: [number, number][] = [];
    class Counted extends Blob {
      override slice(start?: number, end?: number): Blob {
        slices.push([start ?? 0, end ?? data.length]);
        return new Blob([data]).slice(start, end);
      }
    }
    return { chunks, blob: new Counted([data]), slices };
  }

  it('reads across chunk boundaries from memory, without reading the Blob', async () => {
    const { chunks, blob, slices } = download();
    const file = chunkedModelFile('model.safetensors', chunks, blob);
    expect(file.size).toBe(100);
    for (const [offset, length] of [
      [0, 10],
      [5, 40],
      [39, 7],
      [44, 1],
      [0, 100],
      [99, 1],
      [50, 0],
    ] as const) {
      expect(Array.from(await file.read(offset, length))).toEqual(
        Array.from(data.subarray(offset, offset + length)),
      );
    }
    const into = new Uint8Array(20);
    const view = await file.read(8, 12, into);
    expect(view.buffer).toBe(into.buffer);
    expect(Array.from(view)).toEqual(Array.from(data.subarray(8, 20)));
    expect(slices).toEqual([]);
    await expect(file.read(90, 20)).rejects.toThrow(/past the file size 100/);
  });

  it('releases the chunks a window behind a read, and reads the Blob for them afterwards', async () => {
    const big = Uint8Array.from({ length: 3 * BLOB_WINDOW_BYTES }, (_, i) => i & 255);
    const third = BLOB_WINDOW_BYTES;
    const chunks = [big.slice(0, third), big.slice(third, 2 * third), big.slice(2 * third)];
    let blobReads = 0;
    class Counted extends Blob {
      override slice(start?: number, end?: number): Blob {
        blobReads++;
        return new Blob([big]).slice(start, end);
      }
    }
    const file = chunkedModelFile('model.safetensors', chunks, new Counted([big]));
    // front to back: a read in the third chunk is a window past the first one's end, which is let go
    expect((await file.read(10, 4))[0]).toBe(10);
    expect((await file.read(2 * third + 5, 4))[0]).toBe((2 * third + 5) & 255);
    expect(blobReads).toBe(0);
    // the first chunk is gone: read from the Blob; the second is still held
    expect(Array.from(await file.read(7, 3))).toEqual([7, 8, 9]);
    expect(blobReads).toBe(1);
    expect((await file.read(third + 1, 2))[0]).toBe((third + 1) & 255);
    expect(blobReads).toBe(1);
    await file.close();
    expect((await file.read(third + 1, 2))[0]).toBe((third + 1) & 255);
    expect(blobReads).toBe(2);
  });
});
