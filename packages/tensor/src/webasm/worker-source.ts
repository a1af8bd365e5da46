// The body of a webasm worker thread, as source text (evaluated by Node's worker_threads with
// `eval: true`, or from a Blob URL in browsers, so it captures nothing from this module).
//
// A worker instantiates each kernel module over the engine's shared memories once (a `setup` message),
// then serves kernel calls without any message: it waits for the epoch in the control block's claim word
// to change, reads the call's parameters, and claims chunks of its cells (chunk-claim.ts) alongside the main
// thread until none is left, running `run_simd` (or `run`) of the module the main thread named on each
// and counting every finished chunk. Nobody waits for a worker that claimed nothing: one that wakes late,
// or lacks the call's module, simply takes no chunk.
// Messages are only read between calls: the main thread counts what it posted, and the worker leaves
// its wait loop (returning to its event loop) whenever that count is ahead of what it handled.
//
// Control block (Int32Array over a SharedArrayBuffer), the call's words first:
//   +0 next (epoch << CHUNK_BITS | next chunk, chunk-claim.ts; written last, after the call's other words)
//   +1 done (chunks finished)  +2 program  +3 chunks  +5 simd (1: run_simd, 0: run)
//   +6 main waiting on done  +7 sleeping workers (a worker sleeps after IDLE_SPIN_MS without a call)
//   +8 the claim word of a page touch (ThreadPool.touch: the same claims, its own epochs)  +9 its chunks done
// then per worker w at (w + 1)·STRIDE: +0 posted (messages sent)  +1 chunks this worker has run
// +2 page-touch chunks this worker has run.
// A second shared array holds the call's chunk bounds (chunk-plan.ts): chunk k is cells bounds[k] … bounds[k + 1].
import { CHUNK_BITS, claimChunk } from './chunk-claim.js';

export const CONTROL_STRIDE = 16;
export const NEXT_CHUNK = 0;
export const DONE = 1;
export const PROGRAM = 2;
export const CHUNKS = 3;
export const SIMD = 5;
export const MAIN_WAITING = 6;
export const SLEEPING = 7;
export const POSTED = 0;
export const RAN = 1;
export const TOUCHED = 2;
export const TOUCH_CLAIM = 8;
export const TOUCH_DONE = 9;
/** Bytes between two touches: a page of 4 KiB (larger pages are touched more than once). */
export const TOUCH_STRIDE = 4096;

/**
 * How long an idle worker keeps spinning for the next call before it sleeps (Atomics.wait), in ms: about
 * what 200,000 spins took here, now the same on every machine. Spinning longer is a trade: at 50 ms a worker
 * missed half as many of GPT-2's decode calls (asleep when the call came: 0.7 against 1.4 %) and decoding
 * ran 1.02× as fast, but every idle worker held a core for 50 ms after each call, and this repository's test
 * suite (two test processes on two cores, each with a worker) took 352 s instead of 232 s.
 */
export const IDLE_SPIN_MS = 3;

/**
 * The worker's source around `claim` (chunk-claim.ts's claimChunk). Its text is embedded as an expression
 * bound to the name the worker calls, so a bundler that renames the function (minified page builds do)
 * changes nothing.
 */
export function workerSource(claim: typeof claimChunk): string {
  return `
var control = null;
var bounds = null;
var base = 0;
var handled = 0;
var seen = 0;
var programs = new Map();
var IDLE_SPIN_MS = ${IDLE_SPIN_MS};

var claimChunk = (${claim.toString()});

function instantiate(entry) {
  var env = { memory: entry.memory };
  for (var i = 0; i < entry.math.length; i++) env['math_' + entry.math[i]] = Math[entry.math[i]];
  var exports = new WebAssembly.Instance(entry.module, { env: env }).exports;
  programs.set(entry.id, { run: exports.run, runSimd: exports.run_simd || null });
}

function serve() {
  for (;;) {
    var spins = 0;
    var idleSince = performance.now();
    var word;
    var epoch;
    for (;;) {
      word = Atomics.load(control, ${NEXT_CHUNK});
      epoch = word >>> ${CHUNK_BITS};
      if (epoch !== seen) break;
      if (Atomics.load(control, base + ${POSTED}) !== handled) return;
      // the clock every 1024 spins (a few microseconds)
      if ((++spins & 1023) === 0 && performance.now() - idleSince > IDLE_SPIN_MS) {
        Atomics.add(control, ${SLEEPING}, 1);
        Atomics.wait(control, ${NEXT_CHUNK}, word);
        Atomics.sub(control, ${SLEEPING}, 1);
        idleSince = performance.now();
      }
    }
    seen = epoch;
    // read after the epoch: the call's own values whenever a claim below succeeds (chunk-claim.ts)
    var program = programs.get(Atomics.load(control, ${PROGRAM}));
    if (!program) continue;
    var chunks = Atomics.load(control, ${CHUNKS});
    var run = Atomics.load(control, ${SIMD}) === 1 ? program.runSimd : program.run;
    for (;;) {
      var k = claimChunk(control, ${NEXT_CHUNK}, epoch, chunks);
      if (k < 0) break;
      run(Atomics.load(bounds, k), Atomics.load(bounds, k + 1), 0);
      Atomics.add(control, base + ${RAN}, 1);
      Atomics.add(control, ${DONE}, 1);
      if (Atomics.load(control, ${MAIN_WAITING}) === 1) Atomics.notify(control, ${DONE});
    }
  }
}

function handle(message) {
  handled++;
  if (message.type === 'init') {
    control = new Int32Array(message.control);
    bounds = new Int32Array(message.bounds);
    base = (message.index + 1) * ${CONTROL_STRIDE};
    seen = Atomics.load(control, ${NEXT_CHUNK}) >>> ${CHUNK_BITS};
  } else if (message.type === 'setup') {
    for (var i = 0; i < message.programs.length; i++) instantiate(message.programs[i]);
  } else if (message.type === 'touch') {
    // chunks of pages claimed like a call's (a message that comes late claims nothing); one atomic add of 0
    // per page: the OS commits the page, its bytes stay as they are
    var words = new Int32Array(message.memory.buffer);
    var span = message.pages * ${TOUCH_STRIDE};
    for (;;) {
      var k = claimChunk(control, ${TOUCH_CLAIM}, message.epoch, message.chunks);
      if (k < 0) break;
      var end = Math.min(message.to, message.from + (k + 1) * span);
      for (var at = message.from + k * span; at < end; at += ${TOUCH_STRIDE}) Atomics.add(words, at >> 2, 0);
      Atomics.add(control, base + ${TOUCHED}, 1);
      Atomics.add(control, ${TOUCH_DONE}, 1);
      Atomics.notify(control, ${TOUCH_DONE});
    }
  } else if (message.type === 'release') {
    for (var j = 0; j < message.ids.length; j++) programs.delete(message.ids[j]);
  } else if (message.type === 'exit') {
    if (typeof close === 'function') close();
    else process.exit(0);
    return;
  }
  serve();
}

if (typeof self !== 'undefined' && typeof postMessage === 'function') {
  self.onmessage = function (event) { handle(event.data); };
} else {
  require('worker_threads').parentPort.on('message', handle);
}
`;
}

export const WORKER_SOURCE = workerSource(claimChunk);
