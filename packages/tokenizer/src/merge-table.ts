// The BPE merge rules as an open-addressing hash table keyed by a pair of token ids.
// (left id, right id) → (rank, merged id). Looking a pair up costs two integer hashes and typed-array
// reads: no string concatenation and no Map of strings (the usual cost in JavaScript BPE implementations).

const EMPTY = -1;

/** Merge rules: for a pair of adjacent token ids, the merge's rank (lower merges first) and the id it yields. */
export class MergeTable {
  /** Left id per slot, -1 when the slot is empty. */
  readonly left: Int32Array;
  /** Right id per slot. */
  readonly right: Int32Array;
  /** Rank (0 = first line of merges.txt) per slot. */
  readonly rank: Int32Array;
  /** Id of the merged token per slot. */
  readonly merged: Int32Array;
  /** Slots − 1 (a power of two minus one). */
  readonly mask: number;
  private count = 0;

  /** @param capacity the number of merges the table will hold (it allocates ≥ 2× that many slots). */
  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.left = new Int32Array(slots).fill(EMPTY);
    this.right = new Int32Array(slots);
    this.rank = new Int32Array(slots);
    this.merged = new Int32Array(slots);
    this.mask = slots - 1;
  }

  /** Number of distinct pairs held. */
  get size(): number {
    return this.count;
  }

  /** Adds or replaces (a later duplicate line wins, as in Hugging Face) the rule for (a, b). */
  set(a: number, b: number, rank: number, merged: number): void {
    let slot = hashPair(a, b) & this.mask;
    while (this.left[slot] !== EMPTY && (this.left[slot] !== a || this.right[slot] !== b)) {
      slot = (slot + 1) & this.mask;
    }
    if (this.left[slot] === EMPTY) {
      if ((this.count + 1) * 2 > this.mask + 1) throw new RangeError('MergeTable: capacity exceeded');
      this.count++;
    }
    this.left[slot] = a;
    this.right[slot] = b;
    this.rank[slot] = rank;
    this.merged[slot] = merged;
  }

  /** The slot holding (a, b), or -1 when the pair never merges. */
  find(a: number, b: number): number {
    const left = this.left;
    let slot = hashPair(a, b) & this.mask;
    for (;;) {
      const l = left[slot];
      if (l === a && this.right[slot] === b) return slot;
      if (l === EMPTY) return -1;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** 32-bit mix of two ids (multiplicative hashing, then an xor-shift so high bits reach the mask). */
export function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}
