// The report's section on sampled decoding: each engine's tokens/s when it samples the way both libraries
// do by default (top-k 50, lib/workload.mjs SAMPLING), against transformers.js sampling in the same run.
import { fmt, median, ratio } from './stats.mjs';

/** Median sampled decode tokens/s of one engine's samples (undefined when they did not sample). */
export function sampledDecode(okResults) {
  const values = okResults.map((r) => r.sampledDecodeTokensPerSecond).filter(Number.isFinite);
  return values.length ? median(values) : undefined;
}

/**
 * Markdown lines, or none when no sample sampled. `rows`: the report's summaries ({ spec, rounds, sampled }).
 */
export function sampledSection(rows, sampledSteps, backendCell) {
  const measured = rows.filter((r) => r.rounds && r.sampled !== undefined);
  if (!measured.length) return [];
  const tjs = (dtype) =>
    measured.find((r) => r.spec.engine === 'transformers.js' && r.spec.dtype === dtype)?.sampled;
  const L = [
    `### Sampled decoding (top-k 50, ${sampledSteps} tokens)`,
    '',
    '| engine | backend | weights | sampled decode (tokens/s) | vs tjs fp32 sampling | vs tjs q8 sampling |',
    '| --- | --- | --- | ---: | ---: | ---: |',
  ];
  for (const r of measured) {
    L.push(
      `| ${r.spec.engine} | ${backendCell(r)} | ${r.spec.dtype} | ${fmt(r.sampled)} | ${ratio(r.sampled, tjs('fp32'))} | ${ratio(r.sampled, tjs('q8'))} |`,
    );
  }
  L.push(
    '',
    "Each sample process runs this after its greedy workload, so both engines' figures here are a little warmer " +
      'than the greedy ones (a process decodes faster on its third generation than on its second): compare the ' +
      "engines with each other in this table, not with the greedy column. gpt2js samples through @gpt2js/sampling's " +
      '`runGeneration` (seeded), transformers.js through `generate` (its MultinomialSampler).',
    '',
  );
  return L;
}
