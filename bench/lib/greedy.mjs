// The measured loop both gpt2js benchmarks run (Node: ../engines/gpt2js.mjs, browser: ../browser/page/main.js):
// greedy decoding through a CausalLM session, one token id read back per step, each step timestamped.
// Plain ES module without Node imports, so the browser page bundles it too.

/** The prompt, then `steps` more tokens: ids, the start time and the time each token was known. */
export async function greedyTimed(model, prompt, steps) {
  const session = model.createSession(1);
  const ids = [];
  const times = [];
  const start = performance.now();
  let input = prompt;
  try {
    for (let i = 0; i <= steps; i++) {
      const logits = await session.forward([input]);
      const [id] = await logits.argmax();
      logits.dispose();
      times.push(performance.now());
      ids.push(id);
      input = [id];
    }
  } finally {
    session.dispose();
  }
  return { ids, start, times };
}
