// A clock for one run: start → prefill done → first token → end, plus decode-token counting.

import type { GenerationStats } from './events.js';

const now = (): number => performance.now();

export class RunClock {
  private readonly startedAt = now();
  private prefillAt: number | undefined;
  private firstTokenAt: number | undefined;
  private decodeTokens = 0;

  prefillDone(): void {
    this.prefillAt ??= now();
  }

  /** Marks a chosen step; the first call is the first token, later ones count `tokens` decode tokens. */
  step(tokens: number): void {
    if (this.firstTokenAt === undefined) this.firstTokenAt = now();
    else this.decodeTokens += tokens;
  }

  finish(counts: {
    promptTokens: number;
    droppedPromptTokens: number;
    generatedTokens: number;
  }): GenerationStats {
    const end = now();
    const first = this.firstTokenAt ?? end;
    const decodeMs = end - first;
    return {
      ...counts,
      timeToFirstTokenMs: first - this.startedAt,
      prefillMs: (this.prefillAt ?? end) - this.startedAt,
      decodeMs,
      totalMs: end - this.startedAt,
      tokensPerSecond: decodeMs > 0 && this.decodeTokens > 0 ? (this.decodeTokens * 1000) / decodeMs : 0,
    };
  }
}
