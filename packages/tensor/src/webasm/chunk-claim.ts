// How the threads of one kernel call take its chunks (thread-pool.ts, worker-source.ts), so that no thread
// ever waits for another that took nothing.
//
// One word holds the call's epoch (bits 16–30) and the index of the next unclaimed chunk (bits 0–15). A
// thread claims chunk k by a compare-and-swap of (epoch, k) → (epoch, k + 1), so a claim succeeds only
// while that call still has chunks left: a worker that wakes up late, after the call it saw has ended and
// the next one has started, fails its claim instead of running a chunk with the next call's parameters.
// The parameters it read are therefore the call's own whenever a claim succeeds (they are written before
// the call's epoch is published and rewritten only after all of its chunks are claimed and done).
//
// `claimChunk` runs in the workers too: worker-source.ts embeds its source text, so it uses nothing but
// its arguments.

/** Epochs count calls modulo 2^15 (the word stays a positive int32). */
export const EPOCH_MASK = 0x7fff;

/** At most this many chunks per call (the low 16 bits of the word). */
export const MAX_CHUNKS = 0xffff;

/** The word that opens `epoch`'s call with no chunk claimed. */
export function openWord(epoch: number): number {
  return (epoch & EPOCH_MASK) << 16;
}

/**
 * Claims the next chunk of `epoch`'s call (of `chunks`) from word `at` of `control`: its index, or −1 when
 * that call has no chunk left or is over.
 */
export function claimChunk(control: Int32Array, at: number, epoch: number, chunks: number): number {
  for (;;) {
    const word = Atomics.load(control, at);
    if (word >>> 16 !== epoch) return -1;
    const next = word & 0xffff;
    if (next >= chunks) return -1;
    if (Atomics.compareExchange(control, at, word, word + 1) === word) return next;
  }
}
