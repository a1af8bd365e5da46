// Reuse of the webasm engine's host arrays (activations and per-call staging). A forward pass allocates
// the same sizes layer after layer; reusing freed arrays instead of allocating fresh ones keeps the
// process from piling up megabytes of garbage per prompt (a 128-token prefill of GPT-2 124M makes about
// 100 MB of short-lived activations), which the allocator does not hand back to the OS promptly.

/** Free arrays kept, in bytes; arrays above MAX_ARRAY_BYTES are never kept. */
const MAX_POOL_BYTES = 96 * 1024 * 1024;
const MAX_ARRAY_BYTES = 16 * 1024 * 1024;

export class HostBuffers {
  readonly #free = new Map<number, Float32Array[]>();
  /** Arrays handed out by `take`: only those come back through `give`. */
  readonly #owned = new WeakSet<Float32Array>();
  #pooledBytes = 0;

  /** An array of `length` elements with unspecified contents (callers overwrite every element). */
  take(length: number): Float32Array {
    const list = this.#free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.#pooledBytes -= reused.byteLength;
      return reused;
    }
    const array = new Float32Array(length);
    if (array.byteLength <= MAX_ARRAY_BYTES) this.#owned.add(array);
    return array;
  }

  /** Returns an array from `take` (anything else is ignored); it must no longer be in use. */
  give(array: unknown): void {
    if (!(array instanceof Float32Array) || !this.#owned.has(array)) return;
    if (this.#pooledBytes + array.byteLength > MAX_POOL_BYTES) return;
    const list = this.#free.get(array.length) ?? [];
    list.push(array);
    this.#free.set(array.length, list);
    this.#pooledBytes += array.byteLength;
  }

  /** Bytes held in free arrays. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }
}
