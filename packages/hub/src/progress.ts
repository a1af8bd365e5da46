// Progress reporting: throttles byte counts into monotone DownloadProgress events, always ending with one
// `done: true` event whose `loaded` is the final size. Shared by both entries.

import type { DownloadProgress } from './types.js';

// One event per MiB keeps a 6 GB download to a few thousand callbacks.
const STEP = 1 << 20;

export class ProgressReporter {
  private last = -1;

  constructor(
    private readonly file: string,
    private readonly total: number | undefined,
    private readonly callback: ((p: DownloadProgress) => void) | undefined,
  ) {}

  /** Reports `loaded` bytes when at least a step has passed since the last report (or for the first one). */
  update(loaded: number): void {
    if (!this.callback || (this.last >= 0 && loaded - this.last < STEP)) return;
    this.last = loaded;
    this.callback({ file: this.file, loaded, total: this.total, done: false, fromCache: false });
  }

  /** The final event. */
  done(size: number, fromCache: boolean): void {
    this.callback?.({ file: this.file, loaded: size, total: size, done: true, fromCache });
  }
}
