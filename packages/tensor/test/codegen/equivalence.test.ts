// Every kernel here is compiled by stock gpu.js and by gpu.js with the code-generation extension;
// the two outputs must be bit-identical, and both must match a plain-JS reference. References use
// Math.fround after every operation, which is exactly what wasm f32 arithmetic does, so kernels made
// of + − × compare bit for bit; kernels with division or Math calls compare within 1e-6 relative.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWebasmCodegen } from '../../src/codegen/index.js';
import { bitsEqual, maxRelativeError, type PairRun, rows2d, runPair, seeded } from './harness.js';

// kernel `this`: thread ids, output size and (for the matvec kernels) the constants they read
type Kernel = gpujs.IKernelFunctionThis<{ K: number; w: number[][][] }>;
const f = Math.fround;

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

/**
 * Extended ≡ stock bit for bit everywhere; extended ≡ reference bit for bit on the cells whose reads
 * are all in bounds (`reference[i]` null elsewhere: stock gpu.js itself gives a clamped element on
 * SIMD lanes and whatever memory follows on the scalar tail, so there is no reference to hold it to).
 */
function expectSame(run: PairRun, reference: ArrayLike<number | null>): void {
  expect(bitsEqual(run.extended, run.stock)).toBe(true);
  expect(run.extended.length).toBe(reference.length);
  const cells = Array.from(reference, (value, i) => [i, value] as const).filter(
    ([, value]) => value !== null,
  );
  expect(cells.length).toBeGreaterThan(0);
  expect(cells.map(([i]) => run.extended[i])).toEqual(cells.map(([, value]) => f(value as number)));
}

describe('matrix-vector and matrix-matrix kernels', () => {
  it('matvec in the repacked [N/4][K][4] layout with output [4, N/4] matches stock and the reference', () => {
    const K = 37;
    const N = 24;
    const w = seeded(K * N, 1); // W[k][c] = w[k·N + c]
    const x = seeded(K, 2);
    const packed = new Float32Array(K * N);
    for (let c = 0; c < N; c++)
      for (let k = 0; k < K; k++) packed[((c >> 2) * K + k) * 4 + (c & 3)] = w[k * N + c];
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, v: number[]) {
            let sum = 0;
            for (let k = 0; k < this.constants.K; k++) {
              sum += v[k] * this.constants.w[this.thread.y][k][this.thread.x];
            }
            return sum;
          },
          {
            output: [4, N / 4],
            constants: { K, w: new gpujs.Input(packed as unknown as number[], [4, K, N / 4]) },
          },
        ),
      [x],
    );
    const reference: number[] = [];
    for (let c = 0; c < N; c++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum = f(sum + f(x[k] * w[k * N + c]));
      reference.push(sum);
    }
    expectSame(run, reference);
    expect(run.path).toBe('simd');
  });

  it('matvec with the weight as an argument (Input) and an Integer bound argument', () => {
    const K = 19;
    const N = 16;
    const packed = seeded(K * N, 3);
    const x = seeded(K, 4);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, v: number[], w: number[][][], kSize: number) {
            let sum = 0;
            for (let k = 0; k < kSize; k++) sum += v[k] * w[this.thread.y][k][this.thread.x];
            return sum;
          },
          {
            output: [4, N / 4],
            // gpu.js's typings have no 'Input' argument type; the runtime does
            argumentTypes: {
              v: 'Array',
              w: 'Input',
              kSize: 'Integer',
            } as unknown as gpujs.IGPUKernelSettings['argumentTypes'],
          },
        ),
      [x, new gpujs.Input(packed as unknown as number[], [4, K, N / 4]), K],
    );
    const reference: number[] = [];
    for (let j = 0; j < N / 4; j++) {
      for (let lane = 0; lane < 4; lane++) {
        let sum = 0;
        for (let k = 0; k < K; k++) sum = f(sum + f(x[k] * packed[(j * K + k) * 4 + lane]));
        reference.push(sum);
      }
    }
    expectSame(run, reference);
  });

  it('README-style matmul with an output that is not a multiple of 4 wide (SIMD span + scalar tail)', () => {
    const M = 5;
    const K = 9;
    const N = 7;
    const a = seeded(M * K, 5);
    const b = seeded(K * N, 6);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[][], b: number[][]) {
            let sum = 0;
            for (let i = 0; i < 9; i++) sum += a[this.thread.y][i] * b[i][this.thread.x];
            return sum;
          },
          { output: [N, M] },
        ),
      [rows2d(a, K, M), rows2d(b, N, K)],
    );
    const reference: number[] = [];
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < N; c++) {
        let sum = 0;
        for (let i = 0; i < K; i++) sum = f(sum + f(a[r * K + i] * b[i * N + c]));
        reference.push(sum);
      }
    }
    expectSame(run, reference);
    expect(run.path).toBe('simd+scalar-tail');
  });
});

