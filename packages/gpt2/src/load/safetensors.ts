// safetensors reader: header parse + validation (length, JSON, dtypes, shapes, byte sizes, offsets, overlap,
// duplicates) → tensor descriptors, then one tensor at a time through random-access reads. It knows nothing of
// GPT-2. A hostile header can never make it allocate more than the file's own size or loop without bound.
// Format: u64 LE header length N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}},
// then the data; offsets are relative to the first byte after the header.

import { SafetensorsError } from '../errors.js';
import { convertToF32, FLOAT_DTYPE_BYTES, type FloatDType, firstNonFinite, LITTLE_ENDIAN } from './dtype.js';

/** What the reader needs from a file: hub's `ModelFile` satisfies it. */
export interface RandomAccessFile {
  readonly name: string;
  readonly size: number;
  /** With `into` (≥ `length` bytes) the bytes may land in it and come back as a view of it. */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
}

/** Bytes per element of every dtype the safetensors format defines. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** One tensor of the file. `byteOffset` is absolute (from the start of the file). */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** The parsed, validated header. */
export interface SafetensorsHeader {
  readonly file: RandomAccessFile;
  readonly metadata: Readonly<Record<string, string>>;
  /** In file order (sorted by offset). */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
}

/** Headers longer than this are refused before anything is allocated (real GPT-2 XL: about 40 KB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
// Reads of big tensors go in pieces of this size, converted straight into the destination.
const CHUNK_BYTES = 16 * 1024 * 1024;

/** Names every top-level key of a JSON object text in order (the text is already known to be valid JSON). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      if (depth === 1) {
        let j = i;
        while (
          j < text.length &&
          (text[j] === ' ' || text[j] === '\n' || text[j] === '\r' || text[j] === '\t')
        )
          j++;
        if (text[j] === ':') keys.push(JSON.parse(text.slice(start, i)) as string);
      }
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return keys;
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

async function readExact(
  file: RandomAccessFile,
  offset: number,
  length: number,
  tensor?: string,
  into?: Uint8Array,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await file.read(offset, length, into);
  } catch (e) {
    throw new SafetensorsError(
      'read',
      file.name,
      tensor,
      `reading ${length} bytes at ${offset} failed: ${(e as Error).message}`,
    );
  }
  if (bytes.byteLength !== length) {
    throw new SafetensorsError(
      'truncated',
      file.name,
      tensor,
      `asked for ${length} bytes at offset ${offset}, got ${bytes.byteLength}; the file is truncated (re-download it)`,
    );
  }
  return bytes;
}

/**
 * Reads and validates the header of a safetensors file.
 * @throws {SafetensorsError} with `reason` naming what is wrong, the file and (when one is at fault) the tensor
 */
export async function readSafetensorsHeader(
  file: RandomAccessFile,
  options: { maxHeaderBytes?: number } = {},
): Promise<SafetensorsHeader> {
  const maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const fail = (
    reason: ConstructorParameters<typeof SafetensorsError>[0],
    message: string,
    tensor?: string,
  ) => new SafetensorsError(reason, file.name, tensor, message);
  if (!isUint(file.size) || file.size < 8) {
    throw fail(
      'header_length',
      `the file has ${file.size} bytes; a safetensors file starts with an 8-byte header length`,
    );
  }
  const prefix = await readExact(file, 0, 8);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength === 0) throw fail('header_length', 'the header length is 0; expected a JSON object');
  if (headerLength > maxHeader) {
    throw fail(
      'header_length',
      `header length ${headerLength} exceeds the ${maxHeader}-byte limit; this is not a model file (or it is corrupt)`,
    );
  }
  if (8 + headerLength > file.size) {
    throw fail(
      'header_length',
      `header length ${headerLength} runs past the end of the file (${file.size} bytes); the file is truncated or not safetensors`,
    );
  }
  const headerBytes = await readExact(file, 8, headerLength);
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    json = JSON.parse(text);
  } catch (e) {
    throw fail('header_json', `the header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw fail('header_json', 'the header must be a JSON object of tensors');
  }
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw fail('duplicate', 'the name appears twice in the header', key);
    seen.add(key);
  }
  const dataStart = 8 + headerLength;
  const dataSize = file.size - dataStart;
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw fail('header_entry', '__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw fail('header_entry', `__metadata__.${k} must be a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (name.length === 0) throw fail('header_entry', 'a tensor has an empty name');
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw fail('header_entry', 'expected {dtype, shape, data_offsets}', name);
    }
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string') throw fail('header_entry', 'dtype must be a string', name);
    const elementBytes = SAFETENSORS_DTYPE_BYTES[dtype];
    if (elementBytes === undefined || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) {
      throw fail(
        'unknown_dtype',
        `unknown dtype ${JSON.stringify(dtype).slice(0, 40)}; safetensors defines ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}`,
        name,
      );
    }
    if (!Array.isArray(shape) || shape.length > 16 || !shape.every(isUint)) {
      throw fail('header_entry', 'shape must be an array of at most 16 non-negative integers', name);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isUint)) {
      throw fail('offsets', 'data_offsets must be [begin, end], two non-negative integers', name);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) throw fail('offsets', `data_offsets [${begin}, ${end}] end before they begin`, name);
    if (end > dataSize) {
      throw fail(
        'truncated',
        `data_offsets [${begin}, ${end}] run past the data section (${dataSize} bytes); the file is truncated or corrupt`,
        name,
      );
    }
    // Element count, guarded: a product past the data size is a mismatch whatever its exact value.
    let elements = 1;
    for (const d of shape as number[]) elements = Math.min(elements * d, Number.MAX_SAFE_INTEGER);
    if (elements * elementBytes !== end - begin) {
      throw fail(
        'byte_size',
        `shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${elements * elementBytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
        name,
      );
    }
    infos.push({
      name,
      dtype,
      shape: shape as number[],
      byteOffset: dataStart + begin,
      byteLength: end - begin,
    });
  }
  infos.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  for (let i = 1; i < infos.length; i++) {
    const prev = infos[i - 1]!;
    const cur = infos[i]!;
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) {
      throw fail('overlap', `its bytes overlap those of tensor ${prev.name}`, cur.name);
    }
  }
  return { file, metadata, tensors: new Map(infos.map((t) => [t.name, t])) };
}

/**
 * Rows `start` … `start + count − 1` of a 2-D F32/F16/BF16 tensor ([rows, cols]) as a Float32Array, in
 * one read of just those bytes: a loader can stream a large matrix into a backend block by block.
 * @param options.checkFinite report NaN/±Infinity as an error naming the tensor and the element (default true)
 * @param options.scratch a buffer the bytes may be read into (files on disk): an aligned F32 block then
 *   comes back as a view of it, valid until the scratch is reused — one buffer serves a whole load
 */
export async function readTensorRowsAsF32(
  header: SafetensorsHeader,
  info: TensorInfo,
  start: number,
  count: number,
  options: { checkFinite?: boolean; scratch?: Uint8Array } = {},
): Promise<Float32Array> {
  const { file } = header;
  const elementBytes = floatElementBytes(file.name, info);
  const [rows, cols] = info.shape.length === 2 ? info.shape : [info.shape[0] ?? 1, 1];
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 1 ||
    start + count > rows
  ) {
    throw new SafetensorsError(
      'read',
      file.name,
      info.name,
      `rows ${start}…${start + count - 1} are outside the tensor's ${rows} rows`,
    );
  }
  const rowBytes = cols * elementBytes;
  const bytes = await readExact(
    file,
    info.byteOffset + start * rowBytes,
    count * rowBytes,
    info.name,
    options.scratch,
  );
  let out: Float32Array;
  if (info.dtype === 'F32' && bytes.byteOffset % 4 === 0 && LITTLE_ENDIAN) {
    out = new Float32Array(bytes.buffer, bytes.byteOffset, count * cols);
  } else {
    out = new Float32Array(count * cols);
    convertToF32(bytes, info.dtype as FloatDType, out, 0);
  }
  if (options.checkFinite ?? true) {
    const bad = firstNonFinite(out);
    if (bad >= 0) {
      throw new SafetensorsError(
        'non_finite',
        file.name,
        info.name,
        `element ${start * cols + bad} is ${out[bad]}; the weights contain NaN or Infinity (a corrupt or diverged checkpoint)`,
      );
    }
  }
  return out;
}

