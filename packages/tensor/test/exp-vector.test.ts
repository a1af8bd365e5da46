// The vectorised exp behind webasm's softmax weights: within 1e-6 relative of Math.exp on [−20, 0] and
// 4e-6 down to −87, exactly 0 below (and for the −1e30 of masked keys), 1 at 0.

import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../src/ops/exp-vector.js';

const relative = (x: number) => Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x);

describe('exp for x ≤ 0 without Math.exp', () => {
  it('is within 1e-6 of Math.exp on [−20, 0] and 4e-6 on [−87, −20]', () => {
    let near = 0;
    let far = 0;
    for (let x = -20; x <= 0; x += 1e-3) near = Math.max(near, relative(x));
    for (let x = -86.9; x < -20; x += 1e-3) far = Math.max(far, relative(x));
    expect(near).toBeLessThan(1e-6);
    expect(far).toBeLessThan(4e-6);
  });

  it('is exactly 1 at 0 and 0 from −87 down (masked keys)', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-87)).toBe(0);
    expect(expNonPositive(-1e30)).toBe(0);
    expect(expNonPositive(Number.NEGATIVE_INFINITY)).toBe(0);
  });
});