describe('reads of every index shape', () => {
  const n = 22;
  const a = seeded(n, 7);
  const at = (i: number): number | null => (i >= 0 && i < n ? a[i] : null);

  it('thread.x + const, thread.x − const, thread.x * 2 (out-of-range cells: stock only)', () => {
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[]) {
            return a[this.thread.x + 2] * 3 + a[this.thread.x - 1] - a[this.thread.x * 2];
          },
          { output: [13] },
        ),
      [a],
    );
    const reference = Array.from({ length: 13 }, (_, x) => {
      const [p, q, r] = [at(x + 2), at(x - 1), at(x * 2)];
      return p === null || q === null || r === null ? null : f(f(f(p * 3) + q) - r);
    });
    expectSame(run, reference);
  });

  it('thread.y-indexed rows of a 2-D input, and a 3-D input indexed by x, y, z', () => {
    const a2 = seeded(8 * 6, 8);
    const a3 = seeded(8 * 3 * 2, 9);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, b: number[][], c: number[][][]) {
            return b[this.thread.y][this.thread.x] + c[this.thread.z][this.thread.y % 3][this.thread.x];
          },
          { output: [8, 6, 2] },
        ),
      [
        new gpujs.Input(a2 as unknown as number[], [8, 6]),
        new gpujs.Input(a3 as unknown as number[], [8, 3, 2]),
      ],
    );
    const reference: number[] = [];
    for (let z = 0; z < 2; z++) {
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 8; x++) reference.push(f(a2[y * 8 + x] + a3[(z * 3 + (y % 3)) * 8 + x]));
      }
    }
    expectSame(run, reference);
  });

  it('a 2-D output 5 wide reading past the end of its rows (flat index runs into the next row)', () => {
    const m = seeded(5 * 4, 10);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, m: number[][]) {
            return m[this.thread.y][this.thread.x + 1] * 2;
          },
          { output: [5, 4] },
        ),
      [rows2d(m, 5, 4)],
    );
    // flat index x + 1 + 5y: the last column reads the next row's first element
    const reference: (number | null)[] = [];
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) reference.push(y * 5 + x + 1 < 20 ? f(m[y * 5 + x + 1] * 2) : null);
    }
    expectSame(run, reference);
  });
});

describe('masks and conditionals', () => {
  it('lane-divergent branches around contiguous reads, including reads only some lanes may make', () => {
    const n = 18;
    const a = seeded(n, 11);
    const b = seeded(n, 12);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[], b: number[]) {
            let v = 0;
            if (a[this.thread.x] > 0) {
              v = b[this.thread.x] * 2;
            } else if (this.thread.x > 0) {
              v = a[this.thread.x - 1] + b[this.thread.x + 1];
            } else {
              v = -1;
            }
            return v;
          },
          { output: [n] },
        ),
      [a, b],
    );
    const reference = Array.from({ length: n }, (_, x) => {
      if (a[x] > 0) return f(b[x] * 2);
      if (x > 0) return x + 1 < n ? f(a[x - 1] + b[x + 1]) : null;
      return -1;
    });
    expectSame(run, reference);
  });

  it('an early return under a varying condition and a ternary', () => {
    const n = 12;
    const a = seeded(n, 13);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[]) {
            if (this.thread.x % 3 === 0) return a[this.thread.x];
            return a[this.thread.x] > 0 ? a[this.thread.x] * 4 : a[this.thread.x] - 1;
          },
          { output: [n] },
        ),
      [a],
    );
    const reference = Array.from({ length: n }, (_, x) => {
      if (x % 3 === 0) return a[x];
      return a[x] > 0 ? f(a[x] * 4) : f(a[x] - 1);
    });
    expectSame(run, reference);
  });
});

