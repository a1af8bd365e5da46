// The workload every engine runs, defined once: a seeded 128-token prompt (token ids, so no tokenizer sits
// between the engines) and the number of greedy tokens to generate. The first generated token comes from
// the prefill (time to first token); the next `decodeSteps` each cost one cached forward step. Then, in
// the same process, `sampledSteps` tokens sampled the way both libraries sample by default (SAMPLING).

/** Sampled decoding: Hugging Face's defaults when do_sample is set (top-k 50, temperature 1, top-p 1). */
export const SAMPLING = { do_sample: true, top_k: 50 };

/** Prompt ids: a fixed xorshift stream over the vocabulary, excluding <|endoftext|> (50256). */
export function promptIds(length, seed = 7) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const ids = [];
  while (ids.length < length) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const id = s % 50257;
    if (id !== 50256) ids.push(id);
  }
  return ids;
}

/**
 * Splits per-token timestamps into the two figures: `times[0]` is when the first generated token was known
 * (prefill), `times[i]` when token i was. Returns { ttftMs, decodeTokensPerSecond }.
 */
export function summarise(startMs, times) {
  const ttftMs = times[0] - startMs;
  const steps = times.length - 1;
  const decodeMs = times[times.length - 1] - times[0];
  return {
    ttftMs,
    decodeMs,
    decodeSteps: steps,
    decodeTokensPerSecond: steps > 0 ? (steps * 1000) / decodeMs : 0,
  };
}

/** The process's peak RSS so far, in bytes. */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

/**
 * Writes an engine's result where the parent finds it: one line on stdout, tagged. `peakRssBytes` defaults
 * to the peak so far; engines pass the greedy workload's peak, taken before the sampled run.
 */
export function emit(result) {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ peakRssBytes: peakRss(), ...result })}\n`);
}
