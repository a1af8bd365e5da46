// The attention heatmap: for one layer and head, the [T, T] attention probabilities over the whole
// text (prompt + generated), the selected query token outlined; thumbnails of every head of the
// layer; and the tokens as chips shaded by how much the selected token attended to each.
import { visibleToken } from './token-text.js';

/** Attention of one forward pass over the whole text. */
export interface AttentionData {
  tokens: string[]; // T token texts
  promptLength: number; // the first promptLength tokens are the prompt
  nHead: number;
  layers: Float32Array[]; // per layer: [nHead, T, T] row-major, row = query, column = key
}

// Sequential blues, light → dark.
const STOPS = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

/** The heatmap colour of an attention weight in [0, 1] (square-root scale, so small weights show). */
export function heatColor(weight: number): [number, number, number] {
  const x = Math.sqrt(Math.min(1, Math.max(0, weight))) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

function drawMatrix(
  canvas: HTMLCanvasElement,
  data: Float32Array,
  offset: number,
  t: number,
  query: number,
  sizePx: number,
): void {
  const cell = Math.max(1, Math.floor(sizePx / t));
  const size = cell * t;
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(size, size);
  for (let q = 0; q < t; q++) {
    for (let k = 0; k < t; k++) {
      const [r, g, b] = k > q ? [236, 238, 242] : heatColor(data[offset + q * t + k]);
      for (let y = q * cell; y < (q + 1) * cell; y++) {
        for (let x = k * cell; x < (k + 1) * cell; x++) {
          const at = (y * size + x) * 4;
          image.data[at] = r;
          image.data[at + 1] = g;
          image.data[at + 2] = b;
          image.data[at + 3] = 255;
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  if (query >= 0) {
    ctx.strokeStyle = '#d33f2f';
    ctx.lineWidth = Math.max(1, Math.min(3, cell / 3));
    ctx.strokeRect(0.5, query * cell + 0.5, size - 1, Math.max(1, cell - 1));
  }
}

/** Owns the attention card: layer/head selects, heatmap canvas, head thumbnails and token chips. */
export class AttentionView {
  private data: AttentionData | undefined;
  private layer = 0;
  private head = 0;
  private query = -1;

  constructor(
    private readonly els: {
      layer: HTMLSelectElement;
      head: HTMLSelectElement;
      canvas: HTMLCanvasElement;
      thumbs: HTMLElement;
      tokens: HTMLElement;
      hover: HTMLElement;
    },
  ) {
    els.layer.addEventListener('change', () => this.select(Number(els.layer.value), this.head, this.query));
    els.head.addEventListener('change', () => this.select(this.layer, Number(els.head.value), this.query));
    els.canvas.addEventListener('mousemove', (e) => this.hover(e));
    els.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e);
      if (cell) this.select(this.layer, this.head, cell.q);
    });
  }

  /** Shows new data; selects the last token (the one that produced the final prediction). */
  show(data: AttentionData): void {
    this.data = data;
    const options = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => new Option(`${prefix} ${i}`, String(i)));
    this.els.layer.replaceChildren(...options(data.layers.length, 'layer'));
    this.els.head.replaceChildren(...options(data.nHead, 'head'));
    this.select(
      Math.min(this.layer, data.layers.length - 1),
      Math.min(this.head, data.nHead - 1),
      data.tokens.length - 1,
    );
  }

  /** Clears the card (a new generation started). */
  clear(): void {
    this.data = undefined;
    this.els.tokens.replaceChildren();
    this.els.thumbs.replaceChildren();
    this.els.canvas.getContext('2d')?.clearRect(0, 0, this.els.canvas.width, this.els.canvas.height);
  }

  /** Selects a layer, a head and a query token, and redraws. */
  select(layer: number, head: number, query: number): void {
    const data = this.data;
    if (!data) return;
    this.layer = layer;
    this.head = head;
    this.query = query;
    this.els.layer.value = String(layer);
    this.els.head.value = String(head);
    const t = data.tokens.length;
    drawMatrix(this.els.canvas, data.layers[layer], head * t * t, t, query, 420);
    this.drawThumbs(data, t);
    this.drawTokens(data, t);
  }

  private drawThumbs(data: AttentionData, t: number): void {
    const figures = Array.from({ length: data.nHead }, (_, h) => {
      const figure = document.createElement('figure');
      figure.className = h === this.head ? 'selected' : '';
      const canvas = document.createElement('canvas');
      drawMatrix(canvas, data.layers[this.layer], h * t * t, t, -1, 64);
      const caption = document.createElement('figcaption');
      caption.textContent = `head ${h}`;
      figure.append(canvas, caption);
      figure.addEventListener('click', () => this.select(this.layer, h, this.query));
      return figure;
    });
    this.els.thumbs.replaceChildren(...figures);
  }

  private drawTokens(data: AttentionData, t: number): void {
    const row = data.layers[this.layer].subarray(
      (this.head * t + this.query) * t,
      (this.head * t + this.query + 1) * t,
    );
    let max = 1e-9;
    for (let k = 0; k <= this.query; k++) max = Math.max(max, row[k]);
    const chips = data.tokens.map((text, k) => {
      const chip = document.createElement('span');
      chip.className = `tok${k >= data.promptLength ? ' generated' : ''}${k === this.query ? ' selected' : ''}`;
      chip.textContent = visibleToken(text);
      const w = k <= this.query ? row[k] : 0;
      const [r, g, b] = heatColor(w / max);
      chip.style.background = `rgb(${r}, ${g}, ${b})`;
      chip.style.color = w / max > 0.45 ? '#fff' : '';
      chip.title =
        k <= this.query ? `attention ${(100 * w).toFixed(1)}%` : 'after the selected token (masked)';
      chip.addEventListener('click', () => this.select(this.layer, this.head, k));
      return chip;
    });
    this.els.tokens.replaceChildren(...chips);
  }

  private cellAt(e: MouseEvent): { q: number; k: number } | undefined {
    const data = this.data;
    if (!data) return undefined;
    const rect = this.els.canvas.getBoundingClientRect();
    const t = data.tokens.length;
    const k = Math.floor(((e.clientX - rect.left) / rect.width) * t);
    const q = Math.floor(((e.clientY - rect.top) / rect.height) * t);
    return q >= 0 && q < t && k >= 0 && k < t ? { q, k } : undefined;
  }

  private hover(e: MouseEvent): void {
    const data = this.data;
    const cell = this.cellAt(e);
    if (!data || !cell) return;
    const t = data.tokens.length;
    const w = cell.k <= cell.q ? data.layers[this.layer][(this.head * t + cell.q) * t + cell.k] : 0;
    this.els.hover.textContent = `${visibleToken(data.tokens[cell.q])} → ${visibleToken(data.tokens[cell.k])}: ${(100 * w).toFixed(1)}%`;
  }
}
