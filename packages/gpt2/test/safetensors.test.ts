// safetensors reader: exact conversions, every named fault, and fuzzed headers/files (fast-check, fixed seed)
// that must end in a typed SafetensorsError naming the file (and the tensor), never a crash, hang or big read.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError } from '../src/errors.js';
import {
  MAX_HEADER_BYTES,
  readSafetensorsHeader,
  readTensorAsF32,
  readTensorRowsAsF32,
} from '../src/load/safetensors.js';
import { encodeSafetensors } from '../src/load/safetensors-writer.js';
import { f32Bytes, memoryFile, rawFile } from './helpers/memory-file.js';

const FUZZ_SEED = 20251125;
const counts = { fuzzHeaders: 0, fuzzValid: 0, fuzzFiles: 0, scenarios: 0, scenarioTotal: 0 };
afterAll(() => {
  console.log(
    `[gpt2 fuzz] safetensors: ${counts.fuzzHeaders} fuzzed headers (${counts.fuzzValid} valid) + ${counts.fuzzFiles} random files (seed ${FUZZ_SEED}), ${counts.scenarios}/${counts.scenarioTotal} fault scenarios passed`,
  );
});

async function failure(bytes: Uint8Array, size?: number): Promise<SafetensorsError> {
  const file = memoryFile('bad.safetensors', bytes, size);
  try {
    const header = await readSafetensorsHeader(file);
    for (const info of header.tensors.values()) await readTensorAsF32(header, info);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect((e as Error).message.startsWith('bad.safetensors')).toBe(true);
    return e as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError');
}

const header = (obj: unknown) => JSON.stringify(obj);

describe('reading', () => {
  it('reads F32, F16 and BF16 tensors exactly, with metadata', async () => {
    // F16 bits: 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 0.33325195, 0x0001 = 2^-24; BF16 0x3f80 = 1, 0xc0a0 = -5.
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer);
    const bytes = encodeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2, 2], data: f32Bytes([1, -2.5, 3e-8, 4]) },
        { name: 'b', dtype: 'F16', shape: [4], data: f16 },
        { name: 'c', dtype: 'BF16', shape: [2], data: bf16 },
      ],
      { format: 'pt' },
    );
    const h = await readSafetensorsHeader(memoryFile('ok.safetensors', bytes));
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()]).toEqual(['a', 'b', 'c']);
    expect(Array.from(await readTensorAsF32(h, h.tensors.get('a')!))).toEqual(
      Array.from(new Float32Array([1, -2.5, 3e-8, 4])),
    );
    expect(Array.from(await readTensorAsF32(h, h.tensors.get('b')!))).toEqual([
      1,
      -2,
      0.333251953125,
      2 ** -24,
    ]);
    expect(Array.from(await readTensorAsF32(h, h.tensors.get('c')!))).toEqual([1, -5]);
  });

  it('reads row blocks of F32, F16 and BF16 matrices as the same values as the whole tensor', async () => {
    const values = Array.from({ length: 6 * 3 }, (_, i) => (i % 7) - 3 + i / 8);
    const f16 = new Uint16Array(values.length).map((_, i) => 0x3c00 + i); // 1, 1 + 2^-10, …
    const bf16 = new Uint16Array(values.length).map((_, i) => 0x3f80 + i);
    const bytes = encodeSafetensors([
      { name: 'a', dtype: 'F32', shape: [6, 3], data: f32Bytes(values) },
      { name: 'b', dtype: 'F16', shape: [6, 3], data: new Uint8Array(f16.buffer) },
      { name: 'c', dtype: 'BF16', shape: [6, 3], data: new Uint8Array(bf16.buffer) },
    ]);
    const h = await readSafetensorsHeader(memoryFile('rows.safetensors', bytes));
    for (const name of ['a', 'b', 'c']) {
      const info = h.tensors.get(name)!;
      const whole = await readTensorAsF32(h, info);
      for (const [start, count] of [
        [0, 6],
        [0, 1],
        [2, 3],
        [5, 1],
      ]) {
        const rows = await readTensorRowsAsF32(h, info, start, count);
        expect(Array.from(rows), `${name} rows ${start}+${count}`).toEqual(
          Array.from(whole.subarray(start * 3, (start + count) * 3)),
        );
      }
      await expect(readTensorRowsAsF32(h, info, 5, 2)).rejects.toThrow(
        /rows 5…6 are outside the tensor's 6 rows/,
      );
    }
  });

  it('names the element of a non-finite value in a row block by its index in the whole tensor', async () => {
    const values = [1, 2, 3, 4, Number.NaN, 6];
    const bytes = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [3, 2], data: f32Bytes(values) }]);
    const h = await readSafetensorsHeader(memoryFile('nan.safetensors', bytes));
    await expect(readTensorRowsAsF32(h, h.tensors.get('w')!, 2, 1)).rejects.toThrow(/element 4 is NaN/);
  });

  it('reads the gpt2-tiny checkpoint header (52 tensors, F32)', async () => {
    const { openModelFile } = await import('@gpt2js/hub');
    const file = await openModelFile(
      new URL('../../../models/gpt2-tiny', import.meta.url).pathname,
      'model.safetensors',
    );
    try {
      const h = await readSafetensorsHeader(file);
      expect(h.tensors.size).toBe(52);
      expect(h.tensors.get('wte.weight')).toMatchObject({ dtype: 'F32', shape: [50257, 128] });
    } finally {
      await file.close();
    }
  });
});

