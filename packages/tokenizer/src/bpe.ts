// Byte-pair encoding of one pre-tokenised piece, over integer token ids.
//
// piece text[start, end) ─UTF-8─▶ byte token ids [n] ─merge loop─▶ token ids [m ≤ n]
//
// The merge loop applies the lowest-ranked mergeable adjacent pair first, the leftmost one on ties
// (Hugging Face's BPE and tiktoken agree on this order). Short pieces, the vast majority, use a linear
// scan over a small array (cache-friendly, no allocation); long ones (CJK sentences, long runs of symbols
// or spaces) use a binary heap over a linked list, so a piece of n bytes costs O(n log n), not O(n²).
// Lone surrogates are encoded as U+FFFD (EF BF BD), as TextEncoder, tiktoken and js-tiktoken do.

import type { MergeTable } from './merge-table.js';

/** Pieces up to this many bytes use the quadratic scan; longer ones the heap. */
const SMALL_PIECE_BYTES = 64;
const TWO_POW_32 = 2 ** 32;

/** Encodes pieces with fixed merge rules; holds reusable scratch buffers (not re-entrant). */
export class BytePairEncoder {
  private sym = new Int32Array(256);
  private slots = new Int32Array(256);
  private next = new Int32Array(0);
  private heap = new Float64Array(0);

  /**
   * @param merges the merge rules
   * @param byteToId byteToId[b] is the id of the single-byte token for byte b (length 256)
   */
  constructor(
    private readonly merges: MergeTable,
    private readonly byteToId: Int32Array,
  ) {}

  /**
   * Encodes text[start, end): returns the number of ids m, which are {@link result}[0, m) until the next
   * call (no allocation).
   */
  encode(text: string, start: number, end: number): number {
    const n = this.toBytes(text, start, end);
    if (n === 1) return 1;
    return n <= SMALL_PIECE_BYTES ? this.mergeSmall(n) : this.mergeLarge(n);
  }

  /** The ids of the last {@link encode}. */
  get result(): Int32Array {
    return this.sym;
  }

  /** Writes the byte-token ids of the piece's UTF-8 bytes to `sym`; returns how many. */
  private toBytes(text: string, start: number, end: number): number {
    const need = (end - start) * 3;
    if (this.sym.length < need) {
      this.sym = new Int32Array(need * 2);
      this.slots = new Int32Array(need * 2);
    }
    const sym = this.sym;
    const ids = this.byteToId;
    let n = 0;
    for (let k = start; k < end; k++) {
      let c = text.charCodeAt(k);
      if (c < 0x80) {
        sym[n++] = ids[c];
      } else if (c < 0x800) {
        sym[n++] = ids[0xc0 | (c >> 6)];
        sym[n++] = ids[0x80 | (c & 0x3f)];
      } else if ((c & 0xfc00) === 0xd800 && k + 1 < end && (text.charCodeAt(k + 1) & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++k) - 0xdc00);
        sym[n++] = ids[0xf0 | (cp >> 18)];
        sym[n++] = ids[0x80 | ((cp >> 12) & 0x3f)];
        sym[n++] = ids[0x80 | ((cp >> 6) & 0x3f)];
        sym[n++] = ids[0x80 | (cp & 0x3f)];
      } else {
        if ((c & 0xf800) === 0xd800) c = 0xfffd;
        sym[n++] = ids[0xe0 | (c >> 12)];
        sym[n++] = ids[0x80 | ((c >> 6) & 0x3f)];
        sym[n++] = ids[0x80 | (c & 0x3f)];
      }
    }
    return n;
  }

  /** Quadratic merge over sym[0, n): slots[k] is the merge slot of pair (k, k+1) or -1. Returns the new length. */
  private mergeSmall(n: number): number {
    const sym = this.sym;
    const slots = this.slots;
    const table = this.merges;
    const rank = table.rank;
    for (let k = 0; k < n - 1; k++) slots[k] = table.find(sym[k], sym[k + 1]);
    while (n > 1) {
      let best = -1;
      let bestRank = 0x7fffffff;
      for (let k = 0; k < n - 1; k++) {
        const s = slots[k];
        if (s >= 0 && rank[s] < bestRank) {
          bestRank = rank[s];
          best = k;
        }
      }
      if (best < 0) break;
      sym[best] = table.merged[slots[best]];
      n--;
      for (let k = best + 1; k < n; k++) {
        sym[k] = sym[k + 1];
        slots[k] = slots[k + 1];
      }
      slots[best] = best < n - 1 ? table.find(sym[best], sym[best + 1]) : -1;
      if (best > 0) slots[best - 1] = table.find(sym[best - 1], sym[best]);
    }
    return n;
  }

  /**
   * Heap merge over sym[0, n) for long pieces. Heap keys are rank·2³² + position, so the minimum is the
   * lowest rank and, among equal ranks, the leftmost pair. Stale entries (a side already merged away)
   * are detected on pop by re-looking-up the pair: a rank names exactly one pair, so an equal rank
   * means the entry is still valid.
   */
  private mergeLarge(n: number): number {
    const sym = this.sym;
    const table = this.merges;
    if (this.next.length < n) this.next = new Int32Array(n * 2);
    // Each merge pops one entry and pushes at most two: the heap never holds more than 2n entries.
    if (this.heap.length < 2 * n) this.heap = new Float64Array(4 * n);
    const next = this.next;
    const prev = this.slots; // reused: no pair slots are kept on this path
    const heap = this.heap;
    let size = 0;
    const push = (key: number): void => {
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= key) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap[--size];
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && heap[child + 1] < heap[child]) child++;
        if (heap[child] >= last) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
      return top;
    };

    for (let k = 0; k < n; k++) {
      next[k] = k + 1 < n ? k + 1 : -1;
      prev[k] = k - 1;
      if (k + 1 < n) {
        const s = table.find(sym[k], sym[k + 1]);
        if (s >= 0) push(table.rank[s] * TWO_POW_32 + k);
      }
    }
    while (size > 0) {
      const key = pop();
      const r = Math.floor(key / TWO_POW_32);
      const pos = key - r * TWO_POW_32;
      if (sym[pos] < 0) continue;
      const right = next[pos];
      if (right < 0) continue;
      const s = table.find(sym[pos], sym[right]);
      if (s < 0 || table.rank[s] !== r) continue;
      sym[pos] = table.merged[s];
      sym[right] = -1;
      const after = next[right];
      next[pos] = after;
      if (after >= 0) {
        prev[after] = pos;
        const t = table.find(sym[pos], sym[after]);
        if (t >= 0) push(table.rank[t] * TWO_POW_32 + pos);
      }
      const before = prev[pos];
      if (before >= 0) {
        const t = table.find(sym[before], sym[pos]);
        if (t >= 0) push(table.rank[t] * TWO_POW_32 + before);
      }
    }
    let m = 0;
    for (let k = 0; k >= 0; k = next[k]) sym[m++] = sym[k];
    return m;
  }
}
