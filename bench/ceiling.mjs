// The WebAssembly memory-bandwidth ceiling for decoding: a hand-assembled WebAssembly SIMD loop streams
// through a buffer much larger than the last-level cache (v128.load, 8 loads of 16 B per iteration into 4
// i32x4 accumulators) on 1 thread and on 2 threads (worker_threads over one shared WebAssembly.Memory, each
// thread reading its own half). Batch-1 decoding reads every weight matrix once per token, so
// tokens/s ≤ bandwidth / (bytes of the matrices read per token); lib/model-bytes.mjs counts those bytes
// for each weight storage.
// The loop reads its range as 1, 2, 4 and 8 streams side by side (the range cut in equal parts, the 8 loads
// of an iteration spread over them): the hardware prefetcher runs a bounded distance ahead of each stream,
// so on some machines four streams read faster than one (gpt2js's linear kernels read four). The ceiling
// is the faster of the two; both are reported.
//
// CLI: node ceiling.mjs  → prints `BENCH_RESULT {"oneThread": GB/s, "twoThreads": GB/s, "byStreams": …}`.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emit } from './lib/workload.mjs';

const PAGE = 65536;
const BUFFER_BYTES = 256 * 1024 * 1024; // 8× the 32 MiB L3 of the development machine
const UNROLL = 8; // v128 loads per loop iteration

// --- a tiny WebAssembly assembler: just what the loop needs -------------------------------------------------------
const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const str = (s) => [...uleb(s.length), ...Buffer.from(s)];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items) => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d) => [0x0c, d],
  brIf: (d) => [0x0d, d],
  get: (i) => [0x20, i],
  set: (i) => [0x21, i],
  i32Const: (v) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32GeU: [0x4f],
  v128Load: (offset) => [0xfd, 0x00, 4, ...uleb(offset)],
  i32x4Add: [0xfd, ...uleb(174)],
  i32x4ExtractLane: (lane) => [0xfd, ...uleb(27), lane],
};

/** Streams the loop reads side by side, one measurement each (each stream an equal part of the range). */
export const STREAM_COUNTS = [1, 2, 4, 8];

/**
 * (func (export "read") (param $start i32) (param $end i32) (param $reps i32) (result i32))
 * Sums [start, end) as i32x4 lanes `reps` times, as `streams` equal parts read side by side (UNROLL /
 * streams loads from each per iteration); the result keeps the loads observable.
 */
export function streamReadModule(pages, streams = 1) {
  // params start, end, reps; i32 locals: rep, part (bytes per stream), the pointers of up to 8 streams
  const [start, end, reps, rep, part] = [0, 1, 2, 3, 4];
  const pointer = (s) => 5 + s;
  const acc0 = 13;
  const step = (16 * UNROLL) / streams;
  const inner = [];
  for (let u = 0; u < UNROLL; u++) {
    const acc = acc0 + (u % 4);
    const at = op.v128Load(16 * Math.floor(u / streams));
    inner.push(...op.get(acc), ...op.get(pointer(u % streams)), ...at, ...op.i32x4Add, ...op.set(acc));
  }
  const starts = [];
  const advance = [];
  for (let s = 0; s < streams; s++) {
    starts.push(...op.get(start), ...op.get(part), ...op.i32Const(s), ...op.i32Mul, ...op.i32Add);
    starts.push(...op.set(pointer(s)));
    advance.push(...op.get(pointer(s)), ...op.i32Const(step), ...op.i32Add, ...op.set(pointer(s)));
  }
  const body = [
    ...op.get(end),
    ...op.get(start),
    ...op.i32Sub,
    ...op.i32Const(streams),
    ...op.i32DivU,
    ...op.set(part),
    ...op.block,
    ...op.loop,
    ...op.get(rep),
    ...op.get(reps),
    ...op.i32GeU,
    ...op.brIf(1),
    ...starts,
    ...op.block,
    ...op.loop,
    // the loop ends when stream 0 reaches the start of stream 1 (the end, for one stream)
    ...op.get(pointer(0)),
    ...op.get(start),
    ...op.get(part),
    ...op.i32Add,
    ...op.i32GeU,
    ...op.brIf(1),
    ...inner,
    ...advance,
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(rep),
    ...op.i32Const(1),
    ...op.i32Add,
    ...op.set(rep),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(acc0),
    ...op.get(acc0 + 1),
    ...op.i32x4Add,
    ...op.get(acc0 + 2),
    ...op.get(acc0 + 3),
    ...op.i32x4Add,
    ...op.i32x4Add,
    ...op.i32x4ExtractLane(0),
    ...op.end,
  ];
  const locals = vec([
    [10, I32],
    [4, V128],
  ]);
  const func = [...locals, ...body];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([I32, I32, I32]), ...vec([I32])]])),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x03, ...uleb(pages), ...uleb(pages)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('read'), 0x00, 0]])),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, start, end, reps, gate } = workerData;
