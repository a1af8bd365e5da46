// Beam search (and beam sampling when do_sample), following Hugging Face's `_beam_search` with
// `BeamSearchScorer` (transformers v4.4x): scores are log_softmax(logits) passed through the processors,
// plus each beam's running sum; the top max(2, 1 + #eos) · num_beams candidates are walked best first;
// an EOS candidate ranked within the first num_beams closes a hypothesis, the others fill the next beams.
// Session rows are the beams; `session.reorder` moves each new beam onto its parent's cache.
// Tokens are final only at the end, so the returned sequences' token events are emitted then.

import { BeamHypotheses, type Hypothesis } from './beam-hypotheses.js';
import type { RunSetup } from './decode-loop.js';
import { SamplingError } from './errors.js';
import type { FinishReason, GenerationResult, TokenEvent } from './events.js';
import { expNonPositive } from './exp.js';
import { checkFinite, checkStepLogitsShape } from './logits-checks.js';
import { logSoftmaxInPlace, topkHost } from './math.js';
import { sampling } from './options/validate.js';
import { buildLogitsPipeline } from './processors/pipeline.js';
import { createRng, type Rng, randomSeed } from './rng.js';
import { drawWithoutReplacement } from './select.js';
import { RunClock } from './stats.js';
import { TextStream } from './text-stream.js';
import type { StepLogits } from './types.js';

interface Candidate {
  readonly beam: number;
  readonly token: number;
  readonly score: number;
}

/** The k best (beam, token) pairs over all beams, best first; ties → lower beam, then lower token. */
function topCandidates(scores: Float64Array[], k: number): Candidate[] {
  const best: Candidate[] = [];
  for (let b = 0; b < scores.length; b++) {
    const row = scores[b];
    for (let t = 0; t < row.length; t++) {
      const s = row[t];
      if (best.length === k && !(s > best[k - 1].score)) continue;
      let pos = best.length === k ? k - 1 : best.length;
      if (best.length < k) best.push({ beam: b, token: t, score: s });
      while (pos > 0 && s > best[pos - 1].score) {
        best[pos] = best[pos - 1];
        pos--;
      }
      best[pos] = { beam: b, token: t, score: s };
    }
  }
  return best;
}

/**
 * HF beam sampling: k candidates drawn without replacement from softmax over all beams' scores, then sorted.
 * `weights` (beams × vocab) is scratch the caller reuses from step to step.
 */
function sampledCandidates(scores: Float64Array[], k: number, rng: Rng, weights: Float64Array): Candidate[] {
  const vocab = scores[0].length;
  let max = Number.NEGATIVE_INFINITY;
  for (const row of scores) max = Math.max(max, largest(row));
  for (let b = 0; b < scores.length; b++) writeExps(scores[b], max, weights, b * vocab);
  return drawWithoutReplacement(weights, k, rng)
    .map((flat) => ({
      beam: Math.floor(flat / vocab),
      token: flat % vocab,
      score: scores[Math.floor(flat / vocab)][flat % vocab],
    }))
    .sort((a, b) => b.score - a.score || a.beam - b.beam || a.token - b.token);
}

// The loops over whole rows sit in small functions of their own (select.ts's listLive says why).

/** The largest score (NaN ignored). */
function largest(row: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < row.length; t++) if (row[t] > max) max = row[t];
  return max;
}

/** out[at + t] = exp(row[t] − max). */
function writeExps(row: Float64Array, max: number, out: Float64Array, at: number): void {
  for (let t = 0; t < row.length; t++) out[at + t] = expNonPositive(row[t] - max);
}

/** out[t] = processed[t] + beamScore, in float64: a beam's candidate scores. */
function addBeamScore(processed: Float32Array, beamScore: number, out: Float64Array): void {
  for (let t = 0; t < out.length; t++) out[t] = processed[t] + beamScore;
}

