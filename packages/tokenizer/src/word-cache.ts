// A bounded cache of merged words: piece text → its token ids, without Map, strings or garbage.
//
// Keys are hashed straight from the input's UTF-16 code units and compared against a copy of each key
// kept in a Uint16Array pool, so a hit allocates nothing (no `text.slice`, no string hashing by the
// engine, no retained slices of the caller's input). Values live in typed arrays too: one id inline,
// several ids in a pool. Open addressing with linear probing; when `capacity` words are held the cache
// is emptied in one step (cheaper than an LRU's bookkeeping on every hit, and results never depend on it).

/** Longest piece (UTF-16 units) worth caching: longer ones rarely repeat. */
export const MAX_CACHED_PIECE = 256;

/** Bounded piece → ids cache (see file header). */
export class WordCache {
  private readonly mask: number;
  private readonly hashes: Int32Array;
  /** Offset of the key in `chars`, -1 for an empty slot. */
  private readonly keyAt: Int32Array;
  private readonly keyLength: Uint16Array;
  /** ≥ 0: the single id; < 0: ~offset of [count, ids…] in `multi`. */
  private readonly value: Int32Array;
  private chars: Uint16Array;
  private charCount = 0;
  private multi: Int32Array;
  private multiCount = 0;
  private count = 0;
  /** Slot and hash of the last failed `find`, for the `insert` that follows it. */
  private missSlot = -1;
  private missHash = 0;

  /** @param capacity maximum number of words held (0 disables the cache). */
  constructor(readonly capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.hashes = new Int32Array(capacity > 0 ? slots : 0);
    this.keyAt = new Int32Array(capacity > 0 ? slots : 0).fill(-1);
    this.keyLength = new Uint16Array(capacity > 0 ? slots : 0);
    this.value = new Int32Array(capacity > 0 ? slots : 0);
    this.chars = new Uint16Array(capacity > 0 ? 1 << 14 : 0);
    this.multi = new Int32Array(capacity > 0 ? 1 << 12 : 0);
  }

  /** Number of words held. */
  get size(): number {
    return this.count;
  }

  /** The slot holding text[i, j), or -1 (then `insert` may follow). Requires j − i ≤ MAX_CACHED_PIECE. */
  find(text: string, i: number, j: number): number {
    if (this.capacity === 0) return -1;
    let h = 0x811c9dc5;
    for (let k = i; k < j; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    h ^= h >>> 16;
    const len = j - i;
    const keyAt = this.keyAt;
    const chars = this.chars;
    let slot = h & this.mask;
    for (;;) {
      const at = keyAt[slot];
      if (at < 0) break;
      if (this.hashes[slot] === h && this.keyLength[slot] === len) {
        let k = 0;
        while (k < len && chars[at + k] === text.charCodeAt(i + k)) k++;
        if (k === len) return slot;
      }
      slot = (slot + 1) & this.mask;
    }
    this.missSlot = slot;
    this.missHash = h;
    return -1;
  }

  /** Stores ids[0, n) for text[i, j) right after a failed `find` of the same piece; returns its slot or -1. */
  insert(text: string, i: number, j: number, ids: Int32Array, n: number): number {
    if (this.capacity === 0) return -1;
    if (this.count >= this.capacity) {
      this.clear();
      this.find(text, i, j);
    }
    const slot = this.missSlot;
    const len = j - i;
    if (this.charCount + len > this.chars.length) this.chars = grow16(this.chars, this.charCount + len);
    const at = this.charCount;
    for (let k = 0; k < len; k++) this.chars[at + k] = text.charCodeAt(i + k);
    this.charCount += len;
    this.keyAt[slot] = at;
    this.keyLength[slot] = len;
    this.hashes[slot] = this.missHash;
    if (n === 1) {
      this.value[slot] = ids[0];
    } else {
      if (this.multiCount + n + 1 > this.multi.length)
        this.multi = grow32(this.multi, this.multiCount + n + 1);
      const p = this.multiCount;
      this.multi[p] = n;
      for (let k = 0; k < n; k++) this.multi[p + 1 + k] = ids[k];
      this.multiCount += n + 1;
      this.value[slot] = ~p;
    }
    this.count++;
    return slot;
  }

  /** Appends the ids of `slot` to out[n…] (grown as needed via `ensure`); returns the new length. */
  read(slot: number, out: Int32Array, n: number): number {
    const v = this.value[slot];
    if (v >= 0) {
      out[n] = v;
      return n + 1;
    }
    const p = ~v;
    const m = this.multi[p];
    for (let k = 1; k <= m; k++) out[n++] = this.multi[p + k];
    return n;
  }

  /** Number of ids stored in `slot`. */
  countAt(slot: number): number {
    const v = this.value[slot];
    return v >= 0 ? 1 : this.multi[~v];
  }

  clear(): void {
    if (this.count === 0) return;
    this.keyAt.fill(-1);
    this.charCount = 0;
    this.multiCount = 0;
    this.count = 0;
  }
}

function grow16(a: Uint16Array, need: number): Uint16Array {
  const b = new Uint16Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function grow32(a: Int32Array, need: number): Int32Array {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