describe('fault scenarios', () => {
  const scenarios: [string, () => Promise<void>][] = [
    [
      'a file shorter than the 8-byte length',
      async () => expect((await failure(new Uint8Array(5))).reason).toBe('header_length'),
    ],
    [
      'a header length past the end of the file',
      async () => {
        const e = await failure(rawFile('{}', new Uint8Array(), 1000n));
        expect(e.reason).toBe('header_length');
        expect(e.message).toMatch(/header length 1000 runs past the end of the file \(10 bytes\)/);
      },
    ],
    [
      'a gigantic header length (2^63) is refused before any allocation',
      async () => {
        const file = memoryFile('huge.safetensors', rawFile('{}', new Uint8Array(), 2n ** 63n));
        await expect(readSafetensorsHeader(file)).rejects.toMatchObject({ reason: 'header_length' });
        expect(Math.max(...file.reads.map((r) => r.length))).toBe(8);
      },
    ],
    [
      'a header over the 100 MB cap in a big file',
      async () => {
        const file = memoryFile(
          'big.safetensors',
          rawFile('{}', new Uint8Array(), 200_000_000n),
          300_000_000,
        );
        await expect(readSafetensorsHeader(file)).rejects.toThrow(/exceeds the 104857600-byte limit/);
        expect(file.reads.every((r) => r.length <= 8)).toBe(true);
      },
    ],
    ['bad JSON', async () => expect((await failure(rawFile('{"a": {'))).reason).toBe('header_json')],
    [
      'invalid UTF-8',
      async () => {
        const bytes = rawFile('{"a":1}');
        bytes[10] = 0xff;
        expect((await failure(bytes)).reason).toBe('header_json');
      },
    ],
    [
      'a header that is not an object',
      async () => expect((await failure(rawFile('[1,2]'))).reason).toBe('header_json'),
    ],
    [
      'an unknown dtype, naming the tensor',
      async () => {
        const e = await failure(
          rawFile(header({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }), new Uint8Array(16)),
        );
        expect(e.reason).toBe('unknown_dtype');
        expect(e.tensor).toBe('w');
        expect(e.message).toMatch(/bad\.safetensors: tensor w: unknown dtype "F128"/);
      },
    ],
    [
      'a shape that does not match the byte size',
      async () => {
        const e = await failure(
          rawFile(header({ w: { dtype: 'F32', shape: [3, 2], data_offsets: [0, 16] } }), new Uint8Array(16)),
        );
        expect(e.reason).toBe('byte_size');
        expect(e.message).toMatch(
          /tensor w: shape \[3, 2\] of F32 needs 24 bytes but data_offsets \[0, 16\] hold 16/,
        );
      },
    ],
    [
      'overlapping offsets, naming both tensors',
      async () => {
        const h = header({
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        });
        const e = await failure(rawFile(h, new Uint8Array(12)));
        expect(e.reason).toBe('overlap');
        expect(e.message).toMatch(/tensor b: its bytes overlap those of tensor a/);
      },
    ],
    [
      'offsets that end before they begin',
      async () => {
        const e = await failure(
          rawFile(header({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }), new Uint8Array(8)),
        );
        expect(e.reason).toBe('offsets');
      },
    ],
    [
      'negative or fractional offsets',
      async () => {
        const e = await failure(
          rawFile(header({ a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }), new Uint8Array(8)),
        );
        expect(e.reason).toBe('offsets');
      },
    ],
    [
      'offsets out of range (truncated data)',
      async () => {
        const e = await failure(
          rawFile(header({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }), new Uint8Array(9)),
        );
        expect(e.reason).toBe('truncated');
        expect(e.message).toMatch(/tensor a: data_offsets \[0, 16\] run past the data section \(9 bytes\)/);
      },
    ],
    [
      'duplicate tensor names',
      async () => {
        const h =
          '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
        const e = await failure(rawFile(h, new Uint8Array(8)));
        expect(e.reason).toBe('duplicate');
        expect(e.tensor).toBe('a');
      },
    ],
    [
      'a file that shrank after it was listed',
      async () => {
        const bytes = encodeSafetensors([
          { name: 'w', dtype: 'F32', shape: [4], data: f32Bytes([1, 2, 3, 4]) },
        ]);
        const e = await failure(bytes.slice(0, bytes.length - 4), bytes.length);
        expect(e.reason).toBe('truncated');
        expect(e.tensor).toBe('w');
      },
    ],
    [
      'NaN in F32 weights is reported with the element',
      async () => {
        const bytes = encodeSafetensors([
          { name: 'h.0.ln_1.weight', dtype: 'F32', shape: [3], data: f32Bytes([1, Number.NaN, 2]) },
        ]);
        const e = await failure(bytes);
        expect(e.reason).toBe('non_finite');
        expect(e.message).toMatch(/tensor h\.0\.ln_1\.weight: element 1 is NaN/);
      },
    ],
    [
      'Infinity in F16 weights is reported',
      async () => {
        const data = new Uint8Array(new Uint16Array([0x3c00, 0x7c00]).buffer);
        const e = await failure(encodeSafetensors([{ name: 'w', dtype: 'F16', shape: [2], data }]));
        expect(e.reason).toBe('non_finite');
        expect(e.message).toMatch(/element 1 is Infinity/);
      },
    ],
    [
      'an integer dtype where weights are read',
      async () => {
        const e = await failure(
          encodeSafetensors([{ name: 'ids', dtype: 'I64', shape: [1], data: new Uint8Array(8) }]),
        );
        expect(e.reason).toBe('unknown_dtype');
        expect(e.message).toMatch(/dtype I64 cannot hold weights here; gpt2js reads F32, F16 and BF16/);
      },
    ],
    [
      'a bad __metadata__ entry',
      async () =>
        expect((await failure(rawFile(header({ __metadata__: { a: 1 } })))).reason).toBe('header_entry'),
    ],
  ];
  counts.scenarioTotal = scenarios.length;
  it.each(scenarios)('%s', async (_, run) => {
    await run();
    counts.scenarios++;
  });
});

