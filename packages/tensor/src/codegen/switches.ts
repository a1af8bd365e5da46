// The extension's off switches: an environment variable (Node) or a global of the same name (browsers),
// set to 0 / false / off / no.

/** How `name` turns a feature off here (`GPT2JS_X=0`, `globalThis.GPT2JS_X = 0`), or null when it does not. */
export function switchedOffBy(name: string): string | null {
  const globals = globalThis as { process?: { env?: Record<string, string | undefined> } } & Record<
    string,
    unknown
  >;
  const fromEnv = globals.process?.env?.[name];
  if (fromEnv !== undefined && /^(0|false|off|no)$/i.test(fromEnv.trim())) return `${name}=${fromEnv}`;
  const flag = globals[name];
  if (flag === 0 || flag === false || flag === '0') return `globalThis.${name} = ${String(flag)}`;
  return null;
}

/** The float types of gpu.js's type inference (Integer and LiteralInteger are the others). */
const FLOAT_TYPES = new Set(['Number', 'Float']);

/** Whether gpu.js typed `type` as a float. */
export const isFloatType = (type: string | null | undefined): boolean => FLOAT_TYPES.has(type ?? '');
