// How the threads of one kernel call take its chunks (thread-pool.ts, worker-source.ts), so that no thread
// ever waits for another that took nothing.
//
// One word holds the call's epoch (bits 8–30) and the index of the next unclaimed chunk (bits 0–7). A
// thread claims chunk k by a compare-and-swap of (epoch, k) → (epoch, k + 1), so a claim succeeds only
// while that call still has chunks left: a worker that wakes up late, after the call it saw has ended and
// the next one has started, fails its claim instead of running a chunk with the next call's parameters.
// The parameters it read are therefore the call's own whenever a claim succeeds: they are written before
// the call's epoch is published, and before the next call's parameters are written the main thread closes
// the word (`closedWord`: the chunk count at MAX_CHUNKS), so a worker that read an old epoch and then the new
// parameters fails its claim whatever chunk count it computed from them (without the close, a claim of the
// old epoch against the new call's larger chunk count succeeded: the worker ran a chunk of the new call
// early and counted it done, and the main thread could return before the last chunk was written).
//
// `claimChunk` runs in the workers too: worker-source.ts embeds its source text, so it uses nothing but
// its arguments.

/** Low bits of the word that count the claimed chunks; the epoch takes the 23 above them. */
export const CHUNK_BITS = 8;

/**
 * Epochs count calls modulo 2^23 (the word stays a positive int32). A worker that read a call's parameters
 * and was then descheduled before its claim would run them against another call only if it woke exactly
 * 2^23·n calls later, during the call that reuses its epoch: at 10^5 calls a second that takes 80 s asleep
 * (with 15 epoch bits it took a third of a second, within reach of a machine running many processes).
 */
export const EPOCH_MASK = 0x7fffff;

/** At most this many chunks per call (the low CHUNK_BITS bits of the word). */
export const MAX_CHUNKS = 0xff;

/** The word that opens `epoch`'s call with no chunk claimed. */
export function openWord(epoch: number): number {
  return (epoch & EPOCH_MASK) << CHUNK_BITS;
}

/** The word of `epoch`'s call once closed: every claim of it fails (a call has at most MAX_CHUNKS chunks). */
export function closedWord(epoch: number): number {
  return openWord(epoch) | MAX_CHUNKS;
}

/** The epoch a claim word carries. */
export function epochOf(word: number): number {
  return word >>> CHUNK_BITS;
}

/**
 * Claims the next chunk of `epoch`'s call (of `chunks`) from word `at` of `control`: its index, or −1 when
 * that call has no chunk left or is over.
 */
export function claimChunk(control: Int32Array, at: number, epoch: number, chunks: number): number {
  // literals, not CHUNK_BITS / MAX_CHUNKS: the workers run this function's text alone
  for (;;) {
    const word = Atomics.load(control, at);
    if (word >>> 8 !== epoch) return -1;
    const next = word & 0xff;
    if (next >= chunks) return -1;
    if (Atomics.compareExchange(control, at, word, word + 1) === word) return next;
  }
}
