// Turns the samples of one run into the Markdown report: medians per engine, ratios against transformers.js
// measured in the same run, the WebAssembly bandwidth ceilings, the issue's targets, and greedy agreement.
import { bytesPerToken, storedWeightBytes } from './model-bytes.mjs';
import { variantMismatch } from './relaxed-simd.mjs';
import { sampledDecode, sampledSection } from './report-sampled.mjs';
import { commonPrefix, fmt, median, ratio } from './stats.mjs';

const MB = 1e6;

/** Median figures of one engine over its successful rounds. */
function summarise(spec, samples) {
  const ok = samples.filter((s) => s.ok).map((s) => s.result);
  return {
    spec,
    rounds: ok.length,
    errors: samples.filter((s) => !s.ok).map((s) => s.error),
    ttftMs: median(ok.map((r) => r.ttftMs)),
    coldTtftMs: median(ok.map((r) => r.coldTtftMs)),
    // gpt2js: samples that compiled kernels, and samples that read every kernel from the cache
    coldCompiledMs: median(ok.filter((r) => r.kernelCache?.misses > 0).map((r) => r.coldTtftMs)),
    coldCachedMs: median(
      ok.filter((r) => r.kernelCache?.hits > 0 && r.kernelCache.misses === 0).map((r) => r.coldTtftMs),
    ),
    decode: median(ok.map((r) => r.decodeTokensPerSecond)),
    sampled: sampledDecode(ok),
    rss: median(ok.map((r) => r.peakRssBytes)),
    loadMs: median(ok.map((r) => r.loadMs)),
    perRound: ok.map((r) => r.decodeTokensPerSecond),
    ids: ok[0]?.ids,
    backendReason: ok[0]?.backendReason,
    deviceBytes: median(ok.map((r) => r.deviceBytes)),
    mismatch: variantMismatch(spec, ok),
  };
}

/** Ceiling tokens/s per storage from the median bandwidths (GB/s). */
function ceilings(cfg, bandwidth) {
  const out = {};
  for (const dtype of ['f32', 'f16', 'int8']) {
    const bytes = bytesPerToken(cfg, dtype);
    out[dtype] = { bytes, one: (bandwidth.one * 1e9) / bytes, two: (bandwidth.two * 1e9) / bytes };
  }
  return out;
}

/**
 * @param {object} run  { options, machine, cfg, exportStatus, gpt2jsStatus, probes, specs, samples: Map<id, sample[]>,
 *                        bandwidth: { one: number[], two: number[], byStreams?: object[] }, startedAt, finishedAt,
 *                        loadAverageEnd }
 * @returns {{ markdown: string, summary: object }}
 */
