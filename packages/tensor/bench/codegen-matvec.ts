// Benchmark: stock gpu.js 2.24.1 webasm against the code-generation extension, same process, same
// kernels, interleaved calls (A B A B …), medians and ratios. Shapes: GPT-2 124M's five decode-time
// matrix-vector products (x: [K] · W: [K, N]) with W repacked as [N/4][K][4] and output [4, N/4]
// (the layout that makes the weight reads lane-contiguous); N is padded to a multiple of 4.
// No timing assertion anywhere: this prints, the reader judges.
import * as gpujs from 'gpu.js';
import { installWebasmCodegen, uninstallWebasmCodegen } from '../src/codegen/index.js';

interface Shape {
  name: string;
  k: number;
  n: number;
}

const SHAPES: Shape[] = [
  { name: 'mlp.c_fc 768×3072', k: 768, n: 3072 },
  { name: 'attn.c_attn 768×2304', k: 768, n: 2304 },
  { name: 'attn.c_proj 768×768', k: 768, n: 768 },
  { name: 'mlp.c_proj 3072×768', k: 3072, n: 768 },
  { name: 'lm_head 768×50257', k: 768, n: 50260 },
];

type Matvec = (x: Float32Array) => unknown;

function packWeights(k: number, n: number): { packed: Float32Array; w: Float32Array } {
  const w = new Float32Array(k * n);
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i * 0.37) * 0.05;
  const packed = new Float32Array(k * n);
  for (let c = 0; c < n; c++) {
    for (let kk = 0; kk < k; kk++) packed[((c >> 2) * k + kk) * 4 + (c & 3)] = w[kk * n + c];
  }
  return { packed, w };
}

function build(gpu: gpujs.GPU, k: number, n: number, packed: Float32Array): Matvec {
  return gpu.createKernel(
    function (this: gpujs.IKernelFunctionThis<{ K: number; w: number[][][] }>, v: number[]) {
      let sum = 0;
      for (let kk = 0; kk < this.constants.K; kk++) {
        sum += v[kk] * this.constants.w[this.thread.y][kk][this.thread.x];
      }
      return sum;
    },
    {
      output: [4, n / 4],
      constants: { K: k, w: new gpujs.Input(packed as unknown as number[], [4, k, n / 4]) },
    },
  ) as unknown as Matvec;
}

function flat(result: unknown): Float32Array {
  return Float32Array.from((result as Float32Array[]).flatMap((row) => Array.from(row)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function measure(shape: Shape, rounds: number): { stock: number; extended: number; identical: boolean } {
  const { packed } = packWeights(shape.k, shape.n);
  const x = new Float32Array(shape.k).map((_, i) => Math.cos(i * 0.11));
  uninstallWebasmCodegen(gpujs);
  const stockGpu = new gpujs.GPU({ mode: 'webasm' });
  const stock = build(stockGpu, shape.k, shape.n, packed);
  const stockOut = flat(stock(x));
  const status = installWebasmCodegen(gpujs);
  if (!status.installed) throw new Error(`extension did not install: ${status.reason}`);
  const extendedGpu = new gpujs.GPU({ mode: 'webasm' });
  const extended = build(extendedGpu, shape.k, shape.n, packed);
  const extendedOut = flat(extended(x));
  const identical =
    stockOut.length === extendedOut.length && stockOut.every((value, i) => Object.is(value, extendedOut[i]));
  const times = { stock: [] as number[], extended: [] as number[] };
  for (let i = 0; i < 3; i++) {
    stock(x);
    extended(x);
  }
  for (let round = 0; round < rounds; round++) {
    let start = performance.now();
    stock(x);
    times.stock.push(performance.now() - start);
    start = performance.now();
    extended(x);
    times.extended.push(performance.now() - start);
  }
  stockGpu.destroy();
  extendedGpu.destroy();
  return { stock: median(times.stock), extended: median(times.extended), identical };
}

function main(): void {
  const rounds = Number(process.env.CODEGEN_BENCH_ROUNDS ?? 30);
  console.log(
    `gpu.js webasm matvec, stock vs code-generation extension (Node ${process.version}, ${rounds} interleaved rounds)`,
  );
  console.log('shape                      stock ms   extended ms   speed-up   GFLOP/s (ext)   bit-identical');
  let stockTotal = 0;
  let extendedTotal = 0;
  for (const shape of SHAPES) {
    const result = measure(shape, shape.n > 10000 ? Math.max(5, rounds >> 2) : rounds);
    const weight = shape.name.startsWith('lm_head') ? 1 : 12;
    stockTotal += result.stock * weight;
    extendedTotal += result.extended * weight;
    const gflops = (2 * shape.k * shape.n) / (result.extended * 1e6);
    console.log(
      `${shape.name.padEnd(26)} ${result.stock.toFixed(3).padStart(8)}   ${result.extended.toFixed(3).padStart(11)}   ${(result.stock / result.extended).toFixed(2).padStart(7)}×   ${gflops.toFixed(2).padStart(13)}   ${result.identical}`,
    );
  }
  // one decode step's matvecs: 12 layers × (c_attn + c_proj + c_fc + mlp.c_proj) + lm_head
  console.log(
    `GPT-2 124M decode matvecs (12 layers + lm_head): stock ${stockTotal.toFixed(1)} ms, extended ${extendedTotal.toFixed(1)} ms, ${(stockTotal / extendedTotal).toFixed(2)}×`,
  );
  uninstallWebasmCodegen(gpujs);
}

main();
