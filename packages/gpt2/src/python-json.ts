// Python's `repr(float)` and `json.dumps(obj, indent=2, sort_keys=True)`, so that `print(config)` and
// `print(model)` read exactly as they do in a Hugging Face notebook (`1e-05`, not `0.00001`; `0.0`, not `0`;
// non-ASCII escaped like `ensure_ascii=True`).

/**
 * Formats a number the way Python's `repr(float(x))` does: shortest round-trip digits, scientific notation
 * when the decimal exponent is below -4 or at least 16, and always a fractional part (`1.0`, `1e-05`).
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expAbs = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${mant}e${exponent < 0 ? '-' : '+'}${expAbs}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intLen = exponent + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** A JSON string literal as Python's json.dumps writes it (ensure_ascii=True). */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * `json.dumps(value, indent=2, sort_keys=True)`. Numbers listed by `isFloatKey` (or non-integers anywhere)
 * print as Python floats; other integers print as ints.
 */
export function pyJsonDumps(value: unknown, isFloatKey: (key: string) => boolean = () => false): string {
  const write = (v: unknown, indent: string, key: string | undefined): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || (key !== undefined && isFloatKey(key))) return pyFloat(v);
      return Object.is(v, -0) ? '0' : String(v);
    }
    if (typeof v === 'string') return pyJsonString(v);
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((item) => inner + write(item, inner, key)).join(',\n')}\n${indent}]`;
    }
    if (typeof v === 'object') {
      const keys = Object.keys(v as object).sort();
      if (keys.length === 0) return '{}';
      const entries = keys.map(
        (k) => `${inner}${pyJsonString(k)}: ${write((v as Record<string, unknown>)[k], inner, k)}`,
      );
      return `{\n${entries.join(',\n')}\n${indent}}`;
    }
    return pyJsonString(String(v));
  };
  return write(value, '', undefined);
}