export function buildReport(run) {
  const { options: o, machine: m, cfg } = run;
  const rows = run.specs.map((spec) => summarise(spec, run.samples.get(spec.id) ?? []));
  const tjs = (dtype) =>
    rows.find((r) => r.spec.engine === 'transformers.js' && r.spec.dtype === dtype && r.rounds);
  const tjsFp32 = tjs('fp32');
  const tjsQ8 = tjs('q8');
  const bw = { one: median(run.bandwidth.one), two: median(run.bandwidth.two) };
  const ceil = ceilings(cfg, bw);
  const samePrecision = (r) => (r.spec.precision === 'int8' ? tjsQ8 : tjsFp32);
  const gptF32 = rows.find((r) => r.spec.engine === 'gpt2js' && r.spec.dtype === 'f32' && r.ids);
  const reference = tjsFp32?.ids ?? gptF32?.ids;
  const referenceName = tjsFp32 ? 'transformers.js fp32' : gptF32?.spec.id;
  // the table's backend column: the variant's label, and a warning where the samples did not get it
  const backendCell = (r) =>
    `${r.spec.label ?? r.spec.backend}${r.mismatch ? ' ⚠ **variant not honoured** (notes)' : ''}`;
  const L = [];

  L.push(`## gpt2js vs transformers.js: GPT-2 124M decoding on ${m.cores} CPU cores`);
  L.push('');
  L.push(
    `${run.startedAt.slice(0, 10)} (${run.startedAt.slice(11, 19)}–${run.finishedAt.slice(11, 19)} UTC) · ${m.cpu}, ${m.cores} cores, ` +
      `${fmt(m.memoryGiB, 0)} GiB · load average ${m.loadAverage.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${run.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at end · Node ${m.node} · ${m.platform}`,
  );
  L.push(
    `transformers.js ${m.transformersJs} (onnxruntime-node ${m.onnxruntimeNode}, device 'cpu') · gpu.js ${m.gpujs} · ` +
      `random weights of the GPT-2 124M shape, seed ${o.seed} · prompt ${o.promptTokens} tokens, greedy, batch 1, ` +
      `1 prefill token + ${o.decodeSteps} decode steps · ${o.rounds} interleaved round(s), medians · one process per sample`,
  );
  L.push('');
  L.push(
    '| engine | backend | weights | prefill: time to first token (ms) | decode (tokens/s) | decode vs tjs fp32 | decode vs tjs q8 | prefill vs tjs, same precision | % of ceiling 1T / 2T | peak RSS (MB) | load (s) | rounds |',
  );
  L.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const s = r.spec;
    if (!r.rounds) {
      L.push(
        `| ${s.engine} | ${backendCell(r)} | ${s.dtype} | failed: ${r.errors[0] ?? 'no sample'} | | | | | | | | 0 |`,
      );
      continue;
    }
    const c = ceil[s.precision];
    const same = samePrecision(r);
    L.push(
      `| ${s.engine} | ${backendCell(r)} | ${s.dtype} | ${fmt(r.ttftMs, 0)} | ${fmt(r.decode)} | ${ratio(r.decode, tjsFp32?.decode)} | ` +
        `${ratio(r.decode, tjsQ8?.decode)} | ${same && same !== r ? ratio(same.ttftMs, r.ttftMs) : '–'} | ` +
        `${fmt((100 * r.decode) / c.one, 0)} % / ${fmt((100 * r.decode) / c.two, 0)} % | ${fmt(r.rss / MB, 0)} | ${fmt(r.loadMs / 1000)} | ${r.rounds} |`,
    );
  }
  L.push('');
  L.push(
    'Ratios are tokens/s over tokens/s (decode) and time over time (prefill: transformers.js TTFT ÷ this TTFT), so > 1× means faster than transformers.js. ' +
      'Prefill compares f32 and f16 with fp32, int8 with q8. "% of ceiling" divides decode tokens/s by the bandwidth ceiling below for the same storage (q8 uses int8\'s).',
  );
  L.push('');

  L.push(...sampledSection(rows, o.sampledSteps, backendCell));

  L.push('### WebAssembly SIMD streaming-read ceiling (same run)');
  L.push('');
  L.push('| | 1 thread | 2 threads |');
  L.push('| --- | ---: | ---: |');
  L.push(`| bandwidth (GB/s), median of per-round bests | ${fmt(bw.one)} | ${fmt(bw.two)} |`);
  for (const dtype of ['f32', 'f16', 'int8']) {
    L.push(
      `| ${dtype}: ${fmt(ceil[dtype].bytes / MB, 0)} MB of matrices per token → tokens/s | ${fmt(ceil[dtype].one)} | ${fmt(ceil[dtype].two)} |`,
    );
  }
  L.push(
    `| per round (GB/s) | ${run.bandwidth.one.map((x) => fmt(x)).join(', ')} | ${run.bandwidth.two.map((x) => fmt(x)).join(', ')} |`,
  );
  // the read as 1, 2, 4 … streams side by side per thread: the ceiling is the fastest
  const perStreams = run.bandwidth.byStreams ?? [];
  const counts = [...new Set(perStreams.flatMap((r) => Object.keys(r)))].sort((a, b) => a - b);
  for (const n of counts) {
    const of = (key) => median(perStreams.map((r) => r[n]?.[key]).filter((x) => x !== undefined));
    L.push(
      `| ${n} stream${n === '1' ? '' : 's'} per thread (GB/s), median | ${fmt(of('oneThread'))} | ${fmt(of('twoThreads'))} |`,
    );
  }
  L.push('');
  if (counts.length > 1) {
    L.push(
      'The read loop runs once per stream count: its range as one sequential stream, or cut in equal parts read side by side; the ceiling is the fastest count in each round.',
    );
    L.push('');
  }

  // per backend variant (webasm and webasm+fma separately); a variant whose samples did not get what they
  // asked for is flagged in the target's name
  const targets = [];
  const gptRows = rows.filter((r) => r.spec.engine === 'gpt2js');
  for (const variant of [...new Set(gptRows.map((r) => r.spec.variant ?? r.spec.backend))]) {
    const g = (dtype) =>
      gptRows.find(
        (r) => (r.spec.variant ?? r.spec.backend) === variant && r.spec.dtype === dtype && r.rounds,
      );
    const flagged = (r) => (r.mismatch ? ' ⚠ variant not honoured' : '');
    const check = (name, value, goal, text, r) =>
      targets.push({ name: `${variant} ${name}${flagged(r)}`, value, goal, met: value >= goal, text });
    const i8 = g('int8');
    const f16 = g('f16');
    const f32 = g('f32');
    if (i8 && tjsQ8)
      check('int8 decode ≥ 1.2× tjs q8', i8.decode / tjsQ8.decode, 1.2, ratio(i8.decode, tjsQ8.decode), i8);
    if (i8)
      check(
        'int8 decode ≥ 60 % of int8 ceiling (2T)',
        i8.decode / ceil.int8.two,
        0.6,
        `${fmt((100 * i8.decode) / ceil.int8.two, 0)} %`,
        i8,
      );
    if (f16 && tjsFp32)
      check(
        'f16 decode ≥ 1.5× tjs fp32',
        f16.decode / tjsFp32.decode,
        1.5,
        ratio(f16.decode, tjsFp32.decode),
        f16,
      );
    if (f32 && tjsFp32)
      check(
        'f32 decode ≥ 0.9× tjs fp32',
        f32.decode / tjsFp32.decode,
        0.9,
        ratio(f32.decode, tjsFp32.decode),
        f32,
      );
    if (f32)
      check(
        'f32 decode ≥ 70 % of f32 ceiling (2T)',
        f32.decode / ceil.f32.two,
        0.7,
        `${fmt((100 * f32.decode) / ceil.f32.two, 0)} %`,
        f32,
      );
    for (const r of [f32, f16, i8].filter(Boolean)) {
      const same = samePrecision(r);
      if (same)
        check(
          `${r.spec.dtype} prefill ≥ 1.0× tjs ${same.spec.dtype}`,
          same.ttftMs / r.ttftMs,
          1,
          ratio(same.ttftMs, r.ttftMs),
          r,
        );
      const stored = storedWeightBytes(cfg, r.spec.dtype);
      targets.push({
        name: `${variant} ${r.spec.dtype} peak RSS ≤ 1.3× stored weights (${fmt(stored / MB, 0)} MB)${flagged(r)}`,
        met: r.rss <= 1.3 * stored,
        text: `${fmt(r.rss / MB, 0)} MB = ${fmt(r.rss / stored, 2)}×`,
      });
    }
  }
  if (targets.length) {
    L.push('### Targets (issue 13)');
    L.push('');
    L.push('| target | measured | met |');
    L.push('| --- | ---: | :---: |');
    for (const t of targets) L.push(`| ${t.name} | ${t.text} | ${t.met ? 'yes' : 'no'} |`);
    L.push('');
  }

  L.push('### Greedy agreement');
  L.push('');
  if (reference) {
    for (const r of rows.filter((x) => x.ids && (tjsFp32 || x !== gptF32))) {
      const n = commonPrefix(r.ids, reference);
      L.push(
        `- ${r.spec.id}: ${n === reference.length ? 'identical' : `first ${n} of ${reference.length} tokens equal`} to ${referenceName}`,
      );
    }
  } else {
    L.push('- no reference run completed');
  }
  // each relaxed-SIMD variant against the same storage without it: fused multiply-adds round once per term
  for (const r of rows.filter((x) => x.ids && x.spec.relaxedSimd === 'on')) {
    const plain = rows.find(
      (x) =>
        x.ids &&
        x.spec.relaxedSimd === 'off' &&
        x.spec.backend === r.spec.backend &&
        x.spec.dtype === r.spec.dtype,
    );
    if (!plain) continue;
    const n = commonPrefix(r.ids, plain.ids);
    L.push(
      `- ${r.spec.id} against ${plain.spec.id}: ${n === plain.ids.length ? 'identical' : `first ${n} of ${plain.ids.length} tokens equal`}`,
    );
  }
  L.push('');

  L.push('### Notes');
  L.push('');
  L.push(`- ONNX export: ${run.exportStatus}`);
  L.push(`- gpt2js: ${run.gpt2jsStatus}`);
  if (run.probes)
    L.push(
      `- Node backends probed: ${run.probes.map((p) => `${p.name} ${p.available ? 'available' : `unavailable (${p.reason})`}`).join('; ')}`,
    );
  if (run.relaxedSimdStatus) L.push(`- Relaxed SIMD: ${run.relaxedSimdStatus}`);
  for (const r of rows.filter((x) => x.mismatch))
    L.push(`- ⚠ ${r.spec.id}: variant not honoured: ${r.mismatch}; its figures are not that variant's`);
  for (const r of rows.filter((x) => x.backendReason))
    L.push(`- ${r.spec.id}: backend chosen because ${r.backendReason}`);
  const device = rows.filter((r) => Number.isFinite(r.deviceBytes));
  if (device.length) {
    L.push(
      `- gpt2js backend memory after the run (Backend.memory().bytes: weights, KV cache, live tensors) against stored weights: ${device
        .map(
          (r) =>
            `${r.spec.id} ${fmt(r.deviceBytes / MB, 0)} MB (${fmt(storedWeightBytes(cfg, r.spec.dtype) / MB, 0)} MB)`,
        )
        .join('; ')}`,
    );
  }
  for (const r of rows.filter((x) => x.errors.length))
    L.push(`- ${r.spec.id}: ${r.errors.length} failed sample(s): ${r.errors[0]}`);
  const measured = rows.filter((r) => r.rounds);
  if (measured.length) {
    const perRound = measured.map((r) => `${r.spec.id} ${r.perRound.map((x) => fmt(x)).join(', ')}`);
    L.push(`- decode tokens/s per round: ${perRound.join('; ')}`);
    const cold = measured.map((r) =>
      Number.isFinite(r.coldCompiledMs) || Number.isFinite(r.coldCachedMs)
        ? `${r.spec.id} ${fmt(r.coldCompiledMs, 0)} (kernels compiled) / ${fmt(r.coldCachedMs, 0)} (kernels read from the cache)`
        : `${r.spec.id} ${fmt(r.coldTtftMs, 0)}`,
    );
    L.push(
      `- cold time to first token (a process's first call: kernels compiled or read back, session warmed), median ms: ${cold.join('; ')}`,
    );
  }
  const settings = [
    ['BENCH_ROUNDS', o.rounds],
    ['BENCH_BACKENDS', o.backends.join(',')],
    ['BENCH_DTYPES', o.dtypes.join(',')],
    ['BENCH_RELAXED_SIMD', o.relaxedSimd],
    ['BENCH_TJS_DTYPES', o.tjsDtypes.join(',')],
    ['BENCH_ENGINES', o.engines.join(',')],
    ['BENCH_PROMPT_TOKENS', o.promptTokens],
    ['BENCH_DECODE_TOKENS', o.decodeSteps],
    ['BENCH_SEED', o.seed],
  ];
  L.push(
    `- Command: \`${settings.map(([k, v]) => `${k}=${v}`).join(' ')} pnpm --filter @gpt2js/bench bench\` ` +
      '(the defaults are what `pnpm bench` at the root runs)',
  );
  L.push('');
  return { markdown: L.join('\n'), summary: { rows, bandwidth: bw, ceilings: ceil, targets } };
}
