// Parsers for benchmark options read from the environment, shared by the Node and browser benchmarks.
// Each BENCH_X may also be written GPT2JS_BENCH_X: turbo's strict environment mode passes GPT2JS_* through
// to `pnpm bench` at the root, while a bare BENCH_X reaches only `pnpm --filter @gpt2js/bench bench`.

/** A bad option value: a runner prints the message alone and exits 2 (not a harness failure). */
export class OptionError extends Error {
  name = 'OptionError';
}

/** The raw value of `name` (its GPT2JS_ spelling first), or undefined. */
export function read(env, name) {
  return env[`GPT2JS_${name}`] ?? env[name];
}

/** A comma-separated list of values from `allowed`, without repeats; `dflt` when unset or blank. */
export function list(env, name, allowed, dflt) {
  const raw = read(env, name);
  if (raw === undefined || raw.trim() === '') return dflt;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item))
      throw new OptionError(
        `${name}=${raw}: '${item}' is not one of ${allowed.join(', ')} (comma-separated)`,
      );
  }
  return [...new Set(items)];
}

/** One value from `allowed`; `dflt` when unset or blank. */
export function choice(env, name, allowed, dflt) {
  const raw = read(env, name);
  if (raw === undefined || raw.trim() === '') return dflt;
  const value = raw.trim();
  if (!allowed.includes(value))
    throw new OptionError(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
  return value;
}

/** An integer in [min, max]; `dflt` when unset or blank. */
export function int(env, name, dflt, min, max) {
  const raw = read(env, name);
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new OptionError(`${name}=${raw}: expected an integer in [${min}, ${max}]`);
  return v;
}
