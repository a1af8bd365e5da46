// Synchronous worker threads for the webasm engine: a kernel call's cells are cut into chunks that the
// main thread and the workers claim (chunk-claim.ts) until none is left, over the same shared memory, and
// the call returns when every chunk is done. No message crosses per call: the call goes through a shared
// control block (worker-source.ts), so it costs a few microseconds instead of a postMessage round trip,
// and every kernel of a decode step (not only the LM head) can use both cores.
// Chunks balance the work: a worker that wakes late takes fewer of them, and one that has not woken by the
// time the last chunk is claimed takes none and is not waited for (the main thread waits only for chunks
// in flight). A worker busy with messages (a new module to instantiate) likewise takes no chunk.

import { claimChunk, closedWord, EPOCH_MASK, MAX_CHUNKS, openWord } from './chunk-claim.js';
import { chunkBounds } from './chunk-plan.js';
import {
  CHUNKS,
  CONTROL_STRIDE,
  DONE,
  MAIN_WAITING,
  NEXT_CHUNK,
  POSTED,
  PROGRAM,
  RAN,
  SIMD,
  SLEEPING,
  TOUCH_CLAIM,
  TOUCH_DONE,
  TOUCH_STRIDE,
  TOUCHED,
  WORKER_SOURCE,
} from './worker-source.js';

/**
 * How long the calling thread spins for the workers' last chunks before it sleeps, in ms (it spins only while
 * a chunk is in flight: microseconds to a fraction of a millisecond). After 2,000 spins (≈ 30 µs) it used to
 * sleep, and a sleeping thread can take long to run again: GPT-2 124M int8 decoding waited 4.0 µs per call
 * for the worker then, 3.0 µs now, 1.02× the tokens/s (alternating generations in one process, Node 20).
 */
const MAIN_SPIN_MS = 1;

/** One call's parameters, as the workers read them from the control block. */
export interface CallParameters {
  readonly program: number;
  /** chunk k is cells bounds[k] … bounds[k + 1] (chunk-plan.ts) */
  readonly bounds: readonly number[];
  readonly simd: boolean;
}

/**
 * Writes a call's parameters into `control`, first closing the claim word of the call before it (`previous`,
 * its epoch): a worker that saw that epoch late, and reads these parameters, then fails its claim
 * (chunk-claim.ts). The call opens when its word is published after this.
 */
export function writeCall(
  control: Int32Array,
  bounds: Int32Array,
  previous: number,
  call: CallParameters,
): void {
  Atomics.store(control, NEXT_CHUNK, closedWord(previous));
  Atomics.store(control, PROGRAM, call.program);
  Atomics.store(control, CHUNKS, call.bounds.length - 1);
  for (let k = 0; k < call.bounds.length; k++) Atomics.store(bounds, k, call.bounds[k]);
  Atomics.store(control, SIMD, call.simd ? 1 : 0);
  Atomics.store(control, DONE, 0);
}

/** What a worker needs to run one kernel module. */
export interface ThreadProgram {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly math: readonly string[];
}

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

const isNode =
  typeof process !== 'undefined' && !!process.versions?.node && typeof globalThis.window === 'undefined';