// ---- fuzzing -------------------------------------------------------------------------------------------

const DTYPES = ['F32', 'F16', 'BF16', 'I64', 'U8', 'F64', 'BOOL'];
const weird = fc.oneof(
  fc.integer({ min: -5, max: 40 }),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.constant(null),
  fc.constant(2 ** 60),
);
const entryArb = fc.record({
  name: fc.oneof(fc.constantFrom('a', 'b', 'wte.weight', '__metadata__', ''), fc.string({ maxLength: 6 })),
  dtype: fc.oneof(fc.constantFrom(...DTYPES), fc.string({ maxLength: 5 }), weird),
  shape: fc.oneof(
    fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
    fc.array(weird, { maxLength: 3 }),
    weird,
  ),
  offsets: fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 80 })),
    fc.array(weird, { maxLength: 3 }),
  ),
});
const fileArb = fc.record({
  entries: fc.array(entryArb, { maxLength: 5 }),
  data: fc.uint8Array({ maxLength: 96 }),
  lengthField: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { freq: 5 }),
  cut: fc.option(fc.nat({ max: 400 }), { freq: 4 }),
  dupe: fc.boolean(),
});

type Entry = typeof entryArb extends fc.Arbitrary<infer T> ? T : never;
function buildHeaderText(entries: Entry[], dupe: boolean): string {
  const parts = entries.map(
    (e) =>
      `${JSON.stringify(e.name)}:${JSON.stringify({ dtype: e.dtype, shape: e.shape, data_offsets: e.offsets }) ?? 'null'}`,
  );
  if (dupe && parts.length > 0) parts.push(parts[0]!);
  return `{${parts.join(',')}}`;
}