/** Beam search over `config.num_beams` session rows; returns the `num_return_sequences` best hypotheses. */
export async function* beamSearch(setup: RunSetup): AsyncGenerator<TokenEvent, GenerationResult> {
  const { model, plan, config, hooks } = setup;
  const clock = new RunClock();
  const numBeams = config.num_beams;
  const promptLength = plan.prompt.length;
  const doSample = sampling(config);
  const seed = doSample ? (config.seed ?? randomSeed()) : undefined;
  const rng = seed === undefined ? undefined : createRng(seed);
  const eosIds = config.eos_token_id;
  const eos = new Set(eosIds);
  const pipeline = buildLogitsPipeline(config, {
    sampling: doSample,
    promptLength,
    minTokensToKeep: eosIds.length > 0 ? eosIds.length + 1 : 2,
  });
  const candidatesPerStep = Math.max(2, 1 + eosIds.length) * numBeams;
  const hypotheses = new BeamHypotheses(
    numBeams,
    config.length_penalty,
    config.early_stopping,
    plan.maxNewTokens,
  );
  let beams: number[][] = Array.from({ length: numBeams }, () => []);
  // Only beam 0 is live at the first step, as in HF (the others start at −1e9).
  let beamScores = Float64Array.from({ length: numBeams }, (_, b) => (b === 0 ? 0 : -1e9));
  let done = false;
  let aborted = hooks.signal?.aborted ?? false;

  // per step: the rows read back, each beam's candidate scores, beam sampling's weights (reused, not allocated:
  // a fresh 400 KB array's first writes are page faults)
  const vocab = model.vocabSize;
  const rowBuffer = new Float32Array(numBeams * vocab);
  const scoreRows = Array.from({ length: numBeams }, () => new Float64Array(vocab));
  const weights = new Float64Array(rng ? numBeams * vocab : 0);

  if (!aborted) {
    const session = model.createSession(numBeams);
    let logits: StepLogits | undefined;
    try {
      logits = await session.forward(beams.map(() => plan.prompt));
      clock.prefillDone();
      for (let step = 0; ; step++) {
        checkStepLogitsShape(logits, numBeams, model.vocabSize);
        if (hooks.signal?.aborted) {
          aborted = true;
          break;
        }
        const raw = await logits.read(rowBuffer);
        logits.dispose();
        logits = undefined;
        if (!config.remove_invalid_values) for (let b = 0; b < numBeams; b++) checkFinite(raw[b], step, b);
        hooks.onStep?.({ step, topk: raw.map((values) => topkHost(values, setup.stepTopK)) });
        // the rows are this step's own (read into rowBuffer): log-softmax and the processors write into them
        const scores = raw.map((values, b) => {
          const ctx = { inputIds: [...plan.prompt, ...beams[b]], promptLength, maxLength: plan.maxLength };
          const processed = pipeline.applyInPlace(logSoftmaxInPlace(values), ctx);
          addBeamScore(processed, beamScores[b], scoreRows[b]);
          return scoreRows[b];
        });
        const candidates = rng
          ? sampledCandidates(scores, candidatesPerStep, rng, weights)
          : topCandidates(scores, candidatesPerStep);
        const next: Candidate[] = [];
        for (let rank = 0; rank < candidates.length && next.length < numBeams; rank++) {
          const c = candidates[rank];
          if (!eos.has(c.token)) next.push(c);
          else if (rank < numBeams) hypotheses.add([...beams[c.beam], c.token], c.score, step + 1);
        }
        if (next.length < numBeams) {
          throw new SamplingError(
            'invalid_logits',
            `beam search found ${next.length} continuations with non-zero probability at step ${step}, needs num_beams = ${numBeams}; lower num_beams or relax the filtering options`,
          );
        }
        done = hypotheses.isDone(candidates[0].score, step + 1);
        beams = next.map((c) => [...beams[c.beam], c.token]);
        beamScores = Float64Array.from(next, (c) => c.score);
        clock.step(numBeams);
        if (done || step + 1 >= plan.maxNewTokens) break;
        if (hooks.signal?.aborted) {
          aborted = true;
          break;
        }
        const parents = next.map((c) => c.beam);
        if (parents.some((p, i) => p !== i)) session.reorder(parents);
        logits = await session.forward(next.map((c) => [c.token]));
      }
    } finally {
      logits?.dispose();
      session.dispose();
    }
  }
  if (!done) {
    for (let b = 0; b < numBeams; b++) {
      if (beams[b].length > 0) hypotheses.add(beams[b], beamScores[b], beams[b].length);
    }
  }
  const best: Hypothesis[] = hypotheses.sorted().slice(0, config.num_return_sequences);
  const finishReasons: FinishReason[] = best.map((h) =>
    aborted ? 'aborted' : eos.has(h.tokens[h.tokens.length - 1]) ? 'eos' : 'length',
  );
  const texts: string[] = [];
  for (let r = 0; r < best.length; r++) {
    const tokens = best[r].tokens;
    const stream = hooks.decode ? new TextStream(hooks.decode, []) : undefined;
    const textIds = finishReasons[r] === 'eos' ? tokens.slice(0, -1) : tokens;
    for (let i = 0; i < tokens.length && !aborted; i++) {
      let text = stream && i < textIds.length ? stream.push(textIds.slice(0, i + 1)) : '';
      if (stream && i === tokens.length - 1) text += stream.finish();
      const event: TokenEvent = { id: tokens[i], text, index: i, row: r };
      hooks.onToken?.(event);
      yield event;
    }
    if (hooks.decode) texts.push(hooks.decode(textIds));
  }
  return {
    sequences: best.map((h) => [...plan.prompt, ...h.tokens]),
    generatedIds: best.map((h) => [...h.tokens]),
    ...(hooks.decode ? { texts } : {}),
    finishReason: aborted ? 'aborted' : (finishReasons[0] ?? 'length'),
    finishReasons,
    scores: best.map((h) => h.score),
    ...(seed === undefined ? {} : { seed }),
    stats: clock.finish({
      promptTokens: promptLength,
      droppedPromptTokens: plan.droppedPromptTokens,
      generatedTokens: best.reduce((n, h) => n + h.tokens.length, 0),
    }),
  };
}
