// The webasm engine's memory: WebAssembly memories ("chunks") that every kernel module of the engine
// imports, each with a first-fit allocator of 64-byte-aligned regions. Weights, KV caches and each
// module's argument/output regions live here, so several kernels read one copy of a weight (the decode
// matvec and the prefill matmul), and worker threads read the very same bytes (shared memories).
//
// A chunk never grows: gpu.js bakes region offsets into each module and declares the imported memory's
// limits from its layout, so a chunk is created at its final size ([`CHUNK_BYTES`], or larger for one
// allocation that needs it). Pages nobody writes are never committed by the OS, so a large chunk costs
// address space, not resident memory. A model larger than one chunk spreads over several; a kernel
// always reads from a single chunk (its weight's), and activations move between chunks by copies.

const PAGE = 65536;
/** Default chunk size: 256 MiB, gpu.js's default memory maximum (4096 pages). */
export const CHUNK_BYTES = 256 * 1024 * 1024;
/** Pages kept free after the last region of a chunk (vector loads may read a few bytes past a region). */
const TAIL_PAGES = 1;
/** Largest chunk WebAssembly (32-bit) can address. */
const MAX_CHUNK_PAGES = 65536;
const ALIGN = 64;

const alignUp = (value: number, to: number) => Math.ceil(value / to) * to;

/** A region of a chunk: its byte offset and size. */
export interface Region {
  readonly chunk: ArenaChunk;
  readonly offset: number;
  readonly bytes: number;
}

/** One WebAssembly.Memory and its free list. */
export class ArenaChunk {
  readonly id: number;
  readonly memory: WebAssembly.Memory;
  readonly pages: number;
  readonly shared: boolean;
  /** Sorted, coalesced free ranges [offset, end). */
  readonly #free: { offset: number; end: number }[];
  #used = 0;
  /** Set when the engine is torn down: regions released from then on are not zeroed, none is handed out. */
  #discarded = false;

