// An in-memory RandomAccessFile that records every read, so tests can check that no read runs past the
// file or allocates more than it holds.
import type { RandomAccessFile } from '../../src/load/safetensors.js';

export interface RecordingFile extends RandomAccessFile {
  readonly reads: { offset: number; length: number }[];
}

/** `bytes` as a file. `size` may lie (a file that shrank after it was listed): reads return what exists. */
export function memoryFile(name: string, bytes: Uint8Array, size = bytes.length): RecordingFile {
  const reads: { offset: number; length: number }[] = [];
  return {
    name,
    size,
    reads,
    async read(offset, length) {
      reads.push({ offset, length });
      if (length > size)
        throw new Error(`test file: read of ${length} bytes is larger than the file (${size})`);
      return bytes.slice(offset, offset + length);
    },
  };
}

/** Little-endian bytes of float32 values. */
export const f32Bytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

/** A header with an arbitrary JSON text and an arbitrary length field. */
export function rawFile(
  headerText: string,
  data: Uint8Array = new Uint8Array(),
  lengthField?: bigint,
): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}
