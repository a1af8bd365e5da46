// The n-best list of finished beams, with Hugging Face's scoring and stop rule
// (transformers `BeamHypotheses`, generation/beam_search.py, v4.4x).

/** A finished (or, at the end, still running) beam. */
export interface Hypothesis {
  /** Generated ids (EOS included when the beam ended on it). */
  readonly tokens: number[];
  /** sum of log-probabilities / generatedLength ** length_penalty. */
  readonly score: number;
}

export class BeamHypotheses {
  private readonly beams: Hypothesis[] = [];
  private worst = 1e9;

  constructor(
    private readonly numBeams: number,
    private readonly lengthPenalty: number,
    private readonly earlyStopping: boolean | 'never',
    /** max_new_tokens: the longest a hypothesis can become (for early_stopping 'never'). */
    private readonly maxNewTokens: number,
  ) {}

  get size(): number {
    return this.beams.length;
  }

  /** Adds a hypothesis scored sumLogprobs / generatedLength^length_penalty, keeping the best numBeams. */
  add(tokens: number[], sumLogprobs: number, generatedLength: number): void {
    const score = sumLogprobs / generatedLength ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worst) {
      this.beams.push({ tokens, score });
      if (this.beams.length > this.numBeams) {
        const order = this.beams
          .map((b, i) => [b.score, i] as const)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(order[0][1], 1);
        this.worst = order[1][0];
      } else {
        this.worst = Math.min(score, this.worst);
      }
    }
  }

  /**
   * HF `is_done`: with numBeams finished hypotheses, early_stopping true stops at once; false stops when the
   * best running score divided by the current length's penalty cannot beat the worst finished one; 'never'
   * uses the most favourable length (max_new_tokens when length_penalty > 0).
   */
  isDone(bestSumLogprobs: number, generatedLength: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const length =
      this.earlyStopping === 'never' && this.lengthPenalty > 0 ? this.maxNewTokens : generatedLength;
    return this.worst >= bestSumLogprobs / length ** this.lengthPenalty;
  }

  /** Best first; equal scores keep insertion order. */
  sorted(): Hypothesis[] {
    return this.beams
      .map((b, i) => [b, i] as const)
      .sort((a, b) => b[0].score - a[0].score || a[1] - b[1])
      .map(([b]) => b);
  }
}
