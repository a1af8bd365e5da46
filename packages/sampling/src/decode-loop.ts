// The token-by-token loop for greedy decoding and multinomial sampling (num_return_sequences rows).
// Per step: read what is needed of the logits (the argmax alone when no processor can change it),
// process, choose, report, stop rows on EOS / stop string / length, then feed the chosen ids back.

import { candidateRow, type RowTop } from './candidates.js';
import { SamplingError } from './errors.js';
import type { FinishReason, GenerationHooks, GenerationResult, TokenEvent } from './events.js';
import { allFilteredError, checkFinite, checkStepLogitsShape } from './logits-checks.js';
import { argmax, topkHost } from './math.js';
import type { GenerationConfig } from './options/generation-options.js';
import { sampling } from './options/validate.js';
import type { GenerationPlan } from './plan.js';
import { buildLogitsPipeline } from './processors/pipeline.js';
import type { ProcessorContext } from './processors/types.js';
import { createRng, randomSeed } from './rng.js';
import { sampleFromLogits } from './select.js';
import { RunClock } from './stats.js';
import { TextStream } from './text-stream.js';
import type { CausalLM, StepLogits } from './types.js';

/** Everything a loop needs, validated. */
export interface RunSetup {
  readonly model: CausalLM;
  readonly plan: GenerationPlan;
  readonly config: GenerationConfig;
  readonly hooks: GenerationHooks;
  readonly stepTopK: number;
}

interface Row {
  readonly ids: number[];
  readonly generated: number[];
  readonly stream: TextStream | undefined;
  finish: FinishReason | undefined;
}

