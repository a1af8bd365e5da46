// The browser entry's streaming SHA-256 against node:crypto: known vectors, then random data in random chunks.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../src/browser/sha256.js';

const nodeSha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('Sha256 (browser)', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    const enc = new TextEncoder();
    expect(new Sha256().update(enc.encode('')).hex()).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(new Sha256().update(enc.encode('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(
      new Sha256().update(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex(),
    ).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('equals node:crypto for random data fed in random chunks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.array(fc.nat(200), { maxLength: 8 }),
        (data, cuts) => {
          const h = new Sha256();
          let at = 0;
          for (const cut of cuts) {
            h.update(data.subarray(at, Math.min(data.length, at + cut)));
            at = Math.min(data.length, at + cut);
          }
          h.update(data.subarray(at));
          expect(h.hex()).toBe(nodeSha(data));
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});
