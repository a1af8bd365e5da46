// Turns a growing list of generated ids into text deltas: decodes the whole list each step (so characters
// split across tokens come out whole), holds back a trailing U+FFFD (incomplete UTF-8) and any suffix that
// could be the start of a stop string, and finds stop strings across token boundaries.

/** Incremental text for one row. The deltas it returns concatenate to `finalText()` unless the decoder rewrites earlier text. */
export class TextStream {
  private emitted = '';
  private searchedUpTo = 0;
  private stopAt = -1;
  private latest = '';
  private readonly longestStop: number;

  constructor(
    private readonly decode: (ids: number[]) => string,
    private readonly stopStrings: readonly string[],
  ) {
    this.longestStop = stopStrings.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** True once a stop string was found; the text is cut before it. */
  get stopped(): boolean {
    return this.stopAt >= 0;
  }

  /** Decodes `ids` (all generated ids so far, EOS excluded); returns the new text that is safe to show. */
  push(ids: number[]): string {
    if (this.stopped) return '';
    const text = this.decode(ids);
    this.latest = text;
    const stable = text.replace(/\uFFFD+$/, '');
    if (this.stopStrings.length > 0) {
      const from = Math.max(0, this.searchedUpTo - (this.longestStop - 1));
      let found = -1;
      for (const stop of this.stopStrings) {
        const at = stable.indexOf(stop, from);
        if (at >= 0 && (found < 0 || at < found)) found = at;
      }
      this.searchedUpTo = stable.length;
      if (found >= 0) {
        this.stopAt = found;
        return this.advanceTo(stable.slice(0, found));
      }
    }
    return this.advanceTo(stable.slice(0, stable.length - this.partialStopSuffix(stable)));
  }

  /** The rest of the text once the row is finished (held-back characters included). */
  finish(): string {
    return this.advanceTo(this.finalText());
  }

  /** The row's text: everything decoded, cut before the first stop string. */
  finalText(): string {
    return this.stopped ? this.latest.slice(0, this.stopAt) : this.latest;
  }

  private advanceTo(safe: string): string {
    if (!safe.startsWith(this.emitted)) return '';
    const delta = safe.slice(this.emitted.length);
    this.emitted = safe;
    return delta;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private partialStopSuffix(text: string): number {
    for (let len = Math.min(this.longestStop - 1, text.length); len > 0; len--) {
      const suffix = text.slice(text.length - len);
      if (this.stopStrings.some((s) => s.startsWith(suffix))) return len;
    }
    return 0;
  }
}
