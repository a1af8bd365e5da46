// blobModelFile, the browser entry's ModelFile: reads slices of a Blob, and retries a read that Chromium
// rejects with a transient NotReadableError (seen loading GPT-2 124M's 498 MB weights in 4 MB blocks).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { blobModelFile } from '../src/model-file.js';

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
});
