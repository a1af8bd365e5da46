// Progress on stderr: the bar's rendering, and what a terminal and a log file each receive.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatStats, ProgressReporter, renderBar } from '../src/progress.js';

class Sink {
  out = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(s: string) {
    this.out += s;
  }
}

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1536, '1.5 kB'],
    [29_040_584, '29.0 MB'],
    [548_105_171, '548.1 MB'],
    [1_200_000_000, '1.20 GB'],
  ])('%d bytes → %s', (n, text) => expect(formatBytes(n)).toBe(text));
});

describe('renderBar', () => {
  it('fills the bar in proportion and fits the width', () => {
    const line = renderBar('model.safetensors', 14_520_292, 29_040_584, 70);
    expect(line.length).toBe(70);
    expect(line).toMatch(/^model\.safetensors \[█+░+\] {2}50% 14\.5 MB \/ 29\.0 MB$/);
    const cells = line.slice(line.indexOf('[') + 1, line.indexOf(']'));
    expect(cells.split('█').length - 1).toBe(Math.round(cells.length / 2));
  });

  it('is full at the end and empty at the start', () => {
    expect(renderBar('f', 0, 10, 40)).not.toContain('█');
    expect(renderBar('f', 10, 10, 40)).not.toContain('░');
  });

  it('shows only the bytes when the total is unknown', () => {
    expect(renderBar('vocab.json', 2048, undefined, 80)).toBe('vocab.json 2.0 kB');
  });

  it('drops the bar when the terminal is too narrow', () => {
    expect(renderBar('model.safetensors', 5, 10, 30)).toBe('model.safetensors  50% 5 B / …');
  });
});

describe('ProgressReporter', () => {
  it('writes plain lines, no bar and no escape codes, when stderr is not a terminal', () => {
    const sink = new Sink(false);
    const r = new ProgressReporter(sink);
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 0, total: 1000 });
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 500, total: 1000 });
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 1000, total: 1000 });
    r.update({ phase: 'load', loaded: 1, total: 2 });
    r.update({ phase: 'load', loaded: 2, total: 2 });
    r.clear();
    expect(sink.out).toBe('downloading model.safetensors (1.0 kB)\ndownloaded model.safetensors\n');
  });

  it('says nothing about files that were already there (local directory, cache hit)', () => {
    for (const isTTY of [false, true]) {
      const sink = new Sink(isTTY);
      const r = new ProgressReporter(sink);
      r.update({ phase: 'download', file: 'config.json', loaded: 876, total: 876 });
      r.clear();
      expect(sink.out).toBe('');
    }
  });

  it('redraws one bar in place on a terminal and leaves a clean line', () => {
    let t = 0;
    const sink = new Sink(true, 60);
    const r = new ProgressReporter(sink, () => t);
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 0, total: 1000 });
    t = 10; // throttled: not redrawn
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 100, total: 1000 });
    t = 200;
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 600, total: 1000 });
    r.update({ phase: 'download', file: 'model.safetensors', loaded: 1000, total: 1000 });
    const frames = sink.out.split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toContain('  0%');
    expect(frames[1]).toContain(' 60%');
    expect(frames).toHaveLength(4); // 0 %, 60 %, 100 %, then the final line after clearing
    expect(frames[2]).toContain('100%');
    expect(frames[3]).toBe('downloaded model.safetensors (1.0 kB)\n');
  });
});

describe('formatStats', () => {
  it('gives time to first token and tokens/s on one line', () => {
    expect(
      formatStats({
        timeToFirstTokenMs: 123.4,
        tokensPerSecond: 45.678,
        generatedTokens: 40,
        backend: 'webasm',
        dtype: 'f32',
      }),
    ).toBe('40 tokens · time to first token 123 ms · 45.7 tokens/s · webasm f32');
  });
});
