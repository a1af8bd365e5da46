// A WebAssembly SIMD streaming read (sum of f32x4 over a 256 MB buffer, 4 accumulators, 1 thread): the memory
// bandwidth ceiling the batch-1 matrix-vector products are compared against.

const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id, body) => [id, ...leb(body.length), ...body];

function moduleBytes(pages) {
  const type = section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7d]);
  const func = section(3, [1, 0]);
  const memory = section(5, [1, 0x00, ...leb(pages)]);
  const exp = section(7, [2, 3, ...Buffer.from('sum'), 0x00, 0, 3, ...Buffer.from('mem'), 0x02, 0]);
  const load = (acc, offset) => [
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
  const body = [
    1,
    4,
    0x7b, // 4 v128 locals (2..5)
    0x03,
    0x40,
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
    0,
    0x20,
    1,
    0x49,
    0x0d,
    0,
    0x0b,
    0x20,
    2,
    0x20,
    3,
    0xfd,
    0xe4,
    0x01,
    0x20,
    4,
    0xfd,
    0xe4,
    0x01,
    0x20,
    5,
    0xfd,
    0xe4,
    0x01,
    0xfd,
    0x1f,
    0,
    0x0b,
  ];
  const code = section(10, [1, ...leb(body.length), ...body]);
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...func, ...memory, ...exp, ...code]);
}

/** Best-of-n GB/s of a 1-thread WebAssembly SIMD read over `megabytes` MB. */
export function streamReadGBps(megabytes = 256, repeats = 5) {
  const bytes = megabytes * 1024 * 1024;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(bytes / 65536 + 1)));
  new Float32Array(exports.mem.buffer, 0, bytes / 4).fill(1);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    exports.sum(0, bytes);
    best = Math.min(best, performance.now() - t);
  }
  return bytes / best / 1e6;
}
