// Toy causal LMs for the loop tests: logits are a pure function of each row's history, so expected
// outputs can be worked out by hand. Instrumented to count read-backs and check disposal.

import type { CausalLM, CausalLMSession, StepLogits } from '../src/index.js';
import { argmax, topkHost } from '../src/index.js';

export interface ToyStats {
  sessions: number;
  disposedSessions: number;
  logitsCreated: number;
  logitsDisposed: number;
  reads: number;
  /** The array each read was given to write into (undefined: none). */
  readTargets: (Float32Array | undefined)[];
  argmaxCalls: number;
  topkCalls: number;
  forwards: (readonly (readonly number[])[])[];
  reorders: number[][];
}

export type ToyModel = CausalLM & { stats: ToyStats };

/** A CausalLM whose next-token logits are `next(history)` (history = prompt + generated of the row). */
export function toyModel(
  vocabSize: number,
  next: (history: readonly number[]) => ArrayLike<number>,
  maxLength = 64,
): ToyModel {
  const stats: ToyStats = {
    sessions: 0,
    disposedSessions: 0,
    logitsCreated: 0,
    logitsDisposed: 0,
    reads: 0,
    readTargets: [],
    argmaxCalls: 0,
    topkCalls: 0,
    forwards: [],
    reorders: [],
  };
  const makeLogits = (rows: Float32Array[]): StepLogits => {
    stats.logitsCreated++;
    let disposed = false;
    const live = (): void => {
      if (disposed) throw new Error('StepLogits used after dispose');
    };
    return {
      batch: rows.length,
      vocabSize: rows[0].length,
      async read(into?: Float32Array) {
        live();
        stats.reads++;
        stats.readTargets.push(into);
        if (!into) return rows.map((r) => r.slice());
        // as a model on the host does: the rows written into the caller's array, returned as views of it
        const V = rows[0].length;
        return rows.map((r, b) => {
          const view = into.subarray(b * V, (b + 1) * V);
          view.set(r);
          return view;
        });
      },
      async argmax() {
        live();
        stats.argmaxCalls++;
        return Int32Array.from(rows, (r) => argmax(r));
      },
      async topk(k: number) {
        live();
        stats.topkCalls++;
        return rows.map((r) => topkHost(r, k));
      },
      dispose() {
        if (!disposed) stats.logitsDisposed++;
        disposed = true;
      },
    };
  };
  return {
    vocabSize,
    maxLength,
    stats,
    createSession(batch: number): CausalLMSession {
      stats.sessions++;
      let histories: number[][] = Array.from({ length: batch }, () => []);
      let disposed = false;
      return {
        get length() {
          return histories[0].length;
        },
        async forward(ids) {
          if (disposed) throw new Error('forward after dispose');
          if (ids.length !== batch) throw new Error(`expected ${batch} rows, got ${ids.length}`);
          stats.forwards.push(ids.map((r) => [...r]));
          histories = histories.map((h, r) => [...h, ...ids[r]]);
          if (histories[0].length > maxLength) throw new Error('context exceeded');
          return makeLogits(histories.map((h) => Float32Array.from(next(h))));
        },
        reorder(rows) {
          stats.reorders.push([...rows]);
          histories = rows.map((r) => [...histories[r]]);
        },
        dispose() {
          if (!disposed) stats.disposedSessions++;
          disposed = true;
        },
      };
    },
  };
}

/** Logits = log(probabilities); softmax gives the probabilities back exactly (up to float32). */
export function logProbs(probs: readonly number[]): Float32Array {
  return Float32Array.from(probs, (p) => Math.log(p));
}

/** A model that emits `script[i]` at generated position i (one-hot-ish logits), then `fallback`. */
export function scriptedModel(
  vocabSize: number,
  promptLength: number,
  script: readonly number[],
  fallback = 0,
): ToyModel {
  return toyModel(vocabSize, (h) => {
    const i = h.length - promptLength;
    const target = i < script.length ? script[i] : fallback;
    const out = new Float32Array(vocabSize);
    out[target] = 10;
    return out;
  });
}
