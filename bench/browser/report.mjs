// Turns the samples of one browser run into the Markdown report: one row per model × backend × storage
// (medians over rounds), ratios against the webasm row of the same run, greedy agreement with webasm f32,
// and every failure as a row with its reason, never a missing line.
import { commonPrefix, fmt, median, ratio } from '../lib/stats.mjs';

/** Median figures of one spec over its successful samples, plus what failed. */
function summarise(spec, samples) {
  const ok = samples.filter((s) => s.ok);
  const first = ok[0] ?? samples[0];
  return {
    spec,
    rounds: ok.length,
    tried: samples.length,
    failures: samples.filter((s) => !s.ok),
    used: first?.report?.name,
    report: first?.report,
    env: first?.env,
    gpu: first?.gpu,
    workersStarted: first?.workersStarted,
    kernelCache: ok[0]?.kernelCache,
    loadMs: median(ok.map((s) => s.loadMs)),
    coldTtftMs: median(ok.map((s) => s.coldTtftMs)),
    ttftMs: median(ok.map((s) => s.ttftMs)),
    decode: median(ok.map((s) => s.decodeTokensPerSecond)),
    sampled: median(ok.map((s) => s.sampledDecodeTokensPerSecond).filter(Number.isFinite)),
    perRound: ok.map((s) => s.decodeTokensPerSecond),
    ids: ok[0]?.ids,
  };
}

