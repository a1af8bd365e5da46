// The body of a webasm worker thread, as source text (evaluated by Node's worker_threads with
// `eval: true`, or from a Blob URL in browsers, so it captures nothing from this module).
//
// A worker instantiates each kernel module over the engine's shared memories once (a `setup` message),
// then serves kernel calls without any message: it waits on its state word in the control block, then
// takes chunks of the call's cells from a shared counter (the main thread takes them too, so a worker
// that starts late simply takes fewer), runs `run_simd` (or `run`) of the module the main thread named
// on each, and flips its state back.
// Messages are only read between calls: the main thread counts what it posted, and the worker leaves
// its wait loop (returning to its event loop) whenever that count is ahead of what it handled.
//
// Control block (Int32Array over a SharedArrayBuffer): word 0 is the chunk counter of the current call;
// then per worker w at (w + 1)·STRIDE:
//   +0 state    0 OUT (handling messages), 1 IDLE (waiting for a call), 2 BUSY (a call is assigned)
//   +1 program  +2 chunk (cells per chunk)  +3 cells  +4 simd (1: run_simd, 0: run)
//   +5 posted (messages sent)  +6 ready (highest program id instantiated)
export const CONTROL_STRIDE = 8;
export const NEXT_CHUNK = 0;
export const STATE = 0;
export const PROGRAM = 1;
export const CHUNK = 2;
export const CELLS = 3;
export const SIMD = 4;
export const POSTED = 5;
export const READY = 6;
export const OUT = 0;
export const IDLE = 1;
export const BUSY = 2;

export const WORKER_SOURCE = `
var control = null;
var base = 0;
var handled = 0;
var programs = new Map();
var SPINS = 200000;

function instantiate(entry) {
  var env = { memory: entry.memory };
  for (var i = 0; i < entry.math.length; i++) env['math_' + entry.math[i]] = Math[entry.math[i]];
  var exports = new WebAssembly.Instance(entry.module, { env: env }).exports;
  programs.set(entry.id, { run: exports.run, runSimd: exports.run_simd || null });
}

function serve() {
  Atomics.store(control, base + ${STATE}, ${IDLE});
  for (;;) {
    var spins = 0;
    for (;;) {
      var state = Atomics.load(control, base + ${STATE});
      if (state === ${BUSY}) break;
      if (Atomics.load(control, base + ${POSTED}) !== handled) {
        // a message is waiting: leave only if no call got assigned meanwhile
        if (Atomics.compareExchange(control, base + ${STATE}, ${IDLE}, ${OUT}) === ${IDLE}) return;
        continue;
      }
      if (++spins > SPINS) {
        Atomics.wait(control, base + ${STATE}, ${IDLE});
        spins = 0;
      }
    }
    var program = programs.get(control[base + ${PROGRAM}]);
    var chunk = control[base + ${CHUNK}];
    var cells = control[base + ${CELLS}];
    var run = control[base + ${SIMD}] === 1 ? program.runSimd : program.run;
    for (;;) {
      var start = Atomics.add(control, ${NEXT_CHUNK}, 1) * chunk;
      if (start >= cells) break;
      run(start, Math.min(start + chunk, cells), 0);
    }
    Atomics.store(control, base + ${STATE}, ${IDLE});
    Atomics.notify(control, base + ${STATE});
  }
}

function handle(message) {
  handled++;
  if (message.type === 'init') {
    control = new Int32Array(message.control);
    base = (message.index + 1) * ${CONTROL_STRIDE};
  } else if (message.type === 'setup') {
    var top = Atomics.load(control, base + ${READY});
    for (var i = 0; i < message.programs.length; i++) {
      instantiate(message.programs[i]);
      if (message.programs[i].id > top) top = message.programs[i].id;
    }
    Atomics.store(control, base + ${READY}, top);
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