  constructor(id: number, pages: number, shared: boolean) {
    this.id = id;
    this.pages = pages;
    this.shared = shared;
    this.memory = new WebAssembly.Memory(
      shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages, maximum: pages },
    );
    this.#free = [{ offset: 0, end: (pages - TAIL_PAGES) * PAGE }];
  }

  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** No region is handed out any more, and released ones are left as they are (the engine is being disposed). */
  discard(): void {
    this.#discarded = true;
  }

  #assertLive(): void {
    if (this.#discarded)
      throw new Error(`webasm arena: chunk ${this.id} was discarded (its engine is disposed)`);
  }

  /** Bytes handed out and not yet freed. */
  get used(): number {
    return this.#used;
  }

  /** gpu.js's `layout.totalBytes` for modules over this chunk: makes them declare exactly its pages. */
  get moduleTotalBytes(): number {
    return (this.pages - 16) * PAGE;
  }

  /** The region [offset, offset + bytes) if it is free (offset 64-byte aligned), else undefined. */
  tryAllocAt(offset: number, bytes: number): Region | undefined {
    this.#assertLive();
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    const i = this.#free.findIndex((r) => r.offset <= offset && offset + size <= r.end);
    if (i < 0 || offset % ALIGN !== 0) return undefined;
    const range = this.#free[i];
    const pieces = [
      { offset: range.offset, end: offset },
      { offset: offset + size, end: range.end },
    ].filter((r) => r.end > r.offset);
    this.#free.splice(i, 1, ...pieces);
    this.#used += size;
    return { chunk: this, offset, bytes: size };
  }

  /** Whether one free range holds `bytes`. */
  fits(bytes: number): boolean {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    return this.#free.some((range) => range.end - range.offset >= size);
  }

  /** A region of `bytes` (64-byte aligned), or undefined when no free range fits. */
  tryAlloc(bytes: number): Region | undefined {
    this.#assertLive();
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (let i = 0; i < this.#free.length; i++) {
      const range = this.#free[i];
      if (range.end - range.offset < size) continue;
      const offset = range.offset;
      range.offset += size;
      if (range.offset === range.end) this.#free.splice(i, 1);
      this.#used += size;
      return { chunk: this, offset, bytes: size };
    }
    return undefined;
  }

  /**
   * Returns a region, zeroed: free space always reads as fresh memory does (a KV cache placed where an
   * int8 weight was must not find NaN bit patterns in positions it has not written yet). A discarded
   * chunk skips the zeroing: its memory is never handed out again, and zeroing would also commit the
   * pages of the region that were never written (GPT-2 124M f32: 180 ms and 4 MiB more at dispose).
   */
  release(region: Region): void {
    if (!this.#discarded) new Uint8Array(this.memory.buffer, region.offset, region.bytes).fill(0);
    this.#used -= region.bytes;
    const start = region.offset;
    const end = start + region.bytes;
    let i = 0;
    while (i < this.#free.length && this.#free[i].offset < start) i++;
    this.#free.splice(i, 0, { offset: start, end });
    // coalesce with the neighbours
    const merged = this.#free[i];
    const next = this.#free[i + 1];
    if (next && next.offset === merged.end) {
      merged.end = next.end;
      this.#free.splice(i + 1, 1);
    }
    const previous = this.#free[i - 1];
    if (previous && previous.end === merged.offset) {
      previous.end = merged.end;
      this.#free.splice(i, 1);
    }
  }
}

/** Every chunk of one engine. */
export class Arena {
  readonly shared: boolean;
  readonly chunks: ArenaChunk[] = [];
  readonly #chunkBytes: number;
  /** Where the first region of each anchor key went: later regions of the key go to the same offset. */
  readonly #anchors = new Map<string, { pages: number; offset: number }>();
  #discarded = false;

  /**
   * Commits a region's pages before it is written whole (a weight being packed): the engine sets it to
   * fault them in on every thread at once (ThreadPool.touch); without it the writes fault them one by one.
   */
  readonly prefault: ((region: Region) => void) | undefined;

  constructor(options: { shared: boolean; chunkBytes?: number; prefault?: (region: Region) => void }) {
    this.shared = options.shared;
    this.#chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    this.prefault = options.prefault;
  }

  /** Discards every chunk (ArenaChunk.discard): for an engine being disposed. */
  discard(): void {
    this.#discarded = true;
    for (const chunk of this.chunks) chunk.discard();
  }

  /**
   * A region of `bytes`: in `near`'s chunk when given (a kernel's argument regions must share its
   * weight's memory), else in the first chunk with room, else in a new chunk.
   */
  alloc(bytes: number, near?: ArenaChunk): Region {
    if (near) {
      const region = near.tryAlloc(bytes);
      if (region) return region;
      throw new RangeError(
        `webasm arena: chunk ${near.id} (${near.pages * PAGE} bytes) has no room for ${bytes} more bytes next to its weight`,
      );
    }
    for (const chunk of this.chunks) {
      const region = chunk.tryAlloc(bytes);
      if (region) return region;
    }
    return this.#newChunk(bytes).tryAlloc(bytes) as Region;
  }

  /**
   * A region for a weight and `slack` bytes of kernel regions beside it, in one chunk (a new one when
   * the current chunks lack the room).
   */
  allocWeight(bytes: number, slack: number): Region {
    // checked before allocating: releasing a trial region would zero (and so commit) its pages
    for (const chunk of this.chunks) {
      if (!chunk.fits(bytes) || this.#room(chunk) < alignUp(bytes, ALIGN) + slack) continue;
      return chunk.tryAlloc(bytes) as Region;
    }
    return this.#newChunk(bytes + slack).tryAlloc(bytes) as Region;
  }

  /**
   * A region of `bytes` at the offset of every earlier region of `key`, in a chunk of the same size (an
   * existing one where that range is free, else a new one): code compiled against one region of the key
   * runs unchanged on all of them. The first region of a key goes where `alloc` would put it, except that
   * one larger than half a chunk gets a chunk of its own (so it does not push the next keys' offsets up).
   */
  allocAnchored(key: string, bytes: number): Region {
    const anchor = this.#anchors.get(key);
    if (anchor) {
      for (const chunk of this.chunks) {
        if (chunk.pages !== anchor.pages) continue;
        const region = chunk.tryAllocAt(anchor.offset, bytes);
        if (region) return region;
      }
      const chunk = this.#chunk(anchor.pages);
      return chunk.tryAllocAt(anchor.offset, bytes) as Region;
    }
    const region =
      bytes > this.#chunkBytes / 2 ? (this.#newChunk(bytes).tryAlloc(bytes) as Region) : this.alloc(bytes);
    this.#anchors.set(key, { pages: region.chunk.pages, offset: region.offset });
    return region;
  }

  /** Bytes reserved in every chunk (address space, not resident memory). */
  get reservedBytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.pages * PAGE, 0);
  }

  #room(chunk: ArenaChunk): number {
    return (chunk.pages - TAIL_PAGES) * PAGE - chunk.used;
  }

  #newChunk(bytes: number): ArenaChunk {
    if (this.#discarded) throw new Error('webasm arena: discarded (its engine is disposed)');
    const need = Math.ceil((alignUp(bytes, ALIGN) + ALIGN) / PAGE) + TAIL_PAGES + 16;
    const pages = Math.max(need, Math.ceil(this.#chunkBytes / PAGE));
    if (pages > MAX_CHUNK_PAGES) {
      throw new RangeError(
        `webasm arena: one allocation of ${bytes} bytes exceeds WebAssembly's 4 GiB memory; store this weight as f16 or int8`,
      );
    }
    return this.#chunk(pages);
  }

  #chunk(pages: number): ArenaChunk {
    const chunk = new ArenaChunk(this.chunks.length, pages, this.shared);
    this.chunks.push(chunk);
    return chunk;
  }
}
