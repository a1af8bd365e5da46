// The demo page's controller: loads a model (the embedded one from this page's origin, or a hub id)
// on the backend @gpt2js/tensor picks, generates with the chosen parameters, streams the text, and
// shows candidates, attention, config and modules. Plain DOM, no framework.
import { formatError } from '../src/errors.js';
import { topProbabilities } from '../src/logits.js';
import { parseModuleTree } from '../src/module-tree.js';
import { formatBytes, type ProgressEvent } from '../src/progress.js';
import {
  computeAttentions,
  encodePrompt,
  type LoadedModel,
  loadModel,
  runGeneration,
} from '../src/runner.js';
import { AttentionView } from './attention-view.js';
import { type Candidate, renderCandidates } from './candidates-view.js';
import { renderModuleTree } from './module-tree-view.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);

type PageState = 'idle' | 'loading' | 'ready' | 'generating' | 'done' | 'error';
let loaded: LoadedModel | undefined;
let running: AbortController | undefined;

function setState(state: PageState, message = ''): void {
  document.body.dataset.state = state;
  const status = $('status');
  status.textContent = message;
  status.classList.toggle('error', state === 'error');
  $<HTMLButtonElement>('generate').disabled = state === 'loading' || state === 'generating' || !loaded;
  $<HTMLButtonElement>('stop').disabled = state !== 'generating';
  $<HTMLButtonElement>('load').disabled = state === 'loading' || state === 'generating';
}

function modelSource(): string {
  if ($<HTMLSelectElement>('source-kind').value === 'hub') return input('hub-id').value.trim();
  return new URL('models/gpt2-tiny', document.baseURI).href;
}

/** Aggregates per-file download progress into one bar. */
function progressHandler(): (e: ProgressEvent) => void {
  const files = new Map<string, { loaded: number; total: number }>();
  const fill = $('progress-fill');
  const text = $('progress-text');
  return (e) => {
    if (e.phase === 'download') {
      files.set(e.file, { loaded: e.loaded, total: e.total ?? e.loaded });
      let got = 0;
      let total = 0;
      for (const f of files.values()) {
        got += f.loaded;
        total += f.total;
      }
      fill.style.width = `${total > 0 ? (100 * got) / total : 0}%`;
      text.textContent = `downloading ${e.file}: ${formatBytes(got)} / ${formatBytes(total)}`;
    } else {
      fill.style.width = `${e.total > 0 ? (100 * e.loaded) / e.total : 100}%`;
      text.textContent = `loading weights onto the backend: ${Math.round((100 * e.loaded) / Math.max(1, e.total))}%`;
    }
  };
}

function showBackend(model: LoadedModel): void {
  const report = model.backend;
  const badge = $('backend');
  badge.textContent = `backend: ${report.name}`;
  badge.classList.toggle('fallback', report.skipped.length > 0);
  const skipped = report.skipped.map((s) => `${s.name} skipped (${s.reason})`).join('; ');
  const reason = `${report.name}: ${report.reason}${skipped ? `. ${skipped}` : ''}`;
  badge.title = reason;
  $('backend-reason').textContent = reason;
  $('stats-backend').textContent = `${report.name} · ${model.dtype}`;
}

async function load(): Promise<void> {
  running?.abort();
  loaded?.model.dispose();
  loaded = undefined;
  setState('loading', 'loading the model…');
  $('progress-fill').style.width = '0';
  const started = performance.now();
  try {
    loaded = await loadModel(modelSource(), {
      backend: $<HTMLSelectElement>('backend-choice').value as 'auto',
      dtype: $<HTMLSelectElement>('dtype').value as 'f32',
      kvCacheDtype: $<HTMLSelectElement>('kv-cache').value as 'f32',
      onProgress: progressHandler(),
    });
  } catch (e) {
    $('progress-text').textContent = 'load failed';
    setState('error', formatError(e).replace(/^gpt2js: /, ''));
    return;
  }
  $('progress-fill').style.width = '100%';
  const params = loaded.model.numParameters();
  $('progress-text').textContent =
    `loaded ${params.toLocaleString('en-US')} parameters in ${Math.round(performance.now() - started)} ms`;
  showBackend(loaded);
  $('config').textContent = String(loaded.model.config);
  $('param-count').textContent = `${params.toLocaleString('en-US')} parameters`;
  renderModuleTree($('module-tree'), parseModuleTree(loaded.model.toString()));
  setState('ready', 'ready');
}