const cell = (text, max = 140) => {
  const t = String(text).replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

// webasm's kernel cache in the first sample: each sample's fresh profile has an empty IndexedDB, so all compile
function kernelsCell(stats) {
  return stats ? `: ${stats.misses} compiled, ${stats.hits} read back from IndexedDB` : '';
}

function usedCell(r) {
  if (!r.used) return '–';
  return r.used === r.spec.backend ? r.used : `**${r.used} (requested ${r.spec.backend}: fell back)**`;
}

// The thread count as the webasm backend states it in its report ("2 threads over shared …", "1 thread (…)")
function reportedThreads(reason) {
  return /(?:^|; )(\d+ threads?)\b/.exec(reason ?? '')?.[1];
}

function isolationCell(r) {
  if (!r.env) return '–';
  const coi = r.env.crossOriginIsolated ? 'yes' : '**no**';
  if (r.spec.backend !== 'webasm') return coi;
  const threads = reportedThreads(r.report?.reason) ?? 'threads not stated';
  const workers = `${r.workersStarted ?? 0} worker${r.workersStarted === 1 ? '' : 's'} started`;
  return `${coi} · ${threads} · ${workers} · ${r.env.hardwareConcurrency} cores`;
}

function statusCell(r) {
  if (r.rounds === r.tried) return r.rounds > 1 ? `ok (${r.rounds} rounds)` : 'ok';
  const why = r.failures[0]?.error ?? 'not run';
  return r.rounds > 0 ? `ok ${r.rounds}/${r.tried}; ${cell(why)}` : cell(why);
}

/**
 * @param {object} run { options, machine, chromium, userAgent, reproduce, specs, samples: Map<id, sample[]>,
 *                       startedAt, finishedAt, loadAverageEnd }
 * @returns {string} Markdown
 */
export function buildReport(run) {
  const { options: o, machine: m } = run;
  const rows = run.specs.map((spec) => summarise(spec, run.samples.get(spec.id) ?? []));
  const find = (model, backend, dtype) =>
    rows.find(
      (r) => r.spec.model === model && r.spec.backend === backend && r.spec.dtype === dtype && r.rounds,
    );
  const L = [];
  L.push(`## gpt2js in headless Chromium: greedy and sampled decoding per backend`);
  L.push('');
  L.push(
    `${run.startedAt.slice(0, 10)} (${run.startedAt.slice(11, 19)}–${run.finishedAt.slice(11, 19)} UTC) · ` +
      `Chromium ${run.chromium} · ${m.cpu}, ${m.cores} cores, load average ${m.loadAverage.map((x) => x.toFixed(2)).join(' ')} ` +
      `at the start, ${run.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at the end · ${m.platform} · Node ${m.node} · gpu.js ${m.gpujs}`,
  );
  L.push('');
  L.push(
    `Workload: ${o.promptTokens}-token seeded prompt (bench/lib/workload.mjs), batch 1, greedy; TTFT = prefill + first token, ` +
      `decode = ${o.decodeSteps} more tokens through the KV cache; then ${o.sampledSteps} tokens sampled with top-k 50 ` +
      `(sampled tok/s; a warmer run than the greedy one). Warm-up of ${o.warmupSteps} tokens first in the same page; ` +
      `fresh browser and profile per sample; ${o.rounds} round(s), medians.`,
  );
  L.push('');
  L.push(
    '| model | dtype | requested | backend used | cross-origin isolated · webasm threads | load s | TTFT ms | decode tok/s | decode vs webasm | sampled tok/s | greedy = webasm f32 | status |',
  );
  L.push('|---|---|---|---|---|--:|--:|--:|--:|--:|--:|---|');
  for (const r of rows) {
    const base = find(r.spec.model, 'webasm', r.spec.dtype);
    const ref = find(r.spec.model, 'webasm', 'f32');
    let agree = '–';
    if (r.ids && ref?.ids)
      agree =
        r === ref ? 'reference' : `${commonPrefix(r.ids, ref.ids)}/${Math.min(r.ids.length, ref.ids.length)}`;
    L.push(
      `| ${r.spec.model} | ${r.spec.dtype} | ${r.spec.backend} | ${usedCell(r)} | ${isolationCell(r)} | ${fmt(r.loadMs / 1000)} | ` +
        `${fmt(r.ttftMs, 0)} | ${fmt(r.decode, 2)} | ${base && r.rounds ? ratio(r.decode, base.decode) : '–'} | ` +
        `${Number.isFinite(r.sampled) ? fmt(r.sampled, 2) : '–'} | ${agree} | ${statusCell(r)} |`,
    );
  }
  L.push('');
  L.push('### Backends, devices and failures');
  L.push('');
  for (const r of rows) {
    const head = `- **${r.spec.id}**`;
    if (r.report) {
      const skipped = r.report.skipped.map((s) => `${s.name} skipped (${s.reason})`).join('; ');
      L.push(`${head}: ${r.report.name}: ${r.report.reason}${skipped ? `. ${skipped}` : ''}.`);
    } else L.push(`${head}: no backend was created.`);
    if (r.gpu && r.spec.backend === 'webgpu') L.push(`  - WebGPU adapter: ${r.gpu.webgpu}`);
    if (r.gpu && r.spec.backend.startsWith('webgl')) L.push(`  - WebGL2 renderer: ${r.gpu.webgl2}`);
    if (r.rounds)
      L.push(
        `  - cold TTFT (warm-up, compiles the kernels${kernelsCell(r.kernelCache)}) ${fmt(r.coldTtftMs, 0)} ms; decode per round ${r.perRound.map((x) => fmt(x, 2)).join(', ')} tok/s`,
      );
    for (const f of r.failures) L.push(`  - round ${f.round}: ${f.error}`);
  }
  L.push('');
  L.push('### Reading it');
  L.push('');
  L.push(
    '- On a machine without a GPU, Chromium runs WebGPU and WebGL2 on SwiftShader (the devices above): the GPU emulated on the CPU. ' +
      'Those rows measure the code path, not GPU speed; they are here to be compared with the same command on a machine with a real GPU.',
  );
  L.push(
    '- _decode vs webasm_ divides tokens/s by the webasm row of the same model and storage, measured in this run: above 1× beats webasm.',
  );
  L.push(
    '- _greedy = webasm f32_: leading generated ids shared with webasm f32 (out of prompt-first token + decode steps). ' +
      'f32 on another backend should agree up to near-ties; f16/int8 round differently and may diverge on random weights.',
  );
  L.push(
    '- webasm threads need SharedArrayBuffer, so a cross-origin isolated page (COOP/COEP); _N threads_ is what the backend ' +
      'reports (its reason, above), _workers started_ counts the Web Workers the page actually constructed, ' +
      '_cores_ is navigator.hardwareConcurrency.',
  );
  L.push('');
  L.push(`Reproduce (from the repository root): \`${run.reproduce}\``);
  L.push('');
  L.push(`User agent: ${run.userAgent ?? 'unknown'}`);
  return `${L.join('\n')}\n`;
}