describe('fuzzing', () => {
  it('fuzzed headers give a typed error naming the file (and tensor), or a header whose invariants hold', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ entries, data, lengthField, cut, dupe }) => {
        counts.fuzzHeaders++;
        let bytes = rawFile(buildHeaderText(entries, dupe), data, lengthField ?? undefined);
        if (cut !== null) bytes = bytes.slice(0, cut);
        const file = memoryFile('fuzz.safetensors', bytes);
        try {
          const h = await readSafetensorsHeader(file);
          counts.fuzzValid++;
          const dataStart = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
          const spans = [...h.tensors.values()].sort((a, b) => a.byteOffset - b.byteOffset);
          spans.forEach((t, i) => {
            expect(t.byteOffset).toBeGreaterThanOrEqual(dataStart);
            expect(t.byteOffset + t.byteLength).toBeLessThanOrEqual(bytes.length);
            if (i > 0)
              expect(t.byteOffset).toBeGreaterThanOrEqual(
                spans[i - 1]!.byteOffset + spans[i - 1]!.byteLength,
              );
          });
          for (const info of h.tensors.values()) {
            try {
              const values = await readTensorAsF32(h, info, { checkFinite: false });
              expect(
                values.length * ({ F32: 4, F16: 2, BF16: 2 } as Record<string, number>)[info.dtype]!,
              ).toBe(info.byteLength);
            } catch (e) {
              expect(e).toBeInstanceOf(SafetensorsError);
              expect((e as SafetensorsError).tensor).toBe(info.name);
            }
          }
        } catch (e) {
          expect(e).toBeInstanceOf(SafetensorsError);
          const err = e as SafetensorsError;
          expect(err.message.startsWith('fuzz.safetensors')).toBe(true);
          if (['unknown_dtype', 'byte_size', 'overlap', 'duplicate'].includes(err.reason)) {
            expect(err.tensor).toBeTypeOf('string');
            expect(err.message).toContain(`tensor ${err.tensor}`);
          }
        }
        for (const r of file.reads)
          expect(r.length).toBeLessThanOrEqual(Math.min(bytes.length, MAX_HEADER_BYTES));
      }),
      { seed: FUZZ_SEED, numRuns: 1500 },
    );
  });

  it('valid files with random byte edits give a typed error or a consistent header', async () => {
    const valid = encodeSafetensors([
      { name: 'h.0.attn.c_attn.weight', dtype: 'F32', shape: [2, 3], data: f32Bytes([1, 2, 3, 4, 5, 6]) },
      { name: 'h.0.attn.c_attn.bias', dtype: 'F16', shape: [3], data: new Uint8Array(6) },
      { name: 'wpe.weight', dtype: 'BF16', shape: [2, 2], data: new Uint8Array(8) },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.option(fc.nat({ max: valid.length }), { freq: 5 }),
        async (edits, cut) => {
          counts.fuzzHeaders++;
          let bytes = valid.slice();
          for (const [at, value] of edits) bytes[at] = value;
          if (cut !== null) bytes = bytes.slice(0, cut);
          const file = memoryFile('edited.safetensors', bytes);
          try {
            const h = await readSafetensorsHeader(file);
            counts.fuzzValid++;
            for (const info of h.tensors.values()) {
              expect(info.byteOffset + info.byteLength).toBeLessThanOrEqual(bytes.length);
              await readTensorAsF32(h, info).catch((e) => {
                expect(e).toBeInstanceOf(SafetensorsError);
                expect((e as SafetensorsError).tensor).toBe(info.name);
              });
            }
          } catch (e) {
            expect(e).toBeInstanceOf(SafetensorsError);
            expect((e as Error).message.startsWith('edited.safetensors')).toBe(true);
          }
          for (const r of file.reads) expect(r.length).toBeLessThanOrEqual(bytes.length);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1500 },
    );
  });

  it('random bytes never crash the reader', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        counts.fuzzFiles++;
        await readSafetensorsHeader(memoryFile('random.safetensors', bytes)).catch((e) => {
          expect(e).toBeInstanceOf(SafetensorsError);
        });
      }),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
  });
});
