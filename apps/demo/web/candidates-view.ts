// Probability bars of the most likely next tokens at the current generation step.
import { visibleToken } from './token-text.js';

/** One candidate: its text, its probability and whether it was the token taken. */
export interface Candidate {
  id: number;
  text: string;
  p: number;
  chosen: boolean;
}

/** Replaces the content of `container` (a 3-column grid) with one bar per candidate. */
export function renderCandidates(container: HTMLElement, candidates: readonly Candidate[]): void {
  const max = Math.max(1e-9, ...candidates.map((c) => c.p));
  const nodes: HTMLElement[] = [];
  for (const c of candidates) {
    const token = document.createElement('span');
    token.className = 'cand-token';
    token.textContent = visibleToken(c.text);
    token.title = `id ${c.id}`;
    const track = document.createElement('div');
    const bar = document.createElement('div');
    bar.className = c.chosen ? 'cand-bar chosen' : 'cand-bar';
    bar.style.width = `${Math.max(0.5, (100 * c.p) / max)}%`;
    track.append(bar);
    const p = document.createElement('span');
    p.className = 'cand-p';
    p.textContent = c.p >= 0.001 ? `${(100 * c.p).toFixed(1)}%` : `${(100 * c.p).toExponential(0)}%`;
    nodes.push(token, track, p);
  }
  container.replaceChildren(...nodes);
}