/** A Node built-in, imported through a variable so that browser bundlers leave it alone. */
export function nodeModule(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

async function spawn(): Promise<WorkerHandle> {
  if (isNode) {
    const { Worker } = (await nodeModule('node:worker_threads')) as typeof import('node:worker_threads');
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    return worker;
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  return worker;
}

/** Whether this thread may block in Atomics.wait (Node's main thread and workers: yes; a page: no). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  readonly size: number;
  readonly #workers: WorkerHandle[];
  readonly #control: Int32Array;
  /** The current call's chunk bounds (MAX_CHUNKS + 1 words, shared with the workers). */
  readonly #bounds: Int32Array;
  readonly #block: boolean;
  /** Programs not yet sent, per worker. */
  readonly #unsent: ThreadProgram[][];
  /** The epoch of the last call. */
  #epoch = 0;
  /** The epoch of the last page touch (its own claim word). */
  #touchEpoch = 0;
  #disposed = false;

  private constructor(workers: WorkerHandle[], control: Int32Array, bounds: Int32Array) {
    this.#workers = workers;
    this.#control = control;
    this.#bounds = bounds;
    this.size = workers.length + 1;
    this.#block = canBlock();
    this.#unsent = workers.map(() => []);
  }

  /**
   * A pool of `threads` participants (the calling thread and threads − 1 workers), or undefined when
   * the environment has no shared memory or threads ≤ 1.
   */
  static async create(threads: number): Promise<ThreadPool | undefined> {
    if (threads <= 1 || typeof SharedArrayBuffer === 'undefined') return undefined;
    if (typeof globalThis.crossOriginIsolated === 'boolean' && !globalThis.crossOriginIsolated)
      return undefined;
    const count = threads - 1;
    const control = new Int32Array(new SharedArrayBuffer((count + 1) * CONTROL_STRIDE * 4));
    const bounds = new Int32Array(new SharedArrayBuffer((MAX_CHUNKS + 1) * 4));
    const workers: WorkerHandle[] = [];
    try {
      for (let i = 0; i < count; i++) workers.push(await spawn());
    } catch {
      for (const w of workers) w.terminate();
      return undefined;
    }
    const pool = new ThreadPool(workers, control, bounds);
    for (let index = 0; index < workers.length; index++) {
      pool.#post(index, { type: 'init', control: control.buffer, bounds: bounds.buffer, index });
    }
    return pool;
  }

  /** Makes `program` available to every worker (sent with the next batch, before its first call). */
  add(program: ThreadProgram): void {
    for (const list of this.#unsent) list.push(program);
  }

  /** Forgets programs (their modules were disposed). */
  release(ids: readonly number[]): void {
    if (this.#disposed || ids.length === 0) return;
    const gone = new Set(ids);
    this.#workers.forEach((_, w) => {
      this.#unsent[w] = this.#unsent[w].filter((p) => !gone.has(p.id));
      this.#post(w, { type: 'release', ids: [...ids] });
    });
  }

  /**
   * Runs cells [0, cells) of `program`: `run(start, end)` is the calling thread's own entry point
   * (`simd`: chunks are multiples of 4 so `run_simd` can serve them), in the chunks of chunk-plan.ts: about
   * `chunksPerThread` equal ones per participant, or by default front-loaded ones. Returns when every cell ran.
   */
  run(
    program: ThreadProgram,
    cells: number,
    simd: boolean,
    run: (start: number, end: number) => void,
    chunksPerThread?: number,
  ): void {
    this.#flush();
    const control = this.#control;
    const bounds = chunkBounds(cells, this.size, simd, chunksPerThread);
    const chunks = bounds.length - 1;
    writeCall(control, this.#bounds, this.#epoch, { program: program.id, bounds, simd });
    const epoch = (this.#epoch = (this.#epoch + 1) & EPOCH_MASK);
    // the claim word last: a worker that sees the new epoch reads the words above as this call's
    Atomics.store(control, NEXT_CHUNK, openWord(epoch));
    if (Atomics.load(control, SLEEPING) > 0) Atomics.notify(control, NEXT_CHUNK);
    let mine = 0;
    for (;;) {
      const k = claimChunk(control, NEXT_CHUNK, epoch, chunks);
      if (k < 0) break;
      run(bounds[k], bounds[k + 1]);
      mine++;
    }
    if (Atomics.add(control, DONE, mine) + mine < chunks) this.#awaitChunks(chunks);
  }

  /**
   * Has the OS commit the pages of bytes [from, to) of `memory` (a shared WebAssembly memory) now, every
   * participant touching chunks of pages at once: one atomic add of 0 per 4 KiB, so the bytes stay as they
   * are. Where a page fault is slow (about 15 µs a page on the virtual machines this was measured on), packing
   * a weight into fresh pages otherwise costs a fault per page on the calling thread alone. The chunks are
   * claimed as a call's are (chunk-claim.ts, with epochs of their own): the calling thread waits only for
   * chunks a worker claimed, so a worker that gets the message late (or, presumably, a page's worker that has
   * not started while the page waits without yielding) costs nothing.
   */
  touch(memory: WebAssembly.Memory, from: number, to: number): void {
    if (this.#disposed) return;
    const first = Math.ceil(from / TOUCH_STRIDE) * TOUCH_STRIDE;
    const total = Math.max(0, Math.ceil((to - first) / TOUCH_STRIDE));
    if (total === 0) return;
    // pages per chunk: about eight chunks per thread, at least 64 KiB, at most MAX_CHUNKS chunks
    const pages = Math.max(16, Math.ceil(total / (8 * this.size)), Math.ceil(total / MAX_CHUNKS));
    const chunks = Math.ceil(total / pages);
    const control = this.#control;
    const epoch = (this.#touchEpoch = (this.#touchEpoch + 1) & EPOCH_MASK);
    Atomics.store(control, TOUCH_DONE, 0);
    Atomics.store(control, TOUCH_CLAIM, openWord(epoch));
    this.#workers.forEach((_, w) => {
      this.#post(w, { type: 'touch', memory, from: first, to, pages, chunks, epoch });
    });
    const words = new Int32Array(memory.buffer);
    const span = pages * TOUCH_STRIDE;
    let mine = 0;
    for (;;) {
      const k = claimChunk(control, TOUCH_CLAIM, epoch, chunks);
      if (k < 0) break;
      const end = Math.min(to, first + (k + 1) * span);
      for (let at = first + k * span; at < end; at += TOUCH_STRIDE) Atomics.add(words, at >> 2, 0);
      mine++;
    }
    Atomics.add(control, TOUCH_DONE, mine);
    for (;;) {
      const done = Atomics.load(control, TOUCH_DONE);
      if (done >= chunks) return;
      if (this.#block) Atomics.wait(control, TOUCH_DONE, done, 1);
    }
  }

  /** Page-touch chunks the workers have run since the pool was created. */
  get workerTouches(): number {
    return this.#sumOverWorkers(TOUCHED);
  }

  /** Chunks the workers have run since the pool was created. */
  get workerChunks(): number {
    return this.#sumOverWorkers(RAN);
  }

  /** The sum of one per-worker counter of the control block (`word`: its offset in a worker's block). */
  #sumOverWorkers(word: number): number {
    let sum = 0;
    for (let w = 0; w < this.#workers.length; w++)
      sum += Atomics.load(this.#control, (w + 1) * CONTROL_STRIDE + word);
    return sum;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#workers.forEach((worker, w) => {
      this.#post(w, { type: 'exit' });
      worker.terminate();
    });
  }

  /**
   * Waits for the chunks other threads claimed and are still running: spinning for up to MAIN_SPIN_MS (a
   * chunk takes microseconds to a fraction of a millisecond), then sleeping until a worker's notify.
   */
  #awaitChunks(chunks: number): void {
    const control = this.#control;
    let since = performance.now();
    let spins = 0;
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done >= chunks) return;
      if (this.#block && (++spins & 255) === 0 && performance.now() - since > MAIN_SPIN_MS) {
        Atomics.store(control, MAIN_WAITING, 1);
        Atomics.wait(control, DONE, done, 1);
        Atomics.store(control, MAIN_WAITING, 0);
        since = performance.now();
      }
    }
  }

  #flush(): void {
    for (let w = 0; w < this.#workers.length; w++) {
      const list = this.#unsent[w];
      if (list.length === 0) continue;
      this.#unsent[w] = [];
      this.#post(w, {
        type: 'setup',
        programs: list.map((p) => ({ id: p.id, module: p.module, memory: p.memory, math: [...p.math] })),
      });
    }
  }

  #post(w: number, message: unknown): void {
    if (this.#disposed && (message as { type: string }).type !== 'exit') return;
    const at = (w + 1) * CONTROL_STRIDE;
    Atomics.add(this.#control, at + POSTED, 1);
    this.#workers[w].postMessage(message);
    Atomics.notify(this.#control, NEXT_CHUNK);
  }
}