describe('loops and their counters', () => {
  it('nested integer loops, a float counter, a down-counting loop and a step of 2', () => {
    const a = seeded(4 * 6, 14);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[][]) {
            let sum = 0;
            for (let i = 0; i < 6; i++) {
              for (let j = 0; j < 3; j++) sum += a[i][this.thread.x] * j;
            }
            for (let t = 0.5; t < 2; t += 0.5) sum += t;
            for (let d = 5; d > 0; d--) sum -= a[d][this.thread.x];
            for (let e = 0; e < 6; e += 2) sum += a[e][this.thread.x];
            return sum;
          },
          { output: [4] },
        ),
      [rows2d(a, 4, 6)],
    );
    const reference = Array.from({ length: 4 }, (_, x) => {
      let sum = 0;
      for (let i = 0; i < 6; i++) for (let j = 0; j < 3; j++) sum = f(sum + f(a[i * 4 + x] * j));
      for (let t = 0.5; t < 2; t += 0.5) sum = f(sum + t);
      for (let d = 5; d > 0; d--) sum = f(sum - a[d * 4 + x]);
      for (let e = 0; e < 6; e += 2) sum = f(sum + a[e * 4 + x]);
      return sum;
    });
    expectSame(run, reference);
  });

  it('a counter used in float math (division, Math calls, comparison with a float bound)', () => {
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, scale: number) {
            let sum = 0;
            for (let i = 0; i < 10; i++) {
              if (i < scale) sum += i / 3 + Math.sqrt(i) * 0.5 + (i % 4) + this.thread.x;
            }
            return sum;
          },
          { output: [8] },
        ),
      [7.5],
    );
    const reference = Array.from({ length: 8 }, (_, x) => {
      let sum = 0;
      for (let i = 0; i < 10; i++) {
        if (i < 7.5) sum = f(f(f(f(f(i / 3) + f(f(Math.sqrt(i)) * 0.5)) + (i % 4)) + x) + sum);
      }
      return sum;
    });
    expect(bitsEqual(run.extended, run.stock)).toBe(true);
    // f32 division and sqrt are correctly rounded too, but the addition order differs from this
    // reference's; 1e-6 relative covers that reassociation
    expect(maxRelativeError(run.extended, reference)).toBeLessThan(1e-6);
  });

  it('a lane-varying trip count (the counter becomes an i32x4 local) and break/continue', () => {
    const a = seeded(12, 15);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[]) {
            let sum = 0;
            for (let i = 0; i < this.thread.x; i++) {
              if (i === 7) break;
              if (i % 2 === 1) continue;
              sum += a[i] + i;
            }
            return sum;
          },
          { output: [12] },
        ),
      [a],
    );
    const reference = Array.from({ length: 12 }, (_, x) => {
      let sum = 0;
      for (let i = 0; i < x; i++) {
        if (i === 7) break;
        if (i % 2 === 1) continue;
        sum = f(sum + f(a[i] + i));
      }
      return sum;
    });
    expectSame(run, reference);
  });

  it('a counter passed to a helper function and a counter reassigned to a float keep stock types', () => {
    // string sources: a TypeScript declaration of `half` would make the test transform rename it
    const run = runPair((gpu) => {
      gpu.addFunction(
        'function half(v) { return v / 2; }' as unknown as Parameters<typeof gpu.addFunction>[0],
      );
      return gpu.createKernel(
        `function () {
            let sum = 0;
            for (let i = 0; i < 5; i++) sum += half(i);
            for (let j = 0; j < 4; j++) {
              sum += j;
              if (j === 1) j = 2.5;
            }
            return sum + this.thread.x;
          }`,
        { output: [4] },
      );
    }, []);
    const reference = Array.from({ length: 4 }, (_, x) => {
      let sum = 0;
      for (let i = 0; i < 5; i++) sum = f(sum + i / 2);
      for (let j = 0; j < 4; j++) {
        sum = f(sum + j);
        if (j === 1) j = 2.5;
      }
      return f(sum + x);
    });
    expectSame(run, reference);
  });

  it('integer locals keep JavaScript semantics: division, % and float use of an i32 local', () => {
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          `function (a) {
            const row = this.thread.y * 6 + this.thread.x;
            const shifted = (row >> 1) + (row & 1);
            let acc = row - 3;
            acc += 2 * shifted;
            return a[row] + row / 4 + (acc % 3) + shifted * 0.5;
          }`,
          { output: [6, 3] },
        ),
      [seeded(18, 30)],
    );
    const a = seeded(18, 30);
    const reference = Array.from({ length: 18 }, (_, cell) => {
      const row = cell;
      const shifted = (row >> 1) + (row & 1);
      const acc = row - 3 + 2 * shifted;
      return f(f(f(a[row] + f(row / 4)) + (acc % 3)) + f(shifted * 0.5));
    });
    expectSame(run, reference);
  });

  it('a local written with a fraction stays f32, as in stock', () => {
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          `function () {
            let v = this.thread.x * 2;
            if (this.thread.x > 1) v = v + 0.25;
            const w = v * 3;
            return w;
          }`,
          { output: [4] },
        ),
      [],
    );
    expectSame(
      run,
      Array.from({ length: 4 }, (_, x) => f((x * 2 + (x > 1 ? 0.25 : 0)) * 3)),
    );
  });

  it('loop pointers (induction-pointers.ts) read what stock reads: rows, steps, negative offsets, nesting', () => {
    const K = 12;
    const a = seeded(6 * K, 40);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          `function (a) {
            const r0 = (this.thread.y & 1) * 3;
            let s = 0;
            for (let k = 1; k < 11; k += 2) {
              s += a[r0][k] * 2 + a[r0 + 2][k - 1] - a[r0 + 1][k + 1];
              for (let j = 0; j < 2; j++) {
                s += a[r0 + j][k];
              }
            }
            return s + this.thread.x;
          }`,
          { output: [4, 2] },
        ),
      [rows2d(a, K, 6)],
    );
    const reference = Array.from({ length: 8 }, (_, cell) => {
      const x = cell % 4;
      const y = Math.floor(cell / 4);
      const r0 = (y & 1) * 3;
      const at = (r: number, k: number) => a[r * K + k];
      let s = 0;
      for (let k = 1; k < 11; k += 2) {
        s = f(s + f(f(f(at(r0, k) * 2) + at(r0 + 2, k - 1)) - at(r0 + 1, k + 1)));
        for (let j = 0; j < 2; j++) s = f(s + at(r0 + j, k));
      }
      return f(s + x);
    });
    expectSame(run, reference);
  });
});
