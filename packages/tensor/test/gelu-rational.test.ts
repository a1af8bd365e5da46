// The rational tanh behind webasm's fused gelu_new: within 3.3e-7 of Math.tanh over the reals (in f32
// arithmetic the kernels add at most an ulp per operation), exactly ±1 in the clamped tails, odd.

import { describe, expect, it } from 'vitest';
import { geluScalar, tanhRational } from '../src/ops/gelu-new.js';

describe('rational tanh for gelu_new', () => {
  it('stays within 3.3e-7 of Math.tanh on [−12, 12]', () => {
    let worst = 0;
    for (let u = -12; u <= 12; u += 1e-4) worst = Math.max(worst, Math.abs(tanhRational(u) - Math.tanh(u)));
    expect(worst).toBeLessThan(3.3e-7);
    expect(worst).toBeGreaterThan(0); // an approximation, not Math.tanh itself
  });

  it('is odd and saturates past the clamp', () => {
    for (const u of [0.001, 0.5, 3, 7.9]) expect(tanhRational(-u)).toBe(-tanhRational(u));
    expect(tanhRational(0)).toBe(0);
    expect(Math.abs(tanhRational(50) - 1)).toBeLessThan(3.3e-7);
    expect(tanhRational(50)).toBe(tanhRational(8));
  });

  it('gives gelu_new within ½·|x|·3.3e-7 of the exact formula', () => {
    const s = Math.sqrt(2 / Math.PI);
    for (let x = -20; x <= 20; x += 1e-3) {
      const u = s * (x + 0.044715 * x ** 3);
      const approx = 0.5 * x * (1 + tanhRational(u));
      expect(Math.abs(approx - geluScalar(x))).toBeLessThanOrEqual(0.5 * Math.abs(x) * 3.3e-7 + 1e-15);
    }
  });
});
