// top-k and argmax on the host, for the CPU engines (webasm, cpu), whose buffers are host memory: one pass
// over each row, read in place (top-k with a sorted buffer of the k best so far), instead of passes of kernel
// calls (top-k.ts). The same order as the kernels, bit for bit: value descending, equal values → lower index
// first, NaN never picked, and a row with fewer than k other values pads its picks with (NONE, −1) as the
// kernels do.

/** Value reported for "no candidate" (a row with every element already picked, or all NaN). */
export const NONE = -3.0e38;

/**
 * The k best (value, index) pairs of each row of x [rows, V], into `values` and `indices` ([rows, k]).
 * Each row is scanned once in index order; an element enters the buffer only if it beats the k-th best so
 * far (strictly: an equal value came later, so it ranks after), found by binary search.
 */
export function topkOnHost(
  x: Float32Array,
  rows: number,
  V: number,
  k: number,
): { indices: Int32Array; values: Float32Array } {
  const values = new Float32Array(rows * k).fill(NONE);
  const indices = new Int32Array(rows * k).fill(-1);
  for (let r = 0; r < rows; r++) {
    const vals = values.subarray(r * k, (r + 1) * k);
    const ids = indices.subarray(r * k, (r + 1) * k);
    const base = r * V;
    let filled = 0;
    let i = 0;
    // the first k values (NaN skipped), by insertion
    for (; i < V && filled < k; i++) {
      const v = x[base + i]!;
      if (Number.isNaN(v)) continue;
      let pos = filled++;
      while (pos > 0 && v > vals[pos - 1]!) {
        vals[pos] = vals[pos - 1]!;
        ids[pos] = ids[pos - 1]!;
        pos--;
      }
      vals[pos] = v;
      ids[pos] = i;
    }
    // the rest: only values above the k-th best (NaN compares false) enter
    let floor = vals[k - 1]!;
    for (; i < V; i++) {
      const v = x[base + i]!;
      if (!(v > floor)) continue;
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (vals[mid]! >= v) lo = mid + 1;
        else hi = mid;
      }
      vals.copyWithin(lo + 1, lo, k - 1);
      ids.copyWithin(lo + 1, lo, k - 1);
      vals[lo] = v;
      ids[lo] = i;
      floor = vals[k - 1]!;
    }
  }
  return { indices, values };
}

/** The index of each row's largest value (ties → lowest index, NaN never; −1 when every value is NaN). */
export function argmaxOnHost(x: Float32Array, rows: number, V: number): Int32Array {
  const ids = new Int32Array(rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    const base = r * V;
    let best = Number.NaN;
    let at = -1;
    for (let i = 0; i < V; i++) {
      const v = x[base + i]!;
      if (v > best || (at < 0 && !Number.isNaN(v))) {
        best = v;
        at = i;
      }
    }
    ids[r] = at;
  }
  return ids;
}
