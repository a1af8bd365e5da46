// Byte counts of GPT-2 weights per storage, for the bandwidth ceilings and the peak-RSS target.
// Batch-1 decoding reads every matrix once per token: the four Conv1D matrices of each block and the LM head
// ([vocab, n_embd], tied to wte). Embedding rows, biases and LayerNorm parameters are a few KB per token, and
// KV-cache reads (2·n_layer·n_embd·4 B per cached position, about 19 MB per token at 256 positions) are left
// out, so the ceiling is an upper bound.

const STORAGE_BYTES = { f32: 4, f16: 2, int8: 1 };

/** Matrix parameters, and output columns (int8 keeps one f32 scale per output column). */
function matrices(cfg) {
  const C = cfg.n_embd;
  const inner = cfg.n_inner ?? 4 * C;
  let params = cfg.vocab_size * C;
  let columns = cfg.vocab_size;
  for (const [k, n] of [
    [C, 3 * C],
    [C, C],
    [C, inner],
    [inner, C],
  ]) {
    params += cfg.n_layer * k * n;
    columns += cfg.n_layer * n;
  }
  return { params, columns };
}

/** Bytes of the matrices read per decoded token for `dtype` ('f32' | 'f16' | 'int8'). */
export function bytesPerToken(cfg, dtype) {
  const { params, columns } = matrices(cfg);
  return params * STORAGE_BYTES[dtype] + (dtype === 'int8' ? columns * 4 : 0);
}

/** Bytes of every stored weight for `dtype`: the matrices plus wpe, biases and LayerNorm parameters in f32. */
export function storedWeightBytes(cfg, dtype) {
  const C = cfg.n_embd;
  const inner = cfg.n_inner ?? 4 * C;
  const small = cfg.n_positions * C + cfg.n_layer * (2 * C + 3 * C + C + 2 * C + inner + C) + 2 * C;
  return bytesPerToken(cfg, dtype) + small * 4;
}
