// Helpers of the conformance suite: a seeded generator and a relative-to-magnitude comparison.

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [−scale, scale). */
export function randomArray(random: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

/** The largest |value|: the magnitude errors are measured against. */
export function magnitude(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

/** max |actual − expected| / max(magnitude(expected), floor). */
export function relativeError(actual: Float32Array, expected: Float32Array, floor = 1e-6): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return worst / Math.max(magnitude(expected), floor);
}

/** Throws a descriptive Error when the arrays differ by more than `tolerance` relative to the magnitude. */
export function expectClose(
  what: string,
  actual: Float32Array,
  expected: Float32Array,
  tolerance: number,
): number {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: got ${actual.length} values, expected ${expected.length}`);
  }
  const error = relativeError(actual, expected);
  if (!(error <= tolerance)) {
    let index = 0;
    let worst = -1;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(actual[i] - expected[i]);
      if (Number.isNaN(d) || d > worst) {
        worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
        index = i;
      }
    }
    throw new Error(
      `${what}: relative error ${error.toExponential(3)} > ${tolerance} (magnitude ${magnitude(expected).toExponential(3)}); worst at [${index}]: got ${actual[index]}, expected ${expected[index]}`,
    );
  }
  return error;
}

export function expectEqual(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const a = Array.from(actual);
  const e = Array.from(expected);
  if (a.length !== e.length || a.some((v, i) => v !== e[i])) {
    throw new Error(`${what}: got [${a.slice(0, 20).join(', ')}], expected [${e.slice(0, 20).join(', ')}]`);
  }
}