const { read } = new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
const flag = new Int32Array(gate);
parentPort.on('message', (trial) => {
  Atomics.add(flag, 1, 1);
  Atomics.notify(flag, 1);
  Atomics.wait(flag, 0, trial); // released together when the main thread bumps flag[0]
  const t0 = performance.now();
  const sink = read(start, end, reps);
  parentPort.postMessage({ ms: performance.now() - t0, sink });
});
`;

/**
 * Measures streaming-read bandwidth in GB/s (10^9 bytes/s): best of `trials` on 1 thread and on 2, for
 * each count of side-by-side streams; `oneThread` and `twoThreads` are the best over the counts.
 * @param {{ trials?: number, reps?: number }} [options]
 */
export async function measureBandwidth({ trials = 7, reps = 4 } = {}) {
  const pages = BUFFER_BYTES / PAGE;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const words = new Int32Array(memory.buffer);
  for (let i = 0; i < words.length; i++) words[i] = i;
  const byStreams = {};
  for (const streams of STREAM_COUNTS) {
    byStreams[streams] = await measureModule(memory, streamReadModule(pages, streams), trials, reps);
  }
  const results = Object.values(byStreams);
  return {
    oneThread: Math.max(...results.map((r) => r.oneThread)),
    twoThreads: Math.max(...results.map((r) => r.twoThreads)),
    byStreams,
  };
}

/** GB/s of one read module: best of `trials` on 1 thread and on 2. */
async function measureModule(memory, module, trials, reps) {
  const { read } = new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
  read(0, BUFFER_BYTES, 1); // warm: page faults and tier-up stay out of the timing
  let best1 = Number.POSITIVE_INFINITY;
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    read(0, BUFFER_BYTES, reps);
    best1 = Math.min(best1, performance.now() - t0);
  }

  const gate = new SharedArrayBuffer(8);
  const flag = new Int32Array(gate);
  const half = BUFFER_BYTES / 2;
  const workers = [0, 1].map(
    (w) =>
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, start: w * half, end: (w + 1) * half, reps, gate },
      }),
  );
  const round = async (trial) => {
    const done = workers.map((w) => new Promise((ok) => w.once('message', ok)));
    Atomics.store(flag, 1, 0);
    for (const w of workers) w.postMessage(trial);
    while (Atomics.load(flag, 1) < workers.length) await new Promise((ok) => setTimeout(ok, 1));
    await new Promise((ok) => setTimeout(ok, 5)); // both are inside Atomics.wait by now
    Atomics.store(flag, 0, trial + 1);
    Atomics.notify(flag, 0);
    const results = await Promise.all(done);
    return Math.max(...results.map((r) => r.ms));
  };
  await round(0);
  let best2 = Number.POSITIVE_INFINITY;
  for (let t = 1; t <= trials; t++) best2 = Math.min(best2, await round(t));
  await Promise.all(workers.map((w) => w.terminate()));

  const bytes = BUFFER_BYTES * reps;
  return { oneThread: bytes / best1 / 1e6, twoThreads: bytes / best2 / 1e6 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  emit(await measureBandwidth());
}
