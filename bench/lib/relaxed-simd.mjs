// The relaxed-SIMD variants of a webasm spec (BENCH_RELAXED_SIMD): `off` runs the kernels without fused
// multiply-adds (the child gets GPT2JS_WASM_FMA=0), `on` with them (`f32x4.relaxed_madd`; on a Node that
// does not validate relaxed SIMD by default, Node 20, the child gets --experimental-wasm-relaxed-simd).
// Other backends compile no WebAssembly kernels and get one spec without a variant.

import { hasRelaxedSimd } from '@gpt2js/tensor';

const FLAG = '--experimental-wasm-relaxed-simd';

/**
 * Whether a child started as `node script` validates relaxed SIMD without the flag, decided when this
 * module loads (before anything could set V8 flags at run time). A parent that has it only through its
 * own command line does not count: children do not inherit execArgv (and Node refuses the flag in
 * NODE_OPTIONS).
 */
const BY_DEFAULT = !process.execArgv.some((a) => a.startsWith(FLAG)) && hasRelaxedSimd();

export function relaxedSimdByDefault() {
  return BY_DEFAULT;
}

/** How this run's variants were started, for the report's notes. */
export function relaxedSimdStatus(mode) {
  const on = BY_DEFAULT
    ? `this Node (${process.version}) validates relaxed SIMD by default, so \`on\` children run without flags`
    : `this Node (${process.version}) does not validate relaxed SIMD by default, so \`on\` children run with \`${FLAG}\``;
  const off = '`off` children run with GPT2JS_WASM_FMA=0';
  return `BENCH_RELAXED_SIMD=${mode}: ${mode === 'off' ? off : mode === 'on' ? on : `${on}; ${off}`}`;
}

/**
 * The variants of one backend: `relaxedSimd` ('off' | 'on', undefined for non-webasm backends), `variant`
 * (short name for ids and targets: 'webasm', 'webasm+fma'), `label` (table column), and how to start the
 * child (`nodeArgs`, `envOverrides`: values to set, undefined to delete).
 */
export function backendVariants(backend, mode) {
  if (backend !== 'webasm')
    return [{ relaxedSimd: undefined, variant: backend, label: backend, nodeArgs: [], envOverrides: {} }];
  const off = {
    relaxedSimd: 'off',
    variant: backend,
    label: backend,
    nodeArgs: [],
    envOverrides: { GPT2JS_WASM_FMA: '0' },
  };
  const on = {
    relaxedSimd: 'on',
    variant: `${backend}+fma`,
    label: `${backend} + relaxed SIMD (FMA)`,
    nodeArgs: relaxedSimdByDefault() ? [] : [FLAG],
    envOverrides: { GPT2JS_WASM_FMA: undefined },
  };
  return mode === 'off' ? [off] : mode === 'on' ? [on] : [off, on];
}

/** The child's environment: `env` with the overrides applied (undefined deletes). */
export function childEnv(env, overrides) {
  const out = { ...env };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * Why a measured row does not match its variant, or undefined when it does (or has no variant): every
 * sample reports `fusedMultiplyAdd`, which must be true for `on` and false for `off`.
 */
export function variantMismatch(spec, results) {
  if (!spec.relaxedSimd || !results.length) return undefined;
  const want = spec.relaxedSimd === 'on';
  const bad = results.filter((r) => r.fusedMultiplyAdd !== want);
  if (!bad.length) return undefined;
  const got = [
    ...new Set(
      bad.map((r) =>
        typeof r.fusedMultiplyAdd === 'boolean' ? (r.fusedMultiplyAdd ? 'on' : 'off') : 'unreported',
      ),
    ),
  ];
  return `asked for relaxed SIMD ${spec.relaxedSimd}, but ${bad.length} of ${results.length} sample(s) ran with fused multiply-adds ${got.join('/')}`;
}
