// The kernel cache's key and entries (src/webasm/program-cache.ts), with programs compiled by gpu.js's real
// webasm code generation over a real arena and an in-memory store: what enters the key and what does not,
// entries that must be refused, a program read back that computes what the compiled one computes (its
// copied constants included), and an entry whose own region the arena now places elsewhere.

import gpujs from 'gpu.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { HalfArray, RawHalfArray } from '../src/codegen/half-array.js';
import { installWebasmCodegen } from '../src/codegen/index.js';
import { Arena, type Region } from '../src/webasm/arena.js';
import { WasmProgram } from '../src/webasm/program.js';
import {
  decodeEntry,
  type Entry,
  encodeEntry,
  ProgramCache,
  type ProgramStore,
  programKey,
} from '../src/webasm/program-cache.js';
import { compileProgram, type KernelFactory, type ProgramOptions } from '../src/webasm/program-code.js';

const { GPU, Input } = gpujs;
const input = (values: Float32Array, size: number[]) =>
  new Input(values as unknown as number[], size as unknown as Int32Array);

function memoryStore(): ProgramStore & { files: Map<string, Uint8Array>; reads: number } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    reads: 0,
    where: 'memory',
    codeDigest: 'test-code',
    digest: (text) => {
      let h = 2166136261;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
      return `${h.toString(16)}-${text.length}`;
    },
    read(name) {
      this.reads++;
      return files.get(name)?.slice();
    },
    write(name, bytes) {
      files.set(name, bytes.slice());
    },
  };
}

/** out[x] = a[x] · c[x] + s, with `c` a constant copied into the program's own region. */
function scaleOptions(c: Float32Array, extra: Partial<ProgramOptions> = {}): ProgramOptions {
  return {
    source: 'function (a, s) { return a[this.thread.x] * this.constants.c[this.thread.x] + s; }',
    settings: { output: [c.length], constants: { c }, tactic: 'precision' },
    args: [input(new Float32Array(c.length), [c.length]), 0.5],
    threaded: false,
    ...extra,
  };
}

function run(program: WasmProgram, a: Float32Array, s: number): number[] {
  program.call([a], [s]);
  return Array.from(program.output());
}