function generationOptions(model: LoadedModel) {
  const number = (id: string) => input(id).valueAsNumber;
  const greedy = input('greedy').checked;
  const seed = input('seed').value.trim();
  return {
    ...model.generationConfig,
    max_length: undefined,
    max_new_tokens: number('max-new-tokens'),
    do_sample: !greedy,
    ...(greedy ? {} : { temperature: number('temperature'), top_k: number('top-k'), top_p: number('top-p') }),
    repetition_penalty: number('repetition-penalty'),
    ...(seed === '' ? {} : { seed: Number(seed) }),
    eos_token_id: model.generationConfig.eos_token_id ?? model.model.config.eos_token_id ?? undefined,
    on_context_overflow: 'stop' as const,
  };
}

async function generate(): Promise<void> {
  const model = loaded;
  if (!model) return;
  const controller = new AbortController();
  running = controller;
  const attention = attentionView;
  attention.clear();
  const prompt = input('prompt').value;
  const generated = $('generated');
  $('prompt-echo').textContent = prompt;
  generated.textContent = '';
  $('ttft').textContent = '–';
  $('tokens-per-second').textContent = '–';
  setState('generating', 'generating…');
  try {
    const options = generationOptions(model);
    const promptIds = encodePrompt(model.tokenizer, prompt);
    const temperature = options.do_sample ? (options.temperature ?? 1) : 1;
    // The bars show the latest step when the page can paint (a few times a generation: the loop yields to
    // the browser only now and then), so they are computed for that step only, and once more at the end.
    let latest: { logits: Float32Array; step: number; chosen?: number } | undefined;
    let frame = 0;
    const drawCandidates = () => {
      frame = 0;
      if (!latest) return;
      const { logits, step, chosen } = latest;
      const candidates: Candidate[] = topProbabilities(logits, 10, temperature).map(({ id, p }) => ({
        id,
        p,
        text: model.tokenizer.decode([id]),
        chosen: id === chosen,
      }));
      $('candidates-step').textContent =
        `step ${step + 1}${temperature !== 1 ? `, temperature ${temperature}` : ''}`;
      renderCandidates($('candidates'), candidates);
    };
    const outcome = await runGeneration(model, promptIds, options, {
      signal: controller.signal,
      onText: (text, row) => {
        if (row === 0) generated.append(text);
      },
      onLogits: (logits, step) => {
        latest = { logits, step };
      },
      onStep: (e) => {
        if (latest) latest.chosen = e.ids?.[0];
        if (!frame) frame = requestAnimationFrame(drawCandidates);
      },
    });
    if (frame) cancelAnimationFrame(frame);
    drawCandidates();
    $('ttft').textContent = `${Math.round(outcome.timeToFirstTokenMs)} ms`;
    $('tokens-per-second').textContent =
      outcome.tokensPerSecond > 0 ? outcome.tokensPerSecond.toFixed(1) : '–';
    const bos = [options.bos_token_id ?? [options.eos_token_id ?? 50256].flat()[0]];
    const context = promptIds.length > 0 ? promptIds : bos;
    const ids = [...context, ...(outcome.sequences[0]?.ids ?? [])];
    setState('generating', 'computing attention…');
    const layers = await computeAttentions(model.model, ids);
    attention.show({
      tokens: ids.map((id) => model.tokenizer.decode([id])),
      promptLength: context.length,
      nHead: model.model.config.n_head,
      layers,
    });
    const tokens = outcome.sequences[0]?.ids.length ?? 0;
    setState(
      'done',
      `${outcome.finishReason === 'aborted' ? 'stopped' : 'done'}: ${tokens} tokens (${outcome.finishReason})`,
    );
  } catch (e) {
    setState('error', formatError(e).replace(/^gpt2js: /, ''));
  } finally {
    if (running === controller) running = undefined;
  }
}

const attentionView = new AttentionView({
  layer: $<HTMLSelectElement>('attn-layer'),
  head: $<HTMLSelectElement>('attn-head'),
  canvas: $<HTMLCanvasElement>('heatmap'),
  thumbs: $('head-thumbs'),
  tokens: $('tokens'),
  hover: $('attn-hover'),
});

$('source-kind').addEventListener('change', () => {
  $('hub-id-label').hidden = $<HTMLSelectElement>('source-kind').value !== 'hub';
});
input('greedy').addEventListener('change', () => {
  for (const id of ['temperature', 'top-k', 'top-p']) input(id).disabled = input('greedy').checked;
});
$('load').addEventListener('click', () => void load());
$('generate').addEventListener('click', () => void generate());
$('stop').addEventListener('click', () => running?.abort());

const preset = new URLSearchParams(location.search).get('backend');
if (preset) $<HTMLSelectElement>('backend-choice').value = preset;
setState('idle');
void load();
