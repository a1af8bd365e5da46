// model.dispose(): a model that created its backend disposes it whole (every weight freed, the backend
// closed); a model on a backend the caller owns frees its own weights and leaves the backend working.
import { createBackend, TensorError } from '@gpt2js/tensor';
import { describe, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../src/index.js';
import { MODELS } from './helpers/backends.js';

describe('model.dispose()', () => {
  it('disposes a backend the model created, with every weight on it', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend: 'webasm' });
    const { backend } = model;
    expect(backend.memory().tensors).toBeGreaterThan(40);
    model.dispose();
    expect(model.disposed).toBe(true);
    const error = (() => {
      try {
        backend.tensor(Float32Array.of(1), [1]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TensorError);
    expect((error as TensorError).code).toBe('disposed');
  });

  it('frees only its weights on a backend the caller owns', async () => {
    const backend = await createBackend({ backend: 'webasm' });
    try {
      const before = backend.memory();
      const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend });
      expect(backend.memory().tensors).toBeGreaterThan(before.tensors + 40);
      model.dispose();
      expect(backend.memory()).toEqual(before);
      const x = backend.tensor(Float32Array.of(1, 2), [2]);
      expect(Array.from(await x.toArray())).toEqual([1, 2]);
      x.dispose();
    } finally {
      backend.dispose();
    }
  });
});
