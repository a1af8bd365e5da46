// exp(x) for x ≤ 0 as plain arithmetic that a SIMD kernel evaluates four lanes at once (Math.exp is a call
// into JavaScript per lane on webasm): the softmax weights of the webasm attention kernels.
//
//   y = max(x·log2 e, −126) = n + r with n = floor(y + ½) and r ∈ [−½, ½)
//   2^r by its Taylor polynomial of degree 7 (truncation ≤ 1.2e-8 relative)
//   2^n = Π over the bits b of −n ∈ [0, 126] of (2^−2^b if the bit is set, else 1): seven exact factors
//   x ≤ −87 (below f32's normal range) gives 0, like the underflow of exp itself.
// Relative error against exp, in f32 arithmetic: ≤ 1e-6 for x ∈ [−20, 0], ≤ 4e-6 down to −87 (the rounding
// of x·log2 e grows with |x|; those weights are below 1e-8 of the largest, where softmax cannot see it).

const COEFFICIENTS = [1, 2, 3, 4, 5, 6, 7].map((k) => Math.LN2 ** k / factorial(k));

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}

/** exp(x) for x ≤ 0 by the formula above, in f64 arithmetic (the oracle of the kernel source). */
export function expNonPositive(x: number): number {
  if (!(x > -87)) return 0;
  const y = Math.max(x * Math.LOG2E, -126);
  const n = Math.floor(y + 0.5);
  const r = y - n;
  let p = COEFFICIENTS[6];
  for (let i = 5; i >= 0; i--) p = p * r + COEFFICIENTS[i];
  p = p * r + 1;
  let scale = 1;
  const k = -n;
  for (let b = 0; b < 7; b++) {
    const bit = (k >> b) & 1;
    scale *= 2 ** -(2 ** b) * bit + (1 - bit);
  }
  return p * scale;
}

/** GPU.js statements declaring `out` = exp(`x`) for x ≤ 0 (temporaries suffixed with `out`'s name). */
export function EXP_SOURCE(x: string, out: string): string {
  const t = (name: string) => `${name}_${out}`;
  const horner = COEFFICIENTS.slice(0, -1).reduceRight(
    (inner, a) => `${a} + ${t('r')} * (${inner})`,
    `${COEFFICIENTS[COEFFICIENTS.length - 1]}`,
  );
  const lines = [
    `const ${t('y')} = Math.max(${x} * ${Math.LOG2E}, -126.0);`,
    `const ${t('n')} = Math.floor(${t('y')} + 0.5);`,
    `const ${t('r')} = ${t('y')} - ${t('n')};`,
    `const ${t('p')} = 1.0 + ${t('r')} * (${horner});`,
    `const ${t('k')} = 0 - ${t('n')};`,
    `let ${t('s')} = 1.0;`,
  ];
  for (let b = 0; b < 7; b++) {
    const bit = `((${t('k')} >> ${b}) & 1)`;
    lines.push(`${t('s')} = ${t('s')} * (${2 ** -(2 ** b)} * ${bit} + (1 - ${bit}));`);
  }
  lines.push(`let ${out} = 0.0;`, `if (${x} > -87.0) { ${out} = ${t('p')} * ${t('s')}; }`);
  return lines.join('\n');
}
