// Reads a tensor's row blocks one block ahead: while the backend converts and packs block i, the bytes of
// block i + 1 are already being read into a second buffer. A loader that reads a block only when it is asked
// for leaves the file idle during each block's conversion and the conversion idle during each read (about a
// tenth of loading GPT-2 124M from a warm page cache, more from a disk).
//
// Blocks alternate between two scratch buffers, so the block returned by one call stays valid until the call
// after next starts to read: a backend consumes each block before asking for the next (RowReader's contract).

/** Reads rows start … start+count−1 of one tensor into `scratch` (the result may be a view of it). */
export type ReadRowsInto = (start: number, count: number, scratch: Uint8Array) => Promise<Float32Array>;

export class ReadAhead {
  readonly #read: ReadRowsInto;
  readonly #rows: number;
  readonly #buffers: [Uint8Array, Uint8Array];
  #next = 0;
  #pending: { start: number; count: number; result: Promise<Float32Array> } | undefined;

  /** Over a tensor of `rows` rows, reading with `read` into the two `buffers` (each large enough for a block). */
  constructor(read: ReadRowsInto, rows: number, buffers: [Uint8Array, Uint8Array]) {
    this.#read = read;
    this.#rows = rows;
    this.#buffers = buffers;
  }

  /**
   * Rows start … start+count−1: the block read ahead when it is that one, else read now; then the block
   * after it (same count, within the tensor) starts to read into the other buffer.
   */
  readonly read = async (start: number, count: number): Promise<Float32Array> => {
    const pending = this.#pending;
    this.#pending = undefined;
    let block: Promise<Float32Array>;
    if (pending && pending.start === start && pending.count === count) {
      block = pending.result;
    } else {
      // a read ahead of some other block: let it finish before its buffer is read into again
      if (pending) await pending.result.catch(() => undefined);
      block = this.#start(start, count);
    }
    const result = await block;
    const after = start + count;
    if (after < this.#rows) {
      const pendingResult = this.#start(after, Math.min(count, this.#rows - after));
      // a block nobody asks for must not surface as an unhandled rejection (asking for it rethrows)
      pendingResult.catch(() => undefined);
      this.#pending = { start: after, count: Math.min(count, this.#rows - after), result: pendingResult };
    }
    return result;
  };

  /** Waits for a read still in flight (call before the buffers are used for anything else). */
  async settle(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) await pending.result.catch(() => undefined);
  }

  #start(start: number, count: number): Promise<Float32Array> {
    const buffer = this.#buffers[this.#next];
    this.#next = 1 - this.#next;
    return this.#read(start, count, buffer);
  }
}