describe('kernel cache: keys', () => {
  const base = scaleOptions(new Float32Array(8).fill(2));
  const key = (o: ProgramOptions, generator = 'g') => programKey(o, generator) as string;

  it('is the same for the same program, whatever the array values or a number argument', () => {
    const other = scaleOptions(new Float32Array(8).fill(7), {
      args: [input(new Float32Array(8).fill(3), [8]), 0.25],
    });
    expect(key(base)).not.toBeNull();
    expect(key(other)).toBe(key(base));
  });

  it('changes with everything the generated code depends on', () => {
    const arena = new Arena({ shared: false });
    const region = arena.alloc(64);
    const variants: ProgramOptions[] = [
      { ...base, source: base.source.replace('+ s', '- s') },
      scaleOptions(new Float32Array(12)),
      { ...base, settings: { ...base.settings, output: [4] } },
      { ...base, settings: { ...base.settings, constants: { c: new Int8Array(8) } } },
      { ...base, settings: { ...base.settings, constants: { c: new Float32Array(8), n: 3 } } },
      { ...base, settings: { ...base.settings, constants: { c: new Float32Array(8), n: 4 } } },
      { ...base, args: [input(new Float32Array(8), [4, 2]), 0.5] },
      { ...base, args: [input(new Float32Array(8), [8]), 1] },
      { ...base, regions: { c: region } },
      { ...base, regions: { c: { ...region, offset: region.offset + 64 } } },
      { ...base, bind: { a: region } },
      { ...base, own: region },
      { ...base, threaded: true },
      { ...base, chunksPerThread: 4 },
    ];
    const keys = new Set([key(base), ...variants.map((v) => key(v))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(key(base, 'other generator')).not.toBe(key(base));
  });

  it('describes arrays and inputs without class names, which a minifier renames', () => {
    // a bundle minified for a page names gpu.js's Input and the package's HalfArray `e`, `t`, …
    const Renamed = class e extends gpujs.Input {};
    const halves = (n: number) => new HalfArray(n);
    const renamed = new Renamed(new Float32Array(8) as unknown as number[], [8] as unknown as Int32Array);
    const renamedInput = { ...base, args: [renamed, 0.5] };
    expect(key(renamedInput)).toBe(key(base));
    const withConstant = (c: unknown) => ({ ...base, settings: { ...base.settings, constants: { c } } });
    const f16 = key(withConstant(halves(8)));
    const raw = key(withConstant(RawHalfArray.fromBits(new Uint16Array(8))));
    const plain = key(withConstant(new Uint16Array(8)));
    expect(new Set([f16, raw, plain]).size).toBe(3);
    class Renamed16 extends HalfArray {}
    expect(key(withConstant(new Renamed16(8)))).toBe(f16);
  });

  it('is null where a setting cannot be described (such programs always compile)', () => {
    expect(programKey({ ...base, settings: { ...base.settings, f: () => 1 } }, 'g')).toBeNull();
    expect(programKey({ ...base, args: [new Map(), 1] }, 'g')).toBeNull();
  });
});

describe('kernel cache: entries', () => {
  const code = {
    math: [],
    pages: 20,
    shared: false,
    cells: 8,
    components: 1,
    sizeX: 8,
    threaded: false,
    inputs: [],
    scalars: [],
    outputOffset: 64,
  };
  const entry: Entry = {
    key: 'the key',
    ownBytes: 256,
    variants: [
      {
        offset: 0,
        code,
        copied: [{ name: 'c', offset: 128 }],
        wasm: Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0),
      },
      { offset: 4096, code: { ...code, outputOffset: 4160 }, copied: [], wasm: Uint8Array.of(9, 8, 7) },
    ],
  };
  const plain = (e: Entry | null) =>
    e && { ...e, variants: e.variants.map((v) => ({ ...v, wasm: Array.from(v.wasm) })) };

  it('round-trips every placement: offset, code layout, copied constants and module bytes', () => {
    expect(plain(decodeEntry(encodeEntry(entry), 'the key'))).toEqual(plain(entry));
  });

  it('refuses another key, a wrong magic, cut or extra bytes and a header that is not JSON', () => {
    const bytes = encodeEntry(entry);
    expect(decodeEntry(bytes, 'another key')).toBeNull();
    const magic = bytes.slice();
    magic[0] = 0x58;
    expect(decodeEntry(magic, 'the key')).toBeNull();
    expect(decodeEntry(bytes.subarray(0, bytes.length - 1), 'the key')).toBeNull();
    expect(decodeEntry(Uint8Array.of(...bytes, 0), 'the key')).toBeNull();
    expect(decodeEntry(bytes.subarray(0, 30), 'the key')).toBeNull();
    const garbled = bytes.slice();
    garbled[12] = 0x7b;
    garbled[13] = 0x7b;
    expect(decodeEntry(garbled, 'the key')).toBeNull();
    expect(decodeEntry(new Uint8Array(3), 'the key')).toBeNull();
  });
});

describe('kernel cache: programs through a store', () => {
  let factory: KernelFactory;
  beforeAll(() => {
    expect(installWebasmCodegen(gpujs).installed).toBe(true);
    factory = new GPU({ mode: 'webasm' }) as unknown as KernelFactory;
  });
  const c = Float32Array.from({ length: 8 }, (_, i) => i - 2.5);
  const a = Float32Array.from({ length: 8 }, (_, i) => 1.5 * i);
  const want = Array.from(a, (v, i) => Math.fround(Math.fround(v * c[i]) + 0.25));

  it('reads back a program that has the compiled one’s layout and results, copied constants included', () => {
    const store = memoryStore();
    const compiledArena = new Arena({ shared: false });
    const direct = compileProgram(factory, compiledArena, scaleOptions(c));

    const first = new ProgramCache(store, () => 'g');
    const arena1 = new Arena({ shared: false });
    const p1 = first.compile(factory, arena1, scaleOptions(c));
    expect(first.stats).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    expect(store.files.size).toBe(1);

    const second = new ProgramCache(store, () => 'g');
    const arena2 = new Arena({ shared: false });
    const p2 = second.compile(factory, arena2, scaleOptions(c));
    expect(second.stats).toMatchObject({ hits: 1, misses: 0, writes: 0 });
    expect(p2.allocated).toBe(true);
    expect(p2.own.offset).toBe(direct.own.offset);
    expect(Array.from(p2.wasm)).toEqual(Array.from(direct.wasm));
    const { module: _m, copied, ...layout } = p2.code;
    const { module: _d, copied: directCopied, ...directLayout } = direct.code;
    expect(layout).toEqual(directLayout);
    expect(copied.map((x) => [x.offset, Array.from(x.data)])).toEqual(
      directCopied.map((x) => [x.offset, Array.from(x.data)]),
    );
    for (const [compiled, arena] of [
      [p1, arena1],
      [p2, arena2],
    ] as const) {
      const program = new WasmProgram(compiled.code, compiled.own.chunk);
      expect(run(program, a, 0.25)).toEqual(want);
      expect(arena.chunks.length).toBe(1);
    }
  });

  it('compiles again when the generator differs, and when the entry is damaged (then rewrites it)', () => {
    const store = memoryStore();
    new ProgramCache(store, () => 'fma').compile(factory, new Arena({ shared: false }), scaleOptions(c));
    const other = new ProgramCache(store, () => 'no fma');
    other.compile(factory, new Arena({ shared: false }), scaleOptions(c));
    expect(other.stats).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    expect(store.files.size).toBe(2);

    for (const [name, bytes] of store.files) store.files.set(name, bytes.subarray(0, bytes.length - 9));
    const damaged = new ProgramCache(store, () => 'fma');
    const compiled = damaged.compile(factory, new Arena({ shared: false }), scaleOptions(c));
    expect(damaged.stats).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    expect(run(new WasmProgram(compiled.code, compiled.own.chunk), a, 0.25)).toEqual(want);
    const again = new ProgramCache(store, () => 'fma');
    again.compile(factory, new Arena({ shared: false }), scaleOptions(c));
    expect(again.stats).toMatchObject({ hits: 1, misses: 0 });
  });

  it('compiles into the region it got when the arena places the program elsewhere than the entry says', () => {
    const store = memoryStore();
    const first = new ProgramCache(store, () => 'g').compile(
      factory,
      new Arena({ shared: false }),
      scaleOptions(c),
    );
    const arena = new Arena({ shared: false });
    const taken: Region = arena.alloc(4096);
    const cache = new ProgramCache(store, () => 'g');
    const moved = cache.compile(factory, arena, scaleOptions(c));
    expect(cache.stats).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    expect(moved.own.offset).not.toBe(first.own.offset);
    expect(moved.own.offset).toBeGreaterThanOrEqual(taken.offset + taken.bytes);
    expect(moved.allocated).toBe(true);
    expect(run(new WasmProgram(moved.code, moved.own.chunk), a, 0.25)).toEqual(want);
    // the entry now records the new place
    const next = new Arena({ shared: false });
    next.alloc(4096);
    const again = new ProgramCache(store, () => 'g');
    again.compile(factory, next, scaleOptions(c));
    expect(again.stats).toMatchObject({ hits: 1, misses: 0 });
  });

  it('keeps each placement it compiled, and reads back the one the arena hands out', () => {
    const store = memoryStore();
    const shifted = () => {
      const arena = new Arena({ shared: false });
      arena.alloc(4096);
      return arena;
    };
    const cache = new ProgramCache(store, () => 'g');
    const first = cache.compile(factory, new Arena({ shared: false }), scaleOptions(c));
    const second = cache.compile(factory, shifted(), scaleOptions(c));
    expect(second.own.offset).not.toBe(first.own.offset);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 2, writes: 2 });
    expect(store.files.size).toBe(1);
    for (const make of [
      () => new Arena({ shared: false }),
      shifted,
      shifted,
      () => new Arena({ shared: false }),
    ]) {
      const arena = make();
      const read = cache.compile(factory, arena, scaleOptions(c));
      expect(run(new WasmProgram(read.code, read.own.chunk), a, 0.25)).toEqual(want);
    }
    expect(cache.stats).toMatchObject({ hits: 4, misses: 2, writes: 2 });
  });

  it('compiles, and writes nothing, when the store cannot digest this package’s code', () => {
    const store = memoryStore();
    Object.defineProperty(store, 'codeDigest', {
      get() {
        throw new Error('EACCES: permission denied');
      },
    });
    const cache = new ProgramCache(store, () => 'g');
    const compiled = cache.compile(factory, new Arena({ shared: false }), scaleOptions(c));
    expect(cache.stats).toMatchObject({ hits: 0, misses: 1, writes: 0 });
    expect(store.files.size).toBe(0);
    expect(run(new WasmProgram(compiled.code, compiled.own.chunk), a, 0.25)).toEqual(want);
  });

  it('never reads a store for a program it cannot key', () => {
    const store = memoryStore();
    const cache = new ProgramCache(store, () => 'g');
    const options = scaleOptions(c);
    const compiled = cache.compile(factory, new Arena({ shared: false }), {
      ...options,
      settings: { ...options.settings, strange: new Map() },
    });
    expect(store.reads).toBe(0);
    expect(store.files.size).toBe(0);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 1, writes: 0 });
    expect(run(new WasmProgram(compiled.code, compiled.own.chunk), a, 0.25)).toEqual(want);
  });
});
