// The extension's switches: an environment variable (Node) or a global of the same name (browsers); the off
// switches are set to 0 / false / off / no.

/** What `name` is set to: the environment variable (Node) and the global of that name (browsers). */
export function switchSources(name: string): { env: string | undefined; global: unknown } {
  const globals = globalThis as { process?: { env?: Record<string, string | undefined> } } & Record<
    string,
    unknown
  >;
  return { env: globals.process?.env?.[name], global: globals[name] };
}

/** How `name` turns a feature off here (`GPT2JS_X=0`, `globalThis.GPT2JS_X = 0`), or null when it does not. */
export function switchedOffBy(name: string): string | null {
  const { env, global } = switchSources(name);
  if (env !== undefined && /^(0|false|off|no)$/i.test(env.trim())) return `${name}=${env}`;
  if (global === 0 || global === false || global === '0') return `globalThis.${name} = ${String(global)}`;
  return null;
}

/** The float types of gpu.js's type inference (Integer and LiteralInteger are the others). */
const FLOAT_TYPES = new Set(['Number', 'Float']);

/** Whether gpu.js typed `type` as a float. */
export const isFloatType = (type: string | null | undefined): boolean => FLOAT_TYPES.has(type ?? '');