/** Bytes per element of a float tensor, or a typed error for a dtype that cannot hold weights. */
function floatElementBytes(file: string, info: TensorInfo): number {
  const elementBytes = FLOAT_DTYPE_BYTES[info.dtype as FloatDType];
  if (elementBytes === undefined || !Object.hasOwn(FLOAT_DTYPE_BYTES, info.dtype)) {
    throw new SafetensorsError(
      'unknown_dtype',
      file,
      info.name,
      `dtype ${info.dtype} cannot hold weights here; gpt2js reads F32, F16 and BF16`,
    );
  }
  return elementBytes;
}

/**
 * Reads one F32/F16/BF16 tensor as a Float32Array: F32 in one read (viewed in place when aligned), F16/BF16
 * converted chunk by chunk (peak memory: the result plus one chunk).
 * @param options.checkFinite report NaN/±Infinity as an error naming the tensor and the element (default true)
 */
export async function readTensorAsF32(
  header: SafetensorsHeader,
  info: TensorInfo,
  options: { checkFinite?: boolean } = {},
): Promise<Float32Array> {
  const { file } = header;
  const elementBytes = floatElementBytes(file.name, info);
  const check = options.checkFinite ?? true;
  if (info.dtype === 'F32') return checkFinite(await readF32Whole(header, info), file.name, info.name, check);
  const out = new Float32Array(info.byteLength / elementBytes);
  const chunk = CHUNK_BYTES - (CHUNK_BYTES % elementBytes);
  let written = 0;
  for (let pos = 0; pos < info.byteLength; pos += chunk) {
    const length = Math.min(chunk, info.byteLength - pos);
    const bytes = await readExact(file, info.byteOffset + pos, length, info.name);
    written += convertToF32(bytes, info.dtype as FloatDType, out, written);
  }
  return checkFinite(out, file.name, info.name, check);
}

// F32 needs no conversion: one read, viewed in place when the bytes are 4-byte aligned (no second copy).
async function readF32Whole(header: SafetensorsHeader, info: TensorInfo): Promise<Float32Array> {
  const bytes = await readExact(header.file, info.byteOffset, info.byteLength, info.name);
  if (bytes.byteOffset % 4 === 0 && LITTLE_ENDIAN) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, info.byteLength / 4);
  }
  const out = new Float32Array(info.byteLength / 4);
  convertToF32(bytes, 'F32', out, 0);
  return out;
}

function checkFinite(out: Float32Array, file: string, tensor: string, check: boolean): Float32Array {
  if (check) {
    const bad = firstNonFinite(out);
    if (bad >= 0) {
      throw new SafetensorsError(
        'non_finite',
        file,
        tensor,
        `element ${bad} is ${out[bad]}; the weights contain NaN or Infinity (a corrupt or diverged checkpoint)`,
      );
    }
  }
  return out;
}
