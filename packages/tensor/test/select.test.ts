// Backend selection: explicit choice, GPT2JS_BACKEND, the report of skipped backends, typed errors.

import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, probeBackends, TensorError } from '../src/index.js';

const saved = process.env.GPT2JS_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.GPT2JS_BACKEND;
  else process.env.GPT2JS_BACKEND = saved;
});

describe('backend selection', () => {
  it('probes every backend with a reason', async () => {
    const probes = await probeBackends();
    expect(probes.map((p) => p.name)).toEqual(['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu']);
    for (const p of probes) expect(p.reason.length).toBeGreaterThan(5);
    expect(probes.find((p) => p.name === 'cpu')!.available).toBe(true);
    expect(probes.find((p) => p.name === 'webgl2')!.available).toBe(false);
  });

  it('auto picks the first available backend in order and reports why better ones were skipped', async () => {
    delete process.env.GPT2JS_BACKEND;
    const probes = await probeBackends();
    const order = ['webgpu', 'webgl2', 'headlessgl', 'webasm', 'cpu'];
    const expected = order.find((n) => probes.find((p) => p.name === n)!.available)!;
    const backend = await createBackend();
    const report = backend.report();
    expect(backend.name).toBe(expected);
    expect(report.name).toBe(expected);
    expect(report.skipped.map((s) => s.name)).toEqual(order.slice(0, order.indexOf(expected)));
    for (const s of report.skipped) expect(s.reason).toBe(probes.find((p) => p.name === s.name)!.reason);
    backend.dispose();
  });

  it('GPT2JS_BACKEND overrides auto, and an explicit option overrides the environment', async () => {
    process.env.GPT2JS_BACKEND = 'cpu';
    const fromEnv = await createBackend();
    expect(fromEnv.name).toBe('cpu');
    expect(fromEnv.report().reason).toContain('GPT2JS_BACKEND');
    fromEnv.dispose();
    const explicit = await createBackend({ backend: 'webasm' });
    expect(explicit.name).toBe('webasm');
    expect(explicit.report().reason).toMatch(/code generation/);
    explicit.dispose();
  });

  it('an explicitly requested unavailable backend is a typed error, never a fallback', async () => {
    const error = await createBackend({ backend: 'webgl2' }).catch((e: unknown) => e);
    expect(TensorError.isInstance(error)).toBe(true);
    expect((error as TensorError).code).toBe('backend_unavailable');
    expect((error as Error).message).toContain("'webgl2'");
    process.env.GPT2JS_BACKEND = 'webgl';
    const fromEnv = await createBackend().catch((e: unknown) => e);
    expect((fromEnv as TensorError).code).toBe('backend_unavailable');
    expect((fromEnv as Error).message).toContain('GPT2JS_BACKEND');
  });

  it('rejects unknown names and bad thread counts with the allowed values', async () => {
    await expect(createBackend({ backend: 'metal' as never })).rejects.toThrow(/one of auto, webgpu/);
    await expect(createBackend({ backend: 'cpu', threads: 0 })).rejects.toThrow(/\[1, 64\]/);
  });
});
