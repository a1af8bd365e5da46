// The memory-bandwidth ceiling: a hand-assembled WebAssembly SIMD loop summing f32x4 over a 256 MB buffer
// (far larger than the last-level cache), best of several passes, on one thread. Batch-1 decoding reads every
// weight once per token, so tokens/s ≤ bandwidth ÷ bytes of weights.

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

// (func (export "sum") (param $p i32) (param $end i32) (result f32)): 4 f32x4 accumulators, 64 B per iteration.
function moduleBytes(pages: number): Uint8Array<ArrayBuffer> {
  const type = section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7d]);
  const func = section(3, [1, 0]);
  const memory = section(5, [1, 0x00, ...leb(pages)]);
  const exports = section(7, [2, 3, ...ascii('sum'), 0x00, 0, 3, ...ascii('mem'), 0x02, 0]);
  // local.get acc; local.get p; v128.load offset; f32x4.add; local.set acc
  const load = (acc: number, offset: number) => [
    0x20,
    2 + acc,
    0x20,
    0,
    0xfd,
    0x00,
    4,
    ...leb(offset),
    0xfd,
    0xe4,
    0x01,
    0x21,
    2 + acc,
  ];
  const add = (acc: number) => [0x20, 2 + acc, 0xfd, 0xe4, 0x01];
  const body = [
    1,
    4,
    0x7b, // four v128 locals
    0x03,
    0x40, // loop
    ...load(0, 0),
    ...load(1, 16),
    ...load(2, 32),
    ...load(3, 48),
    0x20,
    0,
    0x41,
    0xc0,
    0x00,
    0x6a,
    0x22,
    0, // p += 64 (tee)
    0x20,
    1,
    0x49,
    0x0d,
    0, // br_if p < end
    0x0b,
    0x20,
    2,
    ...add(1),
    ...add(2),
    ...add(3), // acc0 + acc1 + acc2 + acc3
    0xfd,
    0x1f,
    0, // f32x4.extract_lane 0
    0x0b,
  ];
  const code = section(10, [1, ...leb(body.length), ...body]);
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...func, ...memory, ...exports, ...code]);
}

/** Best-of-`repeats` streaming-read bandwidth in GB/s (1e9 bytes/s). */
export function streamReadGBps(megabytes = 256, repeats = 7): number {
  const bytes = megabytes * 1024 * 1024;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(bytes / 65536 + 1)));
  const { sum, mem } = instance.exports as {
    sum: (p: number, end: number) => number;
    mem: WebAssembly.Memory;
  };
  new Float32Array(mem.buffer, 0, bytes / 4).fill(1);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    const s = sum(0, bytes);
    best = Math.min(best, performance.now() - t);
    if (s !== bytes / 16) throw new Error(`bandwidth kernel summed ${s}, expected ${bytes / 16}`);
  }
  return bytes / best / 1e6;
}
