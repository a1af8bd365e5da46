// The benchmark page: loads gpt2js's model from this page's origin (/model/) on the backend and weight
// storage the runner asks for, warms up (compiles every kernel for the prompt shape and the one-token step),
// then greedy-decodes the workload with the Node benchmark's loop (../../lib/greedy.mjs), reading back one id per step,
// then samples `sampledSteps` tokens with top-k 50 (../../lib/sampled.mjs), as the Node benchmark does.
// The runner calls `window.__bench.run(params)`; progress goes to the console as `[bench] …` lines so a
// timed-out sample can still say how far it got. Raw timestamps go back; the figures are computed in Node
// with the same summarise() as the Node benchmark.
import { GPT2LMHeadModel } from '@gpt2js/gpt2';
import { greedyTimed as greedy } from '../../lib/greedy.mjs';
import { sampledTimed } from '../../lib/sampled.mjs';
import { describeGpu } from './device.js';

// Counting Web Worker constructions shows whether webasm really started threads, which crossOriginIsolated
// alone does not prove (without SharedArrayBuffer every kernel silently runs on the main thread).
let workersStarted = 0;
const NativeWorker = globalThis.Worker;
if (typeof NativeWorker === 'function') {
  globalThis.Worker = class CountedWorker extends NativeWorker {
    constructor(...args) {
      super(...args);
      workersStarted++;
    }
  };
}

const progress = (message) => console.log(`[bench] ${message}`);
// What is known so far, for a runner whose sample times out. Sent as a console line because a page busy in
// a chain of synchronous kernels (webgl readback) answers no evaluate() until the generation ends, while
// console messages reach the runner at once.
const share = (state) => console.log(`[bench-state] ${JSON.stringify({ ...state, workersStarted })}`);

function environment() {
  const shared = typeof SharedArrayBuffer !== 'undefined';
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: shared,
    // the webasm backend sizes its thread pool from this (its report says how many threads it got)
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
  };
}

function describeError(error) {
  if (!(error instanceof Error)) return String(error);
  const code = error.code ? ` [${error.code}]` : '';
  return `${error.name}${code}: ${error.message}`;
}

/**
 * @param {{ backend: string, dtype: string, prompt: number[], decodeSteps: number, warmupSteps: number,
 *   sampledSteps?: number }} p
 */
async function run({ backend, dtype, prompt, decodeSteps, warmupSteps, sampledSteps = 0 }) {
  const env = environment();
  let phase = 'load';
  let model;
  share({ env });
  try {
    const t0 = performance.now();
    model = await GPT2LMHeadModel.fromPretrained(new URL('model', location.href).href, { backend, dtype });
    const loadMs = performance.now() - t0;
    share({ env, report: model.backend.report() });
    progress(`loaded on ${model.backend.name} in ${(loadMs / 1000).toFixed(1)} s; warming up`);
    phase = 'warm-up';
    const cold = await greedy(model, prompt, warmupSteps);
    progress(`warm-up done (first token ${((cold.times[0] - cold.start) / 1000).toFixed(1)} s); measuring`);
    phase = 'measured generation';
    const measured = await greedy(model, prompt, decodeSteps);
    phase = 'sampled generation';
    const sampled = sampledSteps > 0 ? await sampledTimed(model, prompt, sampledSteps) : undefined;
    return {
      ok: true,
      env,
      report: model.backend.report(),
      gpu: await describeGpu(),
      loadMs,
      cold,
      measured,
      sampled,
      // webasm: programs read back from the kernel cache and compiled (a fresh profile compiles them all)
      kernelCache: model.backend.engine?.kernelCache,
      workersStarted,
    };
  } catch (error) {
    return {
      ok: false,
      env,
      phase,
      error: describeError(error),
      report: model?.backend.report(),
      gpu: await describeGpu(),
      workersStarted,
    };
  } finally {
    model?.dispose();
  }
}

window.__bench = { run };
document.body.dataset.state = 'ready';
