// Loading progress on stderr: a redrawn bar when stderr is a terminal, plain lines otherwise
// (logs and CI). The rendering is pure (renderBar, formatBytes) so it is tested without a terminal.

/** A progress event as the model loader reports it (download of a file, or weights onto the backend). */
export type ProgressEvent =
  | { phase: 'download'; file: string; loaded: number; total?: number }
  | { phase: 'load'; loaded: number; total: number };

/** Bytes as a short human figure: 512 B, 1.5 kB, 29.0 MB, 1.20 GB (SI units, like download tools). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '? B';
  if (n < 1000) return `${Math.round(n)} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/**
 * One line of a progress bar, at most `width` characters:
 * `model.safetensors [██████░░░░░░] 52% 15.1 MB / 29.0 MB`. Without a total, no bar: `… 15.1 MB`.
 *
 * @example
 * renderBar('vocab.json', 50, 100, 40); // 'vocab.json [███████░░░░░░░]  50% 50 B / 100 B' (shape)
 */
export function renderBar(label: string, loaded: number, total: number | undefined, width: number): string {
  if (total === undefined || !(total > 0)) return fit(`${label} ${formatBytes(loaded)}`, width);
  const fraction = Math.min(1, Math.max(0, loaded / total));
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const figures = `${formatBytes(loaded)} / ${formatBytes(total)}`;
  const name = label.length > 28 ? `…${label.slice(-27)}` : label;
  const cells = Math.max(0, width - name.length - percent.length - figures.length - 5);
  if (cells < 5) return fit(`${name} ${percent} ${figures}`, width);
  const full = Math.round(fraction * cells);
  return `${name} [${'█'.repeat(full)}${'░'.repeat(cells - full)}] ${percent} ${figures}`;
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/** Where progress goes: process.stderr in the CLI; anything with write/isTTY/columns in tests. */
export interface ProgressSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Turns loader progress events into output on `sink`: a bar redrawn in place on a terminal (at most
 * every 80 ms), and on anything else one line when a download starts and one when it ends (the
 * weights' upload to the backend is shown only as a bar: the caller prints a line when loading ends).
 */
export class ProgressReporter {
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Handles one loader event. */
  update(event: ProgressEvent): void {
    if (event.phase === 'download') this.download(event.file, event.loaded, event.total);
    else this.load(event.loaded, event.total);
  }

  /** Erases a bar left on the terminal, so that the next output starts on a clean line. */
  clear(): void {
    if (this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
  }

  private download(file: string, loaded: number, total: number | undefined): void {
    const done = total !== undefined && loaded >= total;
    if (!this.started.has(file) && done) {
      // Complete on its first report: a local file or a cache hit, nothing was downloaded.
      this.started.add(file);
      this.finished.add(file);
      return;
    }
    if (this.sink.isTTY) {
      this.started.add(file);
      this.draw(`downloading ${file}`, loaded, total, done);
      if (done && !this.finished.has(file)) {
        this.finished.add(file);
        this.clear();
        this.sink.write(`downloaded ${file} (${formatBytes(total)})\n`);
      }
      return;
    }
    if (!this.started.has(file)) {
      this.started.add(file);
      this.sink.write(`downloading ${file}${total !== undefined ? ` (${formatBytes(total)})` : ''}\n`);
    }
    if (done && !this.finished.has(file)) {
      this.finished.add(file);
      this.sink.write(`downloaded ${file}\n`);
    }
  }

  private load(loaded: number, total: number): void {
    const done = loaded >= total;
    if (this.sink.isTTY) {
      const width = Math.max(20, (this.sink.columns ?? 80) - 1);
      if (done || this.now() - this.lastDraw >= 80) {
        const fraction = total > 0 ? Math.min(1, loaded / total) : 1;
        const cells = Math.max(5, width - 24);
        const full = Math.round(fraction * cells);
        const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
        this.sink.write(`\r\x1b[2Kloading weights [${'█'.repeat(full)}${'░'.repeat(cells - full)}] ${pct}`);
        this.drawn = true;
        this.lastDraw = this.now();
      }
      if (done) this.clear();
      return;
    }
  }

  private draw(label: string, loaded: number, total: number | undefined, force: boolean): void {
    if (!force && this.now() - this.lastDraw < 80) return;
    const width = Math.max(20, (this.sink.columns ?? 80) - 1);
    this.sink.write(`\r\x1b[2K${renderBar(label, loaded, total, width)}`);
    this.drawn = true;
    this.lastDraw = this.now();
  }
}

/** The closing stats line: time to first token and decode speed. */
export function formatStats(stats: {
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
  generatedTokens: number;
  backend: string;
  dtype: string;
}): string {
  const tps = Number.isFinite(stats.tokensPerSecond) ? stats.tokensPerSecond.toFixed(1) : '–';
  const tokens = `${stats.generatedTokens} token${stats.generatedTokens === 1 ? '' : 's'}`;
  return `${tokens} · time to first token ${Math.round(stats.timeToFirstTokenMs)} ms · ${tps} tokens/s · ${stats.backend} ${stats.dtype}`;
}
