// ReadAhead (src/load/read-ahead.ts): a tensor's row blocks read one ahead into two alternating buffers. Each
// block must come back with its own rows, be read once, stay intact until the call after next, and a block
// read ahead but never asked for must neither surface as an error nor land in a buffer in use.

import { describe, expect, it } from 'vitest';
import { ReadAhead, type ReadRowsInto } from '../src/load/read-ahead.js';

const COLS = 3;

/** A reader over a [rows, COLS] tensor whose element (r, c) is r·10 + c, writing into the scratch it is given
 * when its read completes (as a file read does), after `delayMs`; it logs each read's start and end. */
function fakeReader(log: string[], delayMs = 2, failAt?: number): ReadRowsInto {
  return (start, count, scratch) =>
    new Promise((resolve, reject) => {
      log.push(`start ${start}`);
      setTimeout(() => {
        log.push(`end ${start}`);
        if (start === failAt) {
          reject(new Error(`block at ${start} is corrupt`));
          return;
        }
        const out = new Float32Array(scratch.buffer, scratch.byteOffset, count * COLS);
        for (let r = 0; r < count; r++)
          for (let c = 0; c < COLS; c++) out[r * COLS + c] = (start + r) * 10 + c;
        resolve(out);
      }, delayMs);
    });
}

const buffers = (): [Uint8Array, Uint8Array] => [new Uint8Array(4 * 4 * COLS), new Uint8Array(4 * 4 * COLS)];
const rowsOf = (block: Float32Array) =>
  Array.from({ length: block.length / COLS }, (_, r) => block[r * COLS] / 10);

describe('ReadAhead', () => {
  it('returns each block of a pass with its rows, reading the next one while the caller works', async () => {
    const log: string[] = [];
    const ahead = new ReadAhead(fakeReader(log), 10, buffers());
    const seen: number[][] = [];
    for (let start = 0; start < 10; start += 4) {
      log.push(`ask ${start}`);
      const block = await ahead.read(start, Math.min(4, 10 - start));
      seen.push(rowsOf(block));
      // the caller's own work on this block: the next block's read is already under way
      if (start + 4 < 10) expect(log.at(-1)).toBe(`start ${start + 4}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await ahead.settle();
    expect(seen).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    // every block read once, each (after the first) started before it was asked for
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start 0', 'start 4', 'start 8']);
    expect(log.indexOf('start 4')).toBeLessThan(log.indexOf('ask 4'));
    expect(log.indexOf('start 8')).toBeLessThan(log.indexOf('ask 8'));
  });

  it('keeps a block intact while the next one is read, and serves a second pass from the start', async () => {
    const log: string[] = [];
    const ahead = new ReadAhead(fakeReader(log, 1), 8, buffers());
    const first = await ahead.read(0, 4);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the read of rows 4–7 lands meanwhile
    expect(log).toContain('end 4');
    expect(rowsOf(first)).toEqual([0, 1, 2, 3]);
    expect(rowsOf(await ahead.read(4, 4))).toEqual([4, 5, 6, 7]);
    // a second pass (int8 weights read their rows twice): nothing is pending past the last block
    expect(rowsOf(await ahead.read(0, 4))).toEqual([0, 1, 2, 3]);
    expect(rowsOf(await ahead.read(4, 4))).toEqual([4, 5, 6, 7]);
    await ahead.settle();
  });

  it('lets a read ahead of another block finish before reusing its buffer', async () => {
    const log: string[] = [];
    const ahead = new ReadAhead(fakeReader(log, 5), 12, buffers());
    await ahead.read(0, 4); // reads rows 4–7 ahead
    const other = await ahead.read(8, 4); // not the block read ahead
    expect(log.indexOf('end 4')).toBeLessThan(log.indexOf('start 8'));
    expect(rowsOf(other)).toEqual([8, 9, 10, 11]);
    await ahead.settle();
  });

  it('reports a failed block only when it is asked for, and settles after a read ahead failed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const asked = new ReadAhead(fakeReader([], 1, 4), 8, buffers());
      await asked.read(0, 4);
      await expect(asked.read(4, 4)).rejects.toThrow(/block at 4 is corrupt/);

      const never = new ReadAhead(fakeReader([], 1, 4), 8, buffers());
      await never.read(0, 4); // the failing block is read ahead and never asked for
      await new Promise((resolve) => setTimeout(resolve, 10)); // it fails before anyone settles
      await never.settle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