/** Greedy (argmax, ties → lowest id) or sampling (seeded SplitMix64, float64 softmax CDF). */
export async function* greedyOrSample(setup: RunSetup): AsyncGenerator<TokenEvent, GenerationResult> {
  const { model, plan, config, hooks } = setup;
  const clock = new RunClock();
  const doSample = sampling(config);
  const batch = doSample ? config.num_return_sequences : 1;
  const seed = doSample ? (config.seed ?? randomSeed()) : undefined;
  const rng = seed === undefined ? undefined : createRng(seed);
  const promptLength = plan.prompt.length;
  const pipeline = buildLogitsPipeline(config, { sampling: doSample, promptLength, minTokensToKeep: 1 });
  const eos = new Set(config.eos_token_id);
  const pad = config.pad_token_id ?? config.eos_token_id[0] ?? 0;
  const rows: Row[] = Array.from({ length: batch }, () => ({
    ids: [...plan.prompt],
    generated: [],
    stream: hooks.decode ? new TextStream(hooks.decode, config.stop_strings) : undefined,
    finish: undefined,
  }));
  const contexts: ProcessorContext[] = rows.map((row) => ({
    inputIds: row.ids,
    promptLength,
    maxLength: plan.maxLength,
  }));

  // Choosing from the top candidates (candidates.ts): ids chosen at `step`, or undefined when the whole
  // row must be read (no top_k when sampling, a step that may raise a logit, a tie at the k-th).
  const fromCandidates = async (
    logits: StepLogits,
    step: number,
    live: boolean[],
  ): Promise<{ ids: number[]; topk: RowTop[] } | undefined> => {
    const plans = rows.map((_, r) => (live[r] ? pipeline.candidates(contexts[r]) : undefined));
    if (plans.some((p, r) => live[r] && !p)) return;
    const m = Math.max(...plans.map((p) => (p ? p.k + p.extra : 0)));
    if (m >= model.vocabSize) return;
    const top = await logits.topk(Math.max(m + 1, hooks.onStep ? setup.stepTopK : 0));
    for (let r = 0; r < batch; r++) if (live[r]) checkFinite(top[r].values, step, r, top[r].indices);
    const candidates = top.map((t, r) => {
      const plan = plans[r];
      return plan ? candidateRow(t, plan) : undefined;
    });
    if (candidates.some((c, r) => live[r] && !c)) return;
    const ids = candidates.map((c, r) => {
      const plan = plans[r];
      if (!c || !plan) return -1;
      const processed = plan.after(c.logits, c.ids);
      const j = rng ? sampleFromLogits(processed, rng) : argmax(processed);
      if (j < 0)
        throw allFilteredError(
          step,
          r,
          pipeline.steps.map((s) => s.name),
        );
      return c.ids[j];
    });
    const k = setup.stepTopK;
    return { ids, topk: top.map((t) => ({ indices: t.indices.slice(0, k), values: t.values.slice(0, k) })) };
  };

  // the rows a step reads whole, the same array every step (a fresh 200 KB a row cost page faults each step)
  let rowBuffer: Float32Array | undefined;

  // ids chosen at `step`, −1 for finished rows.
  const choose = async (logits: StepLogits, step: number): Promise<number[]> => {
    const live = rows.map((row) => row.finish === undefined);
    const needFull =
      step === 0 || doSample || rows.some((_, r) => live[r] && pipeline.affectsArgmax(contexts[r]));
    const picked = needFull && step > 0 ? await fromCandidates(logits, step, live) : undefined;
    let ids: number[];
    let topk: RowTop[] | undefined;
    if (picked) {
      ({ ids, topk } = picked);
    } else if (needFull) {
      const size = logits.batch * logits.vocabSize;
      if (rowBuffer?.length !== size) rowBuffer = new Float32Array(size);
      const raw = await logits.read(rowBuffer);
      for (let r = 0; r < batch; r++)
        if (live[r] && !config.remove_invalid_values) checkFinite(raw[r], step, r);
      if (hooks.onStep) topk = raw.map((values) => topkHost(values, setup.stepTopK));
      ids = raw.map((values, r) => {
        if (!live[r]) return -1;
        // read() gave this step its own copy of the rows: the processors may write into it
        const processed = pipeline.applyInPlace(values, contexts[r]);
        const id = rng ? sampleFromLogits(processed, rng) : argmax(processed);
        if (id < 0)
          throw allFilteredError(
            step,
            r,
            pipeline.steps.map((s) => s.name),
          );
        return id;
      });
    } else if (hooks.onStep) {
      // topk(k)[0] is the argmax (same tie rule), so one read-back serves both.
      topk = await logits.topk(setup.stepTopK);
      for (let r = 0; r < batch; r++) if (live[r]) checkFinite(topk[r].values, step, r, topk[r].indices);
      ids = topk.map((t, r) => (live[r] ? t.indices[0] : -1));
    } else {
      ids = Array.from(await logits.argmax(), (id, r) => (live[r] ? id : -1));
    }
    const bad = ids.find((id, r) => live[r] && !(Number.isInteger(id) && id >= 0 && id < model.vocabSize));
    if (bad !== undefined) {
      throw new SamplingError(
        'model_contract',
        `the model's argmax/topk returned id ${bad}, outside [0, ${model.vocabSize})`,
      );
    }
    if (hooks.onStep && topk) hooks.onStep({ step, topk, ids });
    return ids;
  };

  let aborted = hooks.signal?.aborted ?? false;
  if (!aborted) {
    const session = model.createSession(batch);
    let logits: StepLogits | undefined;
    try {
      logits = await session.forward(rows.map(() => plan.prompt));
      clock.prefillDone();
      for (let step = 0; ; step++) {
        checkStepLogitsShape(logits, batch, model.vocabSize);
        if (hooks.signal?.aborted) {
          aborted = true;
          break;
        }
        const chosen = await choose(logits, step);
        logits.dispose();
        logits = undefined;
        clock.step(chosen.filter((id) => id >= 0).length);
        for (let r = 0; r < batch; r++) {
          const row = rows[r];
          if (row.finish !== undefined) continue;
          const id = chosen[r];
          row.ids.push(id);
          row.generated.push(id);
          let text = '';
          if (eos.has(id)) row.finish = 'eos';
          else if (row.stream) {
            text = row.stream.push(row.generated);
            if (row.stream.stopped) row.finish = 'stop_string';
          }
          if (row.finish === undefined && row.generated.length >= plan.maxNewTokens) row.finish = 'length';
          if (row.finish !== undefined && row.stream) text += row.stream.finish();
          const event: TokenEvent = { id, text, index: row.generated.length - 1, row: r };
          hooks.onToken?.(event);
          yield event;
        }
        if (rows.every((row) => row.finish !== undefined)) break;
        if (hooks.signal?.aborted) {
          aborted = true;
          break;
        }
        logits = await session.forward(
          rows.map((row) => [row.finish === undefined ? row.ids[row.ids.length - 1] : pad]),
        );
      }
    } finally {
      logits?.dispose();
      session.dispose();
    }
  }
  const finishReasons = rows.map((row) => row.finish ?? 'aborted');
  return {
    sequences: rows.map((row) => [...row.ids]),
    generatedIds: rows.map((row) => [...row.generated]),
    ...(hooks.decode ? { texts: rows.map((row) => row.stream?.finalText() ?? '') } : {}),
    finishReason: aborted ? 'aborted' : finishReasons[0],
    finishReasons,
    ...(seed === undefined ? {} : { seed }),
    stats: clock.finish({
      promptTokens: promptLength,
      droppedPromptTokens: plan.droppedPromptTokens,
      generatedTokens: rows.reduce((n, row) => n + row.generated.length, 0),
    }),
  };
}
