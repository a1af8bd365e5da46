// The main job of `gpt2js`: tokenizer first (to check the prompt against the context before the
// weights load), then the model, then generation streamed to stdout (or one JSON object), timings
// on stderr.
import { GPT2Config } from '@gpt2js/gpt2';
import { DemoError } from './errors.js';
import { planGenerationOptions } from './generation-options.js';
import { shapeJsonOutput } from './json-output.js';
import type { ResolvedSource } from './model-source.js';
import type { CliOptions } from './options.js';
import { formatStats, ProgressReporter } from './progress.js';
import {
  computePromptLogprob,
  encodePrompt,
  type GenerationOutcome,
  loadModel,
  loadTokenizerFor,
  runGeneration,
} from './runner.js';

/** `backend webasm (auto: webgpu, webgl2 unavailable)`: the backend in use, and the better ones skipped. */
function backendLine(name: string, skipped: readonly { name: string }[]): string {
  return `backend ${name}${skipped.length > 0 ? ` (auto: ${skipped.map((s) => s.name).join(', ')} unavailable)` : ''}`;
}

/** Runs one generation as the command line asks; resolves with the exit status. */
export async function runGenerateCommand(
  options: CliOptions,
  resolved: ResolvedSource,
  prompt: string,
): Promise<number> {
  const progress = new ProgressReporter(process.stderr);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const tokenizer = await loadTokenizerFor(resolved.source, { onProgress: (e) => progress.update(e) });
  const promptIds = encodePrompt(tokenizer, prompt);
  const context = (await GPT2Config.fromPretrained(resolved.source)).n_positions;
  if (promptIds.length >= context) {
    throw new DemoError(
      'prompt_too_long',
      `the prompt is ${promptIds.length} tokens and the model's context holds ${context} (n_positions) with room for at least 1 new token: shorten the prompt`,
    );
  }
  const loaded = await loadModel(
    resolved.source,
    {
      backend: options.backend,
      dtype: options.dtype,
      kvCacheDtype: options.kvCache,
      onProgress: (e) => progress.update(e),
      signal: controller.signal,
    },
    tokenizer,
  );
  progress.clear();
  const { model } = loaded;
  try {
    const report = loaded.backend;
    process.stderr.write(
      `${model.numParameters().toLocaleString('en-US')} parameters, ${loaded.dtype} weights, loaded in ${Math.round(loaded.loadMs)} ms; ${backendLine(report.name, report.skipped)}\n`,
    );
    const plan = planGenerationOptions(options, loaded.generationConfig, {
      promptLength: promptIds.length,
      context,
      eos: model.config.eos_token_id,
    });
    if (plan.note) process.stderr.write(`${plan.note}\n`);

    const steps: [number, number][][] = [];
    const streaming = !options.json && options.numReturnSequences === 1;
    let last = prompt;
    if (streaming) process.stdout.write(prompt);
    const outcome: GenerationOutcome = await runGeneration(loaded, promptIds, plan.options, {
      signal: controller.signal,
      onText: (text, row) => {
        if (!streaming || row !== 0) return;
        process.stdout.write(text);
        last = text;
      },
      onStep: options.json
        ? (e) => {
            const top = e.topk[0];
            steps.push(Array.from(top.indices, (id, i) => [id, top.values[i]] as [number, number]));
          }
        : undefined,
    });

    if (options.json) {
      const logprob = await computePromptLogprob(model, promptIds);
      const json = shapeJsonOutput({
        prompt,
        promptIds,
        sequences: outcome.sequences,
        promptLogprob: logprob,
        steps: steps.slice(0, outcome.sequences[0]?.ids.length ?? 0),
        backend: report.name,
        dtype: loaded.dtype,
        finishReason: outcome.finishReason,
        timings: {
          loadMs: loaded.loadMs,
          prefillMs: outcome.timeToFirstTokenMs,
          decodeTokensPerS: outcome.tokensPerSecond,
        },
      });
      process.stdout.write(`${JSON.stringify(json)}\n`);
    } else if (streaming) {
      if (!last.endsWith('\n')) process.stdout.write('\n');
    } else {
      outcome.sequences.forEach((s, i) => {
        process.stdout.write(
          `--- sequence ${i + 1} of ${outcome.sequences.length} ---\n${prompt}${s.text}\n`,
        );
      });
    }
    const seed =
      outcome.seed !== undefined && !options.greedy && options.seed === undefined
        ? ` · seed ${outcome.seed}`
        : '';
    const stopped = outcome.finishReason === 'aborted' ? ' · stopped' : '';
    process.stderr.write(
      `${formatStats({
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        tokensPerSecond: outcome.tokensPerSecond,
        generatedTokens: outcome.generatedTokens,
        backend: report.name,
        dtype: loaded.dtype,
      })}${seed}${stopped}\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    model.dispose();
  }
}
